"""As outsourcee (委託先), through the runtime, the store, the timer rows and the recording adapter, on
SQLite and PostgreSQL: the notice to the principal (委託元) is chased until it is recorded.

Known Tue 2026-12-01: the target is days 3-5, Thu 12-03 – Sat 12-05 (規則第4条, 別添２ 3F); reminders
on its first working day (Thu 12-03) and its last (Fri 12-04), 09:00 in Tokyo. Once recorded, the
outsourcee is released from the report and from the notice to individuals (番号法第29条の4第1項ただし書・
第2項; 別添２ 3F, 4A), so the 速報・確報 reminders stop as well."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core.events import FormSubmitted
from bot.core.views import Card, plain
from storage.audit import verify_chain
from storage.queue import TIMER
from tests.conftest import Clock
from tests.flows.helpers import config
from tests.support.harness import Harness

TOKYO = ZoneInfo("Asia/Tokyo")
PARTY = "株式会社イロハ給与サービス"
FACTS = {"people": "120", "people_max": "", "encrypted": "no", "exposed_online": "no", "wrongful_purpose": "no", "outsourcee": "no",
         "government_system": "no", "misuse_art9": "no", "provision_art19": "no", "sensitive_data": "no", "financial_harm": "no",
         "role": "outsourcee", "party_name": PARTY}  # fmt: skip


def tokyo(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TOKYO).astimezone(UTC)


async def pending(h: Harness, inc_id: str, kind: str) -> dict[str, date]:
    async with h.store.tx() as tx:
        rows = (await tx.conn.execute(select(TIMER.c.key, TIMER.c.due_at).where(
            TIMER.c.incident_id == inc_id, TIMER.c.kind == kind, TIMER.c.status == "pending"))).all()  # fmt: skip
    return {key: due.astimezone(TOKYO).date() for key, due in rows}


def field(view: object, label: str) -> str:
    assert isinstance(view, Card)
    return plain(next(f.value for f in view.fields if f.label == label))  # people by name (mention tokens)


def reminders(h: Harness, thread: str) -> list[str]:
    return [s.view.text for s in h.adapter.ops("post") if s.thread == thread and "委託元" in s.view.text and "⏰" in s.view.text]


async def test_outsourcee_reports_is_reminded_records_the_notice_and_the_reminders_stop(db_url: str, clock: Clock) -> None:
    clock.now = tokyo(2026, 12, 1, 10)
    cfg = config()
    h = Harness(db_url, cfg, clock)
    try:
        inc_id = (await h.report(people="120")).incident_id
        await h.press("sato", "ack", inc_id)
        await h.send(FormSubmitted(h.user("tanaka"), "facts", FACTS, context=inc_id))
        card = h.adapter.ops("post", "place:incidents")[0]
        assert field(h.adapter.latest(card.ref), "委託元への通知の目安") == "2026-12-03〜2026-12-05（規則第4条）\n委託元への通知：未記録"
        assert await pending(h, inc_id, "principal_notice") == {"first": date(2026, 12, 3), "last": date(2026, 12, 4)}
        assert "mynumber:final-0" in await pending(h, inc_id, "deadline")

        # the draft of the notice names both parties
        await h.press("sato", "draft", f"{inc_id}|principal")
        (posted,) = [s for s in h.adapter.ops("post") if s.thread == card.ref and s.view.attachments]
        (md,) = [a for a in posted.view.attachments if a.name.endswith(".md")]
        text = base64.b64decode(md.data).decode("utf-8")
        assert f"{PARTY} 御中" in text and cfg.company.name in text
    finally:
        await h.close()

    # a restart between arming and firing: the timer rows are the truth
    h = Harness(db_url, cfg, clock)
    try:
        clock.now = tokyo(2026, 12, 3, 9, 1)
        await h.tick()
        (first,) = reminders(h, card.ref)
        assert f"委託元（{PARTY}）への通知の目安（2026-12-03〜2026-12-05）に入りました" in first
        await h.tick()  # idempotent: a second tick sends nothing
        assert len(reminders(h, card.ref)) == 1

        clock.now = tokyo(2026, 12, 3, 15)
        values = {"notified_on": "2026-12-03", "how": "email", "to": PARTY}
        out = await h.send(FormSubmitted(h.user("sato"), "principal_notice", values, context=inc_id))
        assert out.form is None
        assert await pending(h, inc_id, "principal_notice") == {}
        assert await pending(h, inc_id, "deadline") == {}  # released from the report (番号法第29条の4第1項ただし書)
        view = h.adapter.latest(card.ref)
        assert field(view, "委託元への通知").startswith(f"2026-12-03 電子メール 通知先 {PARTY}（記録：佐藤 さん）")
        assert field(view, "本人への通知").startswith("委託元への通知により免除")

        for when in (tokyo(2026, 12, 4, 9, 1), tokyo(2026, 12, 29, 9, 1), tokyo(2027, 1, 4, 9, 1)):
            clock.now = when
            await h.tick()
        assert len(reminders(h, card.ref)) == 1
        assert not [s for s in h.adapter.ops("post") if s.thread == card.ref and "確報" in s.view.text and "期限" in s.view.text]

        async with h.store.tx() as tx:
            loaded = await tx.load(inc_id)
            rows = await tx.audit_rows(inc_id)
        n = loaded.incident.principal_notice
        assert n is not None and (n.notified_on, n.how, n.to, n.by.key) == (date(2026, 12, 3), "email", PARTY, "sato")
        (detail,) = [r["detail"] for r in rows if r["action"] == "principal_notice.recorded"]
        assert detail["notified_on"] == "2026-12-03" and detail["by"] == "sato" and detail["late"] is False
        assert verify_chain(inc_id, rows, loaded.audit_head, loaded.audit_seq) == []
    finally:
        await h.close()
