"""The report lifecycle through the runtime, the store, the timer rows and the recording adapter, on
SQLite and PostgreSQL: submissions recorded from the card drive the reminders of each law with a duty.

The leaflet's USB example (a USB stick lost on the way home, 120 people, known Thu 2026-11-26):
確報 due Fri 2026-12-25 (day 30, 規則第3条第2項); its reminders on Wed 23, Thu 24 and Fri 25 December,
09:00 in Tokyo — all Japanese working days (flows.calendar)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.events import FormSubmitted
from bot.core.views import Card
from storage.audit import verify_chain
from storage.queue import TIMER
from tests.conftest import Clock
from tests.flows.helpers import config
from tests.support.harness import Harness

TOKYO = ZoneInfo("Asia/Tokyo")
VALID = "123456789018"  # a My Number with a valid check digit (LEGAL.md)
FACTS = {"people": "120", "people_max": "", "encrypted": "no", "exposed_online": "no", "wrongful_purpose": "no", "outsourcee": "no",
         "government_system": "no", "misuse_art9": "no", "provision_art19": "no", "sensitive_data": "no", "financial_harm": "no"}  # fmt: skip


def tokyo(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TOKYO).astimezone(UTC)


async def pending(h: Harness, inc_id: str, kind: str = "deadline") -> dict[str, date]:
    async with h.store.tx() as tx:
        rows = (await tx.conn.execute(select(TIMER.c.key, TIMER.c.due_at).where(
            TIMER.c.incident_id == inc_id, TIMER.c.kind == kind, TIMER.c.status == "pending"))).all()  # fmt: skip
    return {key: due.astimezone(TOKYO).date() for key, due in rows}


async def record(h: Harness, who: str, inc_id: str, law: str, kind: str, when: str, receipt: str = "") -> None:
    values = {"law": law, "kind": kind, "submitted_at": when, "channel": "ppc_web", "receipt": receipt}
    await h.send(FormSubmitted(h.user(who), "submission", values, context=inc_id))


def field(view: object, label: str) -> str:
    assert isinstance(view, Card)
    return next(f.value for f in view.fields if f.label == label)


def deadline_posts(h: Harness, card_ref: str) -> list[str]:
    return [s.view.text for s in h.adapter.ops("post") if s.thread == card_ref and "確報の" in s.view.text and "期限" in s.view.text]


def deadline_pages(h: Harness) -> list[str]:
    return [s.view.text for s in h.adapter.ops("notify") if "確報の期限" in getattr(s.view, "text", "")]


async def test_the_usb_example_preliminary_then_final_recorded_and_the_reminders_follow_the_records(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        inc_id = (await h.report(people="120", wrongful_purpose="unknown")).incident_id  # known Thu 2026-11-26
        await h.press("sato", "ack", inc_id)
        card = h.adapter.ops("post", "place:incidents")[0]
        assert field(card.view, "確報の期限").startswith("2026-12-25")  # an unknown purpose never gives 60 days
        timers = await pending(h, inc_id)
        assert {k: v for k, v in timers.items() if k.startswith("mynumber:")} == {
            "mynumber:prelim": date(2026, 11, 30), "mynumber:final-2": date(2026, 12, 23),
            "mynumber:final-1": date(2026, 12, 24), "mynumber:final-0": date(2026, 12, 25)}  # fmt: skip

        # 速報 filed the next day and recorded from the card: the 速報 reminder is gone, the 確報's stay
        clock.now = tokyo(2026, 11, 27, 16)
        for law in ("mynumber", "appi"):
            await record(h, "sato", inc_id, law, "prelim", "2026-11-27T15:00", receipt=f"{law}-1")
        assert "速報 2026-11-27" in field(h.adapter.latest(card.ref), "報告の提出（番号法）")
        assert set(await pending(h, inc_id)) == {f"{law}:final-{n}" for law in ("mynumber", "appi") for n in (0, 1, 2)}
        clock.now = tokyo(2026, 11, 30, 9, 1)
        await h.tick()
        assert not [t for t in deadline_posts(h, card.ref) if "速報" in t]

        # ticking the report item does not silence anything: it asks for the record
        await h.press("tanaka", "item:done", f"{inc_id}|6.2")
        assert h.adapter.ops("form", "user:tanaka")
        clock.now = tokyo(2026, 12, 23, 9, 1)
        await h.tick()
        (two_days,) = deadline_posts(h, card.ref)
        assert "番号法・個人情報保護法の確報の期限（2026-12-25）まであと2日" in two_days

        # the 確報 of both laws recorded: the report item is ticked and the reminders stop
        clock.now = tokyo(2026, 12, 23, 15)
        await record(h, "tanaka", inc_id, "mynumber", "final", "2026-12-23T14:00", receipt="PPC-2026-777")
        assert await pending(h, inc_id) == {"appi:final-1": date(2026, 12, 24), "appi:final-0": date(2026, 12, 25)}
        await record(h, "tanaka", inc_id, "appi", "final", "2026-12-23T14:30")
        assert await pending(h, inc_id) == {}
        for day in (24, 25, 28):
            clock.now = tokyo(2026, 12, day, 9, 1)
            await h.tick()
        assert len(deadline_posts(h, card.ref)) == 1 and deadline_pages(h) == []

        async with h.store.tx() as tx:
            loaded = await tx.load(inc_id)
            rows = await tx.audit_rows(inc_id)
        inc = loaded.incident
        assert [(s.law, s.kind, s.submitted_on.isoformat(), s.receipt) for s in inc.submissions] == [
            ("mynumber", "prelim", "2026-11-27", "mynumber-1"), ("appi", "prelim", "2026-11-27", "appi-1"),
            ("mynumber", "final", "2026-12-23", "PPC-2026-777"), ("appi", "final", "2026-12-23", "")]  # fmt: skip
        assert inc.item("6.2").state == "done" and inc.item("6.2").by.key == "tanaka"
        recorded = [r["detail"] for r in rows if r["action"] == "submission.recorded"]
        assert [(d["law"], d["kind"], d["by"]) for d in recorded] == [
            ("mynumber", "prelim", "sato"),
            ("appi", "prelim", "sato"),
            ("mynumber", "final", "tanaka"),
            ("appi", "final", "tanaka"),
        ]
        assert verify_chain(inc_id, rows, loaded.audit_head, loaded.audit_seq) == []
    finally:
        await h.close()


async def test_without_a_record_the_deadline_day_pages_the_chain(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        inc_id = (await h.report(people="120", wrongful_purpose="unknown")).incident_id
        await h.press("sato", "ack", inc_id)
        await h.send(FormSubmitted(h.user("tanaka"), "facts", FACTS, context=inc_id))  # 番号法 only
        card = h.adapter.ops("post", "place:incidents")[0]
        for day in (23, 24, 25):
            clock.now = tokyo(2026, 12, day, 9, 1)
            await h.tick()
        posts = deadline_posts(h, card.ref)
        assert len(posts) == 3 and "本日が番号法の確報の期限（2026-12-25）" in posts[-1]
        assert len(deadline_pages(h)) == 3  # sato, suzuki, takahashi — once
    finally:
        await h.close()


async def test_an_appi_only_duty_shows_on_the_card_and_is_reminded(db_url: str, clock: Clock) -> None:
    """Defect 4: a mis-sent 扶養控除等申告書 with 障害者 entries (要配慮個人情報), 30 people."""
    h = Harness(db_url, config(), clock)
    try:
        inc_id = (await h.report(people="30", medium="paper", summary="扶養控除等申告書を別の従業員に誤送付した")).incident_id
        await h.press("sato", "ack", inc_id)
        await h.send(FormSubmitted(h.user("tanaka"), "facts", {**FACTS, "people": "30", "sensitive_data": "yes"}, context=inc_id))
        card = h.adapter.ops("post", "place:incidents")[0]
        view = h.adapter.latest(card.ref)
        assert "努力義務" in field(view, "PPCへの報告（番号法）")
        assert field(view, "本人への通知") == "必要（個人情報保護法第26条第2項）"
        assert "確報：未記録（期限 2026-12-25）" in field(view, "報告の提出（個人情報保護法）")
        assert set(await pending(h, inc_id)) == {"appi:prelim", "appi:final-2", "appi:final-1", "appi:final-0"}
        clock.now = tokyo(2026, 12, 25, 9, 1)
        await h.tick()
        (post,) = deadline_posts(h, card.ref)
        assert "本日が個人情報保護法の確報の期限（2026-12-25）" in post and "本人への通知も必要です（個人情報保護法第26条第2項）" in post
        assert deadline_pages(h) and all("個人情報保護法" in p for p in deadline_pages(h))
    finally:
        await h.close()


async def test_a_deferred_notice_is_revisited_on_its_day(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        inc_id = (await h.report(people="120")).incident_id
        await h.press("sato", "ack", inc_id)
        values = {"decision": "defer", "reason": "警察から捜査のため通知を待つよう要請", "revisit_on": "2026-12-05T09:00"}
        await h.send(FormSubmitted(h.user("sato"), "notice_decision", values, context=inc_id))
        assert await pending(h, inc_id, "notice") == {"revisit": date(2026, 12, 7)}  # Sat 5 Dec → Mon 7 Dec
        card = h.adapter.ops("post", "place:incidents")[0]
        assert "延期（理由：警察から捜査のため通知を待つよう要請" in field(h.adapter.latest(card.ref), "本人通知の判断")
        clock.now = tokyo(2026, 12, 7, 9, 1)
        await h.tick()
        assert [s for s in h.adapter.ops("post") if s.thread == card.ref and "本人への通知を延期しています" in s.view.text]
        assert await pending(h, inc_id, "notice") == {"revisit": date(2026, 12, 14)}
        await h.send(FormSubmitted(h.user("sato"), "notice_decision", {"decision": "resume"}, context=inc_id))
        assert await pending(h, inc_id, "notice") == {}
    finally:
        await h.close()


async def test_a_bad_record_is_shown_back_and_logged_for_the_operator_without_what_was_typed(
    db_url: str, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness(db_url, config(), clock)
    try:
        inc_id = (await h.report(people="120")).incident_id
        caplog.set_level(logging.INFO, logger="mynaleak.runtime")
        values = {"law": "mynumber", "kind": "supplement", "submitted_at": "2026-11-26T10:00", "channel": "ppc_web", "receipt": VALID}
        out = await h.send(FormSubmitted(h.user("sato"), "submission", values, context=inc_id))
        assert out.form is not None and set(out.form.errors) == {"kind"} and VALID not in repr(out.form)
        (line,) = [r for r in caplog.records if r.getMessage() == "form rejected"]
        assert line.form == "submission" and line.fields == ["kind"]  # type: ignore[attr-defined]
        assert VALID not in caplog.text
        async with h.store.tx() as tx:
            assert (await tx.load(inc_id)).incident.submissions == ()
    finally:
        await h.close()
