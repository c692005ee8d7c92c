"""The store's hot statements are built once (module level, bound parameters) and reused by every
transaction: a report builds no statement at all, and each reuse writes and reads its own call's
values (not the first call's), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.sql.cache_key import HasCacheKey

from storage.store import OUT, TIMER, Store
from tests.conftest import Clock
from tests.flows.helpers import ORG, config
from tests.support.harness import Harness


async def test_a_report_builds_no_statement(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a warm-up, a report — its transaction, its page and confirmation sent and settled, its
    chain head sealed — generates no statement cache key: every statement was built before."""
    clock = Clock()
    h = Harness(db_url, config(escalation={**ORG["escalation"], "coalesce": {"after_pages": 5}}), clock)
    try:
        await h.report("warm-up")
        await h.report("warm-up-2")
        built: list[str] = []
        generate = HasCacheKey._generate_cache_key

        def counted(self: Any) -> Any:
            built.append(type(self).__name__)
            return generate(self)

        monkeypatch.setattr(HasCacheKey, "_generate_cache_key", counted)
        out = await h.report("r1")
        monkeypatch.undo()
        pages = [s for s in h.adapter.ops("notify", "user:sato") if any(b.action == "ack" for b in s.view.buttons)]
        assert out.incident_id and len(pages) == 3
    finally:
        await h.close()
    assert not built, built


def message(n: int, incident: str, tag: str, kind: str = "notify") -> dict[str, Any]:
    return {"idem_key": f"k{n}", "incident_id": incident, "platform": "playground", "kind": kind, "tag": tag, "payload": {"n": n}}


async def test_reused_statements_take_each_calls_values(store: Store, clock: Clock) -> None:
    now, me = clock(), "me"
    async with store.tx() as tx:
        queued = await tx.add_messages([message(n, f"ML-{n % 2}", f"t{n}") for n in range(6)], now, me, claim=("notify",))
        timers = await tx.add_timers(
            [{"incident_id": "ML-0", "kind": k, "key": "1", "due_at": now, "payload": {}} for k in ("a", "b", "c")]
        )
    ids = [c.id for c in queued]
    assert len(ids) == 6 and len(timers) == 3
    # settling: each shape of columns in a transaction (or autocommitted statement) of its own
    later = now + timedelta(minutes=3)
    async with store.single() as tx:
        assert await tx.settle_message(ids[0], me, "sent", now, ref="ref-0")
    async with store.single() as tx:
        assert await tx.settle_message(ids[1], me, "sent", later, ref="ref-1")
        assert not await tx.settle_message(ids[2], "someone else", "sent", now, ref="nope")
    async with store.tx() as tx:
        assert await tx.settle_message(ids[2], me, "pending", now, error="boom", retry_at=later, attempts=2)
        assert await tx.settle_message(ids[3], me, "failed", now, error="gave up", attempts=9)
        assert await tx.settle_message(ids[4], me, "skipped", now)
    async with store.tx() as tx:
        rows = {r.id: r for r in await tx.conn.execute(select(OUT).where(OUT.c.id.in_(ids)))}
    assert [rows[i].status for i in ids] == ["sent", "sent", "pending", "failed", "skipped", "sending"]
    assert [rows[i].result_ref for i in ids[:3]] == ["ref-0", "ref-1", None]
    assert rows[ids[0]].sent_at == now and rows[ids[1]].sent_at == later
    assert (rows[ids[2]].last_error, rows[ids[2]].attempts, rows[ids[2]].next_attempt_at) == ("boom", 2, later)
    assert (rows[ids[3]].last_error, rows[ids[3]].attempts) == ("gave up", 9)
    assert rows[ids[5]].claimed_by == me and all(rows[i].claimed_by is None for i in ids[:5])
    # claiming: by id, by kind, neither; each with its own lists
    lease_over = now + timedelta(hours=1)
    async with store.tx() as tx:
        assert [c.id for c in await tx.claim_messages("a", now, 10, ids=[ids[2]])] == []  # not due yet
        assert [c.id for c in await tx.claim_messages("a", later, 10, ids=[ids[2], ids[3]])] == [ids[2]]
    async with store.tx() as tx:
        assert [c.id for c in await tx.claim_messages("b", lease_over, 10, kinds=("post",))] == []
        assert [c.id for c in await tx.claim_messages("b", lease_over, 10, kinds=("notify",))] == [ids[2], ids[5]]
    async with store.tx() as tx:
        assert [c.id for c in await tx.claim_messages("c", lease_over + timedelta(hours=1), 1)] == [ids[2]]
        found, _ = await tx.targets([c for c in queued if c.incident_id == "ML-1"], frozenset({"t1", "t3"}))
    assert found == {("ML-1", "t1"): ("sent", "ref-1"), ("ML-1", "t3"): ("failed", None)}
    # timers: cancelled by kind, then all; finished by their claimant only
    async with store.tx() as tx:
        await tx.cancel_timers("ML-0", ("a",))
        b, c = sorted(await tx.claim_timers("t", now, 10), key=lambda t: t.kind)
        assert not await tx.finish_timer(b.id, "other")
        assert await tx.finish_timer(b.id, "t", "failed") and await tx.finish_timer(c.id, "t")
        await tx.add_timers([{"incident_id": "ML-0", "kind": k, "key": "2", "due_at": now, "payload": {}} for k in ("d", "e")])
    async with store.tx() as tx:
        await tx.cancel_timers("ML-0", ())
        statuses = {r.kind: r.status for r in await tx.conn.execute(select(TIMER.c.kind, TIMER.c.status))}
    assert statuses == {"a": "cancelled", "b": "failed", "c": "done", "d": "cancelled", "e": "cancelled"}


async def test_the_incident_is_encoded_once_stored_as_digested(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An event encodes its incident once: the text the audit trail digests is the text the incident
    row stores (SQLAlchemy does not encode it again), and it reads back as the incident (that the
    audit trail still verifies is tests/test_audit*.py's)."""
    import json

    from sqlalchemy import text

    from bot.core import serde
    from bot.core.model import Incident
    from storage import audit
    from storage.store import incident_state

    clock = Clock()
    h = Harness(db_url, config(), clock)
    try:
        encodings: list[int] = []
        dumps = json.dumps

        def counted(obj: Any, *a: Any, **kw: Any) -> str:
            if isinstance(obj, dict) and "escalation" in obj and "facts" in obj:  # an incident's serialised form
                encodings.append(1)
            return dumps(obj, *a, **kw)

        monkeypatch.setattr(json, "dumps", counted)
        out = await h.report("山田", summary="USBメモリを紛失（経理部）")
        monkeypatch.undo()
        async with h.store.tx() as tx:
            stored = (await tx.conn.execute(text(f"SELECT {'data' if h.store.is_sqlite else 'data::text'} FROM incident"))).scalar_one()
            loaded = await tx.load(out.incident_id or "")
    finally:
        await h.close()
    assert loaded is not None
    assert encodings == [1], f"the incident was encoded {len(encodings)} times"
    assert stored == audit.canonical(serde.dump(loaded.incident)).decode()  # stored as digested
    assert serde.load(Incident, json.loads(stored)) == loaded.incident
    assert incident_state(loaded.incident) == incident_state(loaded.incident, audit.Encoded(stored))
