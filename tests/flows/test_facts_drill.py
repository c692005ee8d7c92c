"""The law in chat (assessment on the card, the facts form, deadline reminders) and drill mode."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.effects import Audit, CancelTimers, Notify, OpenForm, Post, RejectForm, Reply, StartTimer, Update
from bot.core.events import FormSubmitted, TimerFired
from bot.core.views import Card
from flows import State, needs
from tests.flows.helpers import (
    OUTSIDER,
    SATO,
    T0,
    TANAKA,
    command,
    config,
    handle,  # flows.handle, with the cards drawn when sent drawn
    minutes,
    of,
    press,
    report,
    step,
    submission,
)

FACTS = {"people": "120", "people_max": "", "encrypted": "no", "exposed_online": "no", "wrongful_purpose": "no", "outsourcee": "no",
         "government_system": "no", "misuse_art9": "no", "provision_art19": "no", "sensitive_data": "no", "financial_harm": "no"}  # fmt: skip


def card_of(effects) -> Card:
    return next(e.view for e in effects if isinstance(e, Post | Update) and e.tag == "card")


def field(card: Card, label: str) -> str:
    return next(f.value for f in card.fields if f.label == label)


def test_status_card_shows_the_assessment() -> None:
    inc, effects = report(people="120", wrongful_purpose="no")
    card = card_of(effects)
    assert "第4号" in field(card, "PPCへの報告（番号法）")
    assert field(card, "確報の期限").startswith("2026-12-25")  # 26 Nov is day 1: day 30 is Fri 25 Dec
    assert field(card, "本人への通知").startswith("必要")
    assert "法的助言ではありません" in card.footer


def test_deadline_timers_armed_at_report() -> None:
    _, effects = report(people="120", wrongful_purpose="no")
    keys = {
        t.key.removeprefix("mynumber:"): t.due_at for t in of(effects, StartTimer) if t.kind == "deadline" and t.key.startswith("mynumber:")
    }
    assert set(keys) == {"prelim", "final-2", "final-1", "final-0"}
    tokyo = ZoneInfo("Asia/Tokyo")
    assert keys["final-0"].astimezone(tokyo) == datetime(2026, 12, 25, 9, 0, tzinfo=tokyo)
    assert keys["final-2"].astimezone(tokyo) == datetime(2026, 12, 23, 9, 0, tzinfo=tokyo)
    assert keys["prelim"].astimezone(tokyo).date() == date(2026, 11, 30)  # day 3 is a Saturday: the first working day of the window


def test_facts_form_only_for_responders() -> None:
    inc, _ = report()
    _, eff = step(inc, press(SATO, "facts:edit", inc.id), T0)
    (form,) = of(eff, OpenForm)
    assert form.form.id == "facts" and form.form.context == inc.id
    same, eff = step(inc, press(OUTSIDER, "facts:edit", inc.id), T0)
    assert same == inc and isinstance(eff[0], Reply) and eff[0].view.tone == "warning"
    same, eff = step(inc, FormSubmitted(OUTSIDER, "facts", FACTS, inc.id), T0)
    assert same == inc and eff[0].view.tone == "warning"


def test_editing_facts_reruns_the_assessment_and_rearms_deadlines() -> None:
    inc, _ = report(people="10", wrongful_purpose="no", exposed_online="no", encrypted="no")
    before = card_of(report(people="10", wrongful_purpose="no", exposed_online="no", encrypted="no")[1])
    assert "努力義務" in field(before, "PPCへの報告（番号法）")
    new, eff = step(inc, FormSubmitted(TANAKA, "facts", {**FACTS, "people": "10", "wrongful_purpose": "yes"}, inc.id), T0 + minutes(30))
    assert new.facts.wrongful_purpose == "yes" and new.severity == "high"
    card = card_of(eff)
    assert "第2号" in field(card, "PPCへの報告（番号法）")
    assert field(card, "確報の期限").startswith("2027-01-25")  # 60 days: day 60 is Sun 24 Jan → Mon 25 Jan
    (audit,) = of(eff, Audit)
    assert audit.action == "facts.updated" and audit.detail["items"] == [2] and audit.detail["final_due"] == "2027-01-25"
    assert CancelTimers(("deadline",)) in eff
    assert {t.key for t in of(eff, StartTimer) if t.key.startswith("mynumber:")} == {
        "mynumber:prelim", "mynumber:final-2", "mynumber:final-1", "mynumber:final-0"}  # fmt: skip
    assert any("更新" in p.view.text for p in of(eff, Post))


def test_bad_facts_are_shown_back() -> None:
    inc, _ = report()
    same, eff = step(inc, FormSubmitted(SATO, "facts", {**FACTS, "people": "many", "encrypted": "perhaps"}, inc.id), T0)
    (rej,) = of(eff, RejectForm)
    assert same == inc and set(rej.form.errors) == {"people", "encrypted"}


def test_deadline_day_pages_the_chain_until_the_final_report_is_recorded() -> None:
    inc, _ = report(people="120", wrongful_purpose="no")
    on_the_day = datetime(2026, 12, 25, 0, 0, tzinfo=T0.tzinfo)
    _, eff = step(inc, TimerFired(inc.id, "deadline", "mynumber:final-0"), on_the_day)
    assert any("本日が番号法・個人情報保護法の確報の期限" in p.view.text for p in of(eff, Post))  # both laws, one reminder
    assert {n.user.key for n in of(eff, Notify)} == {"sato", "suzuki", "takahashi"}
    _, eff2 = step(inc, TimerFired(inc.id, "deadline", "mynumber:final-2"), datetime(2026, 12, 23, 0, 0, tzinfo=T0.tzinfo))
    assert of(eff2, Post) and not of(eff2, Notify)
    _, legacy = step(inc, TimerFired(inc.id, "deadline", "final-0"), on_the_day)  # a row armed before keys named their law
    assert {n.user.key for n in of(legacy, Notify)} == {"sato", "suzuki", "takahashi"}
    done, _ = step(inc, submission(SATO, inc, "mynumber", "final", "2026-12-24T15:00"), on_the_day)
    _, eff3 = step(done, TimerFired(done.id, "deadline", "mynumber:final-0"), on_the_day)
    assert eff3 == []


def test_no_deadline_reminders_when_no_duty() -> None:
    inc, _ = report(people="3", encrypted="yes", wrongful_purpose="no", exposed_online="no")
    inc, effects = step(inc, FormSubmitted(TANAKA, "facts", {**FACTS, "people": "3"}, inc.id), T0)  # neither law: no duty
    assert CancelTimers(("deadline",)) in effects and not [t for t in of(effects, StartTimer) if t.kind == "deadline"]
    for key in ("final-0", "mynumber:final-0", "appi:final-0", "appi:prelim"):
        _, eff = step(inc, TimerFired(inc.id, "deadline", key), T0)
        assert eff == []


def test_drill_pages_only_participants_and_is_labelled_everywhere() -> None:
    cfg = config(drill={"participants": ["sato", "tanaka"]})
    event = command(SATO, "drill")
    assert needs(event).new_id and needs(event).drill
    inc, effects = handle(State(new_id="ML-DRILL-2026-0001"), event, T0, cfg)
    assert inc is not None and inc.drill and inc.id == "ML-DRILL-2026-0001"
    # every participant is paged: tanaka is in no step of the chain, so with its first step
    assert [n.user.key for n in of(effects, Notify) if n.tag.startswith("page:")] == ["sato", "tanaka"]
    messages = [e for e in effects if isinstance(e, Notify | Post | Update | Reply)]
    assert messages and all("【訓練】" in (e.view.title + e.view.text) for e in messages)
    # the escalation only ever reaches participants
    inc2, eff = step(inc, TimerFired(inc.id, "escalate", inc.escalation.timer_key()), T0 + minutes(5), cfg)
    assert {n.user.key for n in of(eff, Notify)} <= {"sato", "tanaka"}
    assert all("【訓練】" in (e.view.title + e.view.text) for e in eff if isinstance(e, Notify | Post | Update | Reply))
    # later flows keep the label too (a checklist tick)
    _, eff = step(inc, press(TANAKA, "item:done", f"{inc.id}|1.1"), T0, cfg)
    assert all("【訓練】" in e.view.title for e in of(eff, Update))


def test_only_staff_may_start_a_drill() -> None:
    inc, eff = handle(State(new_id="ML-DRILL-2026-0001"), command(OUTSIDER, "drill"), T0, config())
    assert inc is None and eff[0].view.tone == "warning"
    assert "訓練を開始できるのは" in eff[0].view.text  # the drill's refusal, not the list's


def test_draft_button_posts_markdown_and_docx_in_the_thread() -> None:
    import base64
    import io

    import docx

    from tests.flows.helpers import REPORTER

    inc, _ = report()
    inc, _ = step(inc, FormSubmitted(SATO, "item_note", {"note": "持ち出しルール違反が原因"}, f"{inc.id}|2.3"), T0)
    new, eff = step(inc, press(TANAKA, "draft", f"{inc.id}|report"), T0)
    (post,) = of(eff, Post)
    assert post.thread_of == "card" and {a.name for a in post.view.attachments} == {
        f"{inc.id}-report-prelim.md",
        f"{inc.id}-report-prelim.docx",
    }
    md = base64.b64decode(next(a.data for a in post.view.attachments if a.name.endswith(".md"))).decode()
    assert "持ち出しルール違反が原因" in md
    doc = docx.Document(io.BytesIO(base64.b64decode(next(a.data for a in post.view.attachments if a.name.endswith(".docx")))))
    assert any("持ち出しルール違反が原因" in p.text for p in doc.paragraphs)
    assert of(eff, Audit)[0].action == "draft.created" and new is inc
    _, eff = step(inc, press(TANAKA, "draft", f"{inc.id}|notice"), T0)
    md = base64.b64decode(of(eff, Post)[0].view.attachments[0].data).decode()
    assert "市区町村" in md
    same, eff = step(inc, press(REPORTER, "draft", f"{inc.id}|report"), T0)
    assert same == inc and eff[0].view.tone == "warning"


def test_deadline_reminders_fall_on_working_days() -> None:
    # known on Fri 2027-04-23: day 30 is Sat 22 May → the deadline rolls to Mon 24 May; the
    # reminders go out on the two working days before it (Thu 20, Fri 21), not at the weekend
    start = datetime(2027, 4, 23, 1, 0, tzinfo=T0.tzinfo)
    _, effects = report(now=start, people="120", wrongful_purpose="no", discovered_at="2027-04-23T09:30", occurred_at="")
    tokyo = ZoneInfo("Asia/Tokyo")
    keys = {t.key.removeprefix("mynumber:"): t.due_at.astimezone(tokyo).date() for t in of(effects, StartTimer) if t.kind == "deadline"
            and t.key.startswith("mynumber:")}  # fmt: skip
    assert keys["final-0"] == date(2027, 5, 24)
    assert (keys["final-1"], keys["final-2"]) == (date(2027, 5, 21), date(2027, 5, 20))


def test_commands_on_a_drill_are_labelled_too() -> None:
    cfg = config(drill={"participants": ["sato"]})
    inc, _ = handle(State(new_id="ML-DRILL-2026-0001"), command(SATO, "drill"), T0, cfg)
    for text in (f"status {inc.id}", f"close {inc.id} 訓練終了"):
        _, eff = step(inc, command(SATO, text), T0, cfg)
        messages = [e for e in eff if isinstance(e, Notify | Post | Update | Reply)]
        assert messages and all("【訓練】" in (e.view.title or e.view.text) for e in messages), text
