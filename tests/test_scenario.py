"""The whole response through the runtime, the store and the recording adapter, with a controllable
clock: report → step-1 page → no ack → step-2 page → ack → reminders → the 確報 recorded, every item
ticked → close.
Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from bot.core.events import FormSubmitted
from bot.core.views import Card
from storage.audit import verify_chain
from tests.conftest import Clock
from tests.flows.helpers import ORG, config
from tests.support.harness import Harness


def acks_in(view) -> bool:
    return isinstance(view, Card) and any(b.action == "ack" for b in view.buttons)


async def test_full_incident_lifecycle(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        out = await h.report()
        inc_id = out.incident_id
        assert inc_id == "ML-2026-0001"
        rec = h.adapter
        (page1,) = rec.ops("notify", "user:sato")
        assert acks_in(page1.view)
        card = rec.ops("post", "place:incidents")[0]
        assert card.thread is None and inc_id in card.view.title
        thread = [s for s in rec.ops("post") if s.thread == card.ref]
        assert len([s for s in thread if s.view.title.startswith("(")]) == 6  # the six step cards
        assert rec.ops("reply", "user:yamada")  # confirmation to the reporter

        # nobody acknowledges: nothing happens before the wait ends, step 2 right after
        clock.advance(minutes=4)
        await h.tick()
        assert not rec.ops("notify", "user:suzuki")
        clock.advance(minutes=1, seconds=1)
        assert await h.tick() == 1
        (page2,) = rec.ops("notify", "user:suzuki")
        assert acks_in(page2.view)

        # suzuki acknowledges: both pages and the card are updated in place, reporter and thread told
        clock.advance(minutes=2)
        await h.press("suzuki", "ack", inc_id)
        for ref in (page1.ref, page2.ref, card.ref):
            latest = rec.latest(ref)
            assert not acks_in(latest)
        assert "鈴木" in rec.latest(page1.ref).text
        assert any("鈴木" in s.view.text for s in rec.ops("notify", "user:yamada"))
        # and nothing is paged after the ack, however long we wait
        before = len(rec.ops("notify"))
        clock.advance(minutes=60)
        await h.tick()
        assert len([s for s in rec.ops("notify") if acks_in(s.view)]) == 2
        assert len(rec.ops("notify")) == before

        # reminders in the thread at the cadence (first at 14:00 JST)
        clock.now = clock.now.replace(hour=5, minute=0)  # 14:00 JST
        await h.tick()
        reminders = [s for s in rec.ops("post") if s.thread == card.ref and "未完了" in s.view.title]
        assert len(reminders) == 1

        # the 確報 recorded (which ticks the report item), then every other item ticked: the step cards
        # and the status card change in place
        for law in ("mynumber", "appi"):
            values = {"law": law, "kind": "final", "submitted_at": "2026-11-26T14:00", "channel": "ppc_web", "receipt": ""}
            await h.send(FormSubmitted(h.user("tanaka"), "submission", values, context=inc_id))
        async with h.store.tx() as tx:
            inc = (await tx.load(inc_id)).incident
        for item in inc.items:
            if item.state == "open":
                await h.press("suzuki" if item.step % 2 else "tanaka", "item:done", f"{inc_id}|{item.id}")
        n = len(inc.items)
        assert f"{n}/{n}" in "".join(f.value for f in rec.latest(card.ref).fields)
        # with nothing open the reminders stop
        clock.advance(hours=4)
        await h.tick()
        assert len([s for s in rec.ops("post") if "未完了" in s.view.title]) == 1

        await h.command("suzuki", f"close {inc_id}")
        assert rec.latest(card.ref).tone == "success"
        async with h.store.tx() as tx:
            loaded = await tx.load(inc_id)
            assert loaded.incident.status == "closed"
            assert await tx.count_timers("pending") == 0
            rows = await tx.audit_rows(inc_id)
        actions = [r["action"] for r in rows]
        assert actions[0] == "incident.reported" and "escalation.acked" in actions and actions[-1] == "incident.closed"
        assert actions.count("item.done") == n
        assert verify_chain(inc_id, rows, loaded.audit_head, loaded.audit_seq) == []
    finally:
        await h.close()


async def test_retried_delivery_and_double_click_are_dropped(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        first = await h.report(dedup="slack:trigger-1")
        again = await h.report(dedup="slack:trigger-1")
        assert first.incident_id and again.duplicate and again.incident_id is None
        assert len(h.adapter.ops("notify", "user:sato")) == 1
        await h.press("sato", "ack", first.incident_id, dedup="click-1")
        dup = await h.press("sato", "ack", first.incident_id, dedup="click-1")
        assert dup.duplicate
        updates = h.adapter.ops("update")
        await h.press("sato", "ack", first.incident_id, dedup="click-2")  # a real second click
        assert h.adapter.ops("update") == updates  # told privately, nothing updated again
    finally:
        await h.close()


async def test_ids_are_a_per_year_sequence_without_gaps(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        a = await h.report()
        bad = await h.report(summary="")  # rejected: must not use up a number
        assert bad.form is not None and bad.incident_id is None
        b = await h.report()
        clock.now = clock.now.replace(year=2027, month=1, day=5)
        c = await h.report()
        assert [a.incident_id, b.incident_id, c.incident_id] == ["ML-2026-0001", "ML-2026-0002", "ML-2027-0001"]
    finally:
        await h.close()


async def test_concurrent_reports_get_distinct_ids(db_url: str, clock: Clock) -> None:
    import asyncio

    # a page per report: flood control (tests/test_flood.py) is off here
    h = Harness(db_url, config(escalation={**ORG["escalation"], "coalesce": {"after_pages": 0}}), clock)
    try:
        outs = await asyncio.gather(*(h.report(reporter=f"r{i}") for i in range(20)))
        ids = sorted(o.incident_id for o in outs)
        assert ids == [f"ML-2026-{n:04d}" for n in range(1, 21)]
        assert len(h.adapter.ops("notify", "user:sato")) == 20
    finally:
        await h.close()


async def test_update_waits_for_its_target_and_failed_pages_are_reported(db_url: str, clock: Clock) -> None:
    from bot.core.platform import DeliveryError

    h = Harness(db_url, config(), clock)
    try:
        h.adapter.fail["notify"] = [DeliveryError("user_not_found", permanent=True)]
        out = await h.report()
        warn = [s for s in h.adapter.ops("post") if "届けられませんでした" in s.view.text]
        assert len(warn) == 1 and warn[0].thread is not None
        # the escalation goes on to step 2 on time
        clock.advance(minutes=5, seconds=1)
        await h.tick()
        assert len(h.adapter.ops("notify", "user:suzuki")) == 1
        # a transient failure is retried after the backoff and then delivered once
        h.adapter.fail["notify"] = [DeliveryError("HTTP 500")]
        clock.advance(minutes=10, seconds=1)
        await h.tick()
        assert not h.adapter.ops("notify", "user:takahashi")
        clock.advance(seconds=5)
        await h.tick()
        assert len(h.adapter.ops("notify", "user:takahashi")) == 1
        assert out.incident_id
    finally:
        await h.close()


async def test_audit_entries_without_a_change_are_recorded(db_url: str, clock: Clock) -> None:
    """A draft posted, or the deadline-day page, changes no fact but belongs in the audit trail."""
    from bot.core.events import TimerFired

    h = Harness(db_url, config(), clock)
    try:
        inc = (await h.report(people="120")).incident_id
        await h.press("sato", "draft", f"{inc}|report")
        await h.send(TimerFired(inc, "deadline", "final-0"))
        async with h.store.tx() as tx:
            loaded = await tx.load(inc)
            rows = await tx.audit_rows(inc)
        actions = [r["action"] for r in rows]
        assert "draft.created" in actions and "deadline.paged" in actions
        assert verify_chain(inc, rows, loaded.audit_head, loaded.audit_seq) == []
    finally:
        await h.close()
