"""Issue 11, item 3: dedup and idempotency keys are built from platform ids and masked values only,
and inbound delivery keys are forgotten after the platforms' retry window."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import text

from adapters.slack import inbound

A, B = "1234 5678 9018", "4567 8901 2346"  # two valid My Numbers (check digits 8 and 6)


async def keys(slack) -> tuple[set[str], set[str]]:
    async with slack.app.store.engine.connect() as conn:
        seen = {r[0] for r in await conn.execute(text("SELECT key FROM processed_event"))}
        idem = {r[0] for r in await conn.execute(text("SELECT idem_key FROM outbox"))}
    return seen, idem


async def test_no_stored_key_depends_on_the_my_number(slack, fake):
    assert (await slack.command("report")).status == 200
    await slack.settle()
    view_id = max(fake.views)
    base = {"medium": "removable", "people": "30", "whose": "employees"}
    first = slack.view_payload(view_id, base | {"summary": f"鞄を紛失 番号 {A}"}, "U0REPORTER")
    second = json.loads(json.dumps(first, ensure_ascii=False).replace(A, B))
    assert second != first
    before = await keys(slack)

    assert (await slack.interactive(first)).status == 200
    await slack.settle()
    after_first = await keys(slack)
    new_seen = after_first[0] - before[0]
    # one inbound key; the outbox's own events (the card delivered: flows.channel) are keyed by its rows' keys
    inbound_keys = {k for k in new_seen if not k.startswith("delivered:")}
    assert len(inbound_keys) == 1 and after_first[1] - before[1]
    assert all(k.removeprefix("delivered:") in after_first[1] for k in new_seen - inbound_keys)
    # the key is not a digest of what was typed (an unsalted hash of 12 digits is reversed in seconds)
    raw = inbound.form_values(first["view"]["state"]["values"])
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    assert not any(digest in k for k in after_first[0] | after_first[1])

    # the same submission with only the number changed: the same keys, nothing new stored or sent
    assert (await slack.interactive(second)).status == 200
    await slack.settle()
    assert await keys(slack) == after_first
    cards = [c for c in fake.called("chat.postMessage", channel="C0INCIDENTS") if "thread_ts" not in c.args]
    assert len(cards) == 1


async def test_old_delivery_keys_are_forgotten_by_the_ticker(slack, clock):
    now = clock()
    async with slack.app.store.tx() as tx:
        assert await tx.first_time("slack:event:old", now - timedelta(days=8))
        assert await tx.first_time("slack:event:recent", now - timedelta(days=6))
    await slack.app.ticker.tick()
    seen, _ = await keys(slack)
    assert "slack:event:old" not in seen and "slack:event:recent" in seen
    # a retry of the recent one is still recognised; the old one is past every retry window
    async with slack.app.store.tx() as tx:
        assert not await tx.first_time("slack:event:recent", now)
