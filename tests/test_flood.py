"""Issue 11 item 5, through the runtime, the store and the recording adapter (SQLite and PostgreSQL):
one user, not in the organisation file, files a flood of reports. Every report is stored and carded;
each person in the chain gets a few pages and one digest, updated in place, for the rest; the reporter
is told; the channel shows the burst; the metric counts. The counts come from the database, so they
hold across a restart and across concurrent events."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.core.i18n import t
from bot.core.views import Card, plain
from storage.store import INC
from tests.conftest import Clock
from tests.flows.helpers import config
from tests.support.harness import Harness


def acks_in(view: object) -> bool:
    return isinstance(view, Card) and any(b.action == "ack" for b in view.buttons)


async def settle(h: Harness) -> None:
    """Let the ticker fire what is due and deliver channel posts and updates until nothing is left."""
    for _ in range(20):
        if not await h.tick():
            async with h.store.tx() as tx:
                if not await tx.backlog():
                    return
        await h.runtime.drain()


async def stored(h: Harness) -> int:
    async with h.store.tx() as tx:
        return int((await tx.conn.execute(select(func.count()).select_from(INC))).scalar() or 0)


def coalesced(h: Harness) -> float:
    return h.runtime.metrics.registry.get_sample_value("mynaleak_pages_coalesced_total") or 0.0


async def test_30_reports_by_one_user_in_3_seconds(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    rec = h.adapter
    try:
        ids = []
        for _ in range(30):
            out = await h.report(reporter="flooder")  # not in the organisation file
            ids.append(out.incident_id)
            clock.advance(seconds=0.1)
        await settle(h)

        # never drop a report: 30 incidents, each with its card in the channel
        assert await stored(h) == 30 and len(set(ids)) == 30
        cards = [s for s in rec.ops("post", "place:incidents") if s.thread is None and acks_in(s.view)]
        assert len(cards) == 30

        # step 1: five pages, then one digest, updated in place for the other 24
        dms = rec.ops("notify", "user:sato")
        assert len(dms) <= 8
        pages = [s for s in dms if acks_in(s.view)]
        (digest,) = [s for s in dms if not acks_in(s.view)]
        assert len(pages) == 5 and [ids[i] in pages[i].view.title for i in range(5)] == [True] * 5
        now = rec.latest(digest.ref)
        assert isinstance(now, Card) and now.title == t("flood.digest_title", "ja", n=25)
        assert ids[5] in now.fields[0].value and ids[-1] in now.fields[0].value
        assert "flooder さん（25件）" in now.fields[1].value

        # the reporter is told, in the confirmation of each folded report
        told = [r for r in rec.ops("reply", "user:flooder") if t("intake.digest", "ja") in r.view.text]
        assert len(rec.ops("reply", "user:flooder")) == 30 and len(told) == 25

        # the channel shows the burst: one note, kept up to date
        (burst,) = [s for s in rec.ops("post", "place:incidents") if s.thread is None and "報告が集中" in s.view.text]
        assert "30件" in rec.latest(burst.ref).text and "flooder さん（30件）" in plain(rec.latest(burst.ref).text)

        assert coalesced(h) == 25
        assert h.runtime.metrics.registry.get_sample_value("mynaleak_page_digests_total") == 1

        # five minutes on, every incident escalates to step 2: the same rule for suzuki
        clock.advance(minutes=5, seconds=1)
        await settle(h)
        to_suzuki = rec.ops("notify", "user:suzuki")
        assert len(to_suzuki) <= 8 and len([s for s in to_suzuki if acks_in(s.view)]) == 5
        assert len(rec.ops("notify", "user:sato")) == len(dms)  # step 1 is not paged again
        assert coalesced(h) == 50

        # a folded incident is acknowledged from its card in the channel
        card = next(c for c in cards if ids[-1] in c.view.title)
        await h.press("sato", "ack", ids[-1])
        await settle(h)
        assert not acks_in(rec.latest(card.ref))
        # the digest listing it says so (issue 14: like a page's title, it stops asking once all are acked)
        after = rec.latest(digest.ref)
        assert isinstance(after, Card) and after.title == t("cardux.flood.digest_title_some", "ja", n=25, acked=1)
        assert after.fields[0].value == now.fields[0].value
    finally:
        await h.close()


async def test_the_count_survives_a_restart(db_url: str, clock: Clock) -> None:
    first = Harness(db_url, config(), clock)
    try:
        for _ in range(5):
            await first.report(reporter="flooder")
            clock.advance(seconds=1)
        assert len(first.adapter.ops("notify", "user:sato")) == 5
    finally:
        await first.close()
    second = Harness(db_url, config(), clock, me="another-replica")  # a restart (or another replica)
    try:
        await second.report(reporter="flooder")
        (digest,) = second.adapter.ops("notify", "user:sato")
        assert not acks_in(digest.view) and digest.view.title == t("flood.digest_title", "ja", n=1)
    finally:
        await second.close()


async def test_concurrent_reports_still_page_five_times_and_send_one_digest(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        outs = await asyncio.gather(*(h.report(reporter="flooder") for _ in range(20)))
        await settle(h)
        assert len({o.incident_id for o in outs}) == 20 and await stored(h) == 20
        dms = h.adapter.ops("notify", "user:sato")
        assert len([s for s in dms if acks_in(s.view)]) == 5 and len(dms) == 6  # decided one at a time
        (digest,) = [s for s in dms if not acks_in(s.view)]
        assert h.adapter.latest(digest.ref).title == t("flood.digest_title", "ja", n=15)
    finally:
        await h.close()
