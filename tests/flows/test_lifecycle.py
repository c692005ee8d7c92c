"""The report lifecycle (issue 12): 速報・確報・追完 recorded per law, the reminders they drive for
EACH law with a duty, the notice to individuals under either law, and its deferral or substitutes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from bot.core.effects import Audit, CancelTimers, Notify, OpenForm, Post, RejectForm, Reply, StartTimer, Update
from bot.core.events import FormSubmitted, TimerFired
from bot.core.model import Incident
from bot.core.views import Card, plain
from flows.submissions import filed, next_kind, recorded
from tests.flows.helpers import OUTSIDER, REPORTER, SATO, T0, TANAKA, config, of, press, report, step, submission

JST = T0.astimezone(config().tz).tzinfo
FACTS = {"people": "120", "people_max": "", "encrypted": "no", "exposed_online": "no", "wrongful_purpose": "no", "outsourcee": "no",
         "government_system": "no", "misuse_art9": "no", "provision_art19": "no", "sensitive_data": "no", "financial_harm": "no"}  # fmt: skip
# defect 4: a mis-sent 扶養控除等申告書 with 障害者 entries (要配慮個人情報), 30 people: no 番号法 item (effort), an
# APPI duty (施行規則第7条第1号)
APPI_ONLY = {**FACTS, "people": "30", "sensitive_data": "yes"}
MYNUMBER_ONLY = {**FACTS}  # 120 people (規則第2条第4号); nothing sensitive, no financial harm, known purpose: no APPI item
VALID = "123456789018"  # a number with a valid check digit (LEGAL.md)


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=JST)


def with_facts(values: dict[str, str]) -> Incident:
    inc, _ = report()
    inc, _ = step(inc, FormSubmitted(TANAKA, "facts", values, inc.id), T0)
    return inc


def card_of(effects: list) -> Card:
    return next(e.view for e in effects if isinstance(e, Post | Update) and e.tag == "card")


def field(card: Card, label: str) -> str:
    return plain(next(f.value for f in card.fields if f.label == label))  # people by name


def deadline_keys(effects: list) -> dict[str, date]:
    return {t.key: t.due_at.astimezone(JST).date() for t in of(effects, StartTimer) if t.kind == "deadline"}


def fire(inc: Incident, key: str, now: datetime) -> tuple[list[Post], list[Notify]]:
    _, eff = step(inc, TimerFired(inc.id, "deadline", key), now)
    return of(eff, Post), of(eff, Notify)


# ---- defect 3: the records, not the checkbox, drive the reminders ---------------------------------------------------


def test_ticking_the_report_item_after_the_preliminary_report_does_not_silence_the_final_reminders() -> None:
    """On the old code, "done" on 6.2 after the 速報 ended every 確報 reminder and the deadline-day page."""
    inc = with_facts(MYNUMBER_ONLY)
    inc, _ = step(inc, submission(SATO, inc, "mynumber", "prelim", "2026-11-27T15:00"), at(2026, 11, 27, 16))
    ticked, eff = step(inc, press(SATO, "item:done", f"{inc.id}|6.2"), at(2026, 11, 27, 16))
    (form,) = of(eff, OpenForm)
    assert form.form.id == "submission" and "確報が未記録" in form.form.intro
    assert ticked.item("6.2").state == "open"
    posts, pages = fire(ticked, "mynumber:final-0", at(2026, 12, 25, 9))
    assert "本日が番号法の確報の期限（2026-12-25）" in posts[0].view.text
    assert {n.user.key for n in pages} == {"sato", "suzuki", "takahashi"}


def test_preliminary_recorded_then_final_reminders_continue_then_final_recorded_they_stop() -> None:
    inc = with_facts(MYNUMBER_ONLY)
    assert deadline_keys(step(inc, FormSubmitted(TANAKA, "facts", {**FACTS, "people": "121"}, inc.id), T0)[1]) == {
        "mynumber:prelim": date(2026, 11, 30), "mynumber:final-2": date(2026, 12, 23),
        "mynumber:final-1": date(2026, 12, 24), "mynumber:final-0": date(2026, 12, 25)}  # fmt: skip
    inc, eff = step(inc, submission(SATO, inc, "mynumber", "prelim", "2026-11-27T15:00"), at(2026, 11, 27, 16))
    assert CancelTimers(("deadline",)) in eff
    assert set(deadline_keys(eff)) == {"mynumber:final-2", "mynumber:final-1", "mynumber:final-0"}  # the 速報 is no longer chased
    assert fire(inc, "mynumber:prelim", at(2026, 11, 30, 9)) == ([], [])  # a timer armed before the record re-checks it
    assert fire(inc, "mynumber:final-2", at(2026, 12, 23, 9))[0]
    inc, eff = step(inc, submission(SATO, inc, "mynumber", "final", "2026-12-23T17:00", receipt="PPC-0042"), at(2026, 12, 23, 17))
    assert deadline_keys(eff) == {} and inc.item("6.2").state == "done"  # every 確報 due on record: the item is ticked
    assert {u.tag for u in of(eff, Update)} >= {"card", "step:6"}
    for key in ("mynumber:final-1", "mynumber:final-0", "final-0"):
        assert fire(inc, key, at(2026, 12, 25, 9)) == ([], [])
    (audit, tick) = of(eff, Audit)
    assert audit.action == "submission.recorded" and audit.detail["receipt"] == "PPC-0042" and audit.detail["kind"] == "final"
    assert tick.action == "item.done" and tick.detail["item"] == "6.2"


def test_one_report_may_serve_as_both() -> None:
    inc = with_facts(MYNUMBER_ONLY)
    inc, eff = step(inc, submission(SATO, inc, "mynumber", "final", "2026-11-27T10:00"), at(2026, 11, 27, 11))
    assert filed(inc, "mynumber", "prelim") and deadline_keys(eff) == {}
    assert fire(inc, "mynumber:prelim", at(2026, 11, 30, 9)) == ([], [])
    assert next_kind(inc, "mynumber") == "supplement" and next_kind(inc, "appi") == "prelim"


def test_final_of_one_law_leaves_the_other_chased_and_the_item_open() -> None:
    inc, _ = report()  # 120 people, sensitive data / financial harm unknown: both laws have a duty
    inc, eff = step(inc, submission(SATO, inc, "mynumber", "final", "2026-12-01T10:00"), at(2026, 12, 1, 11))
    assert inc.item("6.2").state == "open"
    assert set(deadline_keys(eff)) == {"appi:final-2", "appi:final-1", "appi:final-0"}
    posts, pages = fire(inc, "appi:final-0", at(2026, 12, 25, 9))
    assert "本日が個人情報保護法の確報の期限" in posts[0].view.text and pages
    inc, _ = step(inc, submission(SATO, inc, "appi", "final", "2026-12-02T10:00"), at(2026, 12, 2, 11))
    assert inc.item("6.2").state == "done" and fire(inc, "appi:final-0", at(2026, 12, 25, 9)) == ([], [])


def test_a_reminder_fired_late_is_superseded_by_the_later_one_of_its_law() -> None:
    """After an outage every overdue timer fires at once: only the latest step due says anything."""
    inc = with_facts(MYNUMBER_ONLY)
    late = at(2026, 12, 25, 9, 30)
    for key in ("mynumber:prelim", "mynumber:final-2", "mynumber:final-1"):
        assert fire(inc, key, late) == ([], [])
    posts, pages = fire(inc, "mynumber:final-0", late)
    assert len(posts) == 1 and pages
    assert fire(inc, "mynumber:final-0", at(2026, 12, 28, 9))[0]  # the deadline passed unrecorded: still said, and paged
    assert fire(inc, "mynumber:prelim", at(2026, 12, 1, 9))[0]  # the 速報 window passed, the 確報 reminders not yet due


# ---- validation -----------------------------------------------------------------------------------------------------


FINAL_ON_1201 = ("mynumber", "final", "2026-12-01T10:00")


@pytest.mark.parametrize(
    ("before", "values", "errors"),
    [
        ((), {"submitted_at": "2026-12-03T10:00"}, {"submitted_at": "未来の日時"}),
        ((), {"submitted_at": "2026-11-25T10:00"}, {"submitted_at": "事態を知った日（2026-11-26）より前"}),
        ((), {"submitted_at": "先週"}, {"submitted_at": "YYYY-MM-DD"}),
        ((), {"submitted_at": ""}, {"submitted_at": "入力してください"}),
        ((), {"kind": "supplement"}, {"kind": "確報が未記録"}),
        ((FINAL_ON_1201,), {"kind": "supplement", "submitted_at": "2026-11-30T10:00"}, {"submitted_at": "確報（2026-12-01）より前"}),
        ((FINAL_ON_1201,), {"kind": "final"}, {"kind": "2026-12-01 に記録済み"}),
        ((FINAL_ON_1201,), {"kind": "prelim"}, {"kind": "追完として記録"}),
        ((), {"channel": "ministry"}, {"channel": "常に個人情報保護委員会"}),
        ((), {"law": "appi", "channel": "ministry"}, {"channel": "appi_report_to"}),
        ((), {"law": "gdpr"}, {"law": "選択肢から"}),
        ((), {"kind": "final_final"}, {"kind": "選択肢から"}),
        ((), {"receipt": "A" * 101}, {"receipt": "100文字以内"}),
    ],
    ids=[
        "future",
        "before the day of knowledge",
        "unreadable date",
        "no date",
        "追完 without 確報",
        "追完 before its 確報",
        "second 確報",
        "速報 after 確報",
        "My Number Act to a ministry",
        "no ministry configured",
        "unknown law",
        "unknown kind",
        "receipt too long",
    ],  # fmt: skip
)
def test_a_bad_submission_is_shown_back_with_a_clear_message(before: tuple, values: dict[str, str], errors: dict[str, str]) -> None:
    inc, _ = report()
    for law, kind, when in before:
        inc, _ = step(inc, submission(SATO, inc, law, kind, when), at(2026, 12, 2))
    same, eff = step(inc, submission(SATO, inc, **{"at": "2026-12-01T12:00", **values}), at(2026, 12, 2))
    (rejected,) = of(eff, RejectForm)
    assert same is inc and len(recorded(inc)) == len(before)
    assert set(rejected.form.errors) == set(errors)
    for name, words in errors.items():
        assert words in rejected.form.errors[name], rejected.form.errors


def test_the_ministry_is_a_channel_for_the_appi_only_where_configured() -> None:
    cfg = config(appi_report_to="金融庁")
    inc, _ = report(cfg)
    _, eff = step(inc, press(SATO, "submission:record", inc.id), T0, cfg)
    (form,) = of(eff, OpenForm)
    labels = {o.value: o.label for i in form.form.inputs if i.name in ("law", "channel") for o in i.options}
    assert labels["appi"] == "個人情報保護法（提出先：金融庁）" and labels["mynumber"] == "番号法（提出先：個人情報保護委員会）"
    assert labels["ministry"] == "所管省庁（金融庁）"
    new, eff = step(inc, submission(SATO, inc, "appi", "prelim", channel="ministry", receipt="FSA-1"), T0 + timedelta(hours=1), cfg)
    assert recorded(new, "appi")[0].channel == "ministry"
    assert "所管省庁（金融庁）" in field(card_of(eff), "報告の提出（個人情報保護法）")
    _, eff = step(inc, submission(SATO, inc, "mynumber", "prelim", channel="ministry"), T0 + timedelta(hours=1), cfg)
    assert "channel" in of(eff, RejectForm)[0].form.errors  # My Number reports: the PPC, even then


def test_a_my_number_in_the_receipt_is_masked_everywhere() -> None:
    inc, _ = report()
    new, eff = step(inc, submission(SATO, inc, "mynumber", "prelim", receipt=f"受付 {VALID}"), T0 + timedelta(hours=1))
    (s,) = recorded(new)
    assert VALID not in s.receipt and "受付" in s.receipt
    assert VALID not in repr(eff) and VALID not in repr(new)
    assert any(isinstance(e, Reply) and "伏せ字" in e.view.text for e in eff)
    shown_back, eff = step(inc, submission(SATO, inc, "mynumber", "supplement", receipt=VALID), T0 + timedelta(hours=1))
    assert shown_back is inc and VALID not in repr(eff)  # rejected (no 確報) and still not echoed


def test_only_responders_record() -> None:
    inc, _ = report()
    for who in (OUTSIDER, REPORTER):
        same, eff = step(inc, press(who, "submission:record", inc.id), T0)
        assert same is inc and not of(eff, OpenForm) and "記録できるのは" in eff[0].view.text
        same, eff = step(inc, submission(who, inc), T0 + timedelta(hours=1))
        assert same is inc and recorded(same) == ()


def test_the_card_shows_records_and_what_is_due_per_law() -> None:
    inc, eff = report()
    card = card_of(eff)
    assert field(card, "報告の提出（番号法）") == "速報：未記録（目安 2026-11-28〜2026-11-30）\n確報：未記録（期限 2026-12-25）"
    assert "確報：未記録（期限 2026-12-25）" in field(card, "報告の提出（個人情報保護法）")
    assert ("提出を記録", "submission:record") in {(b.label, b.action) for b in card.buttons}
    new, eff = step(inc, submission(TANAKA, inc, "mynumber", "prelim", "2026-11-26T10:30", receipt="R-1"), T0 + timedelta(hours=1))
    value = field(card_of(eff), "報告の提出（番号法）")
    assert value.splitlines()[0].startswith("速報 2026-11-26 個人情報保護委員会の報告フォーム（Web） 受付番号 R-1（記録：田中 さん）")
    assert "速報：未記録" not in value and "確報：未記録（期限 2026-12-25）" in value
    assert any("田中 さんが番号法の速報の提出を記録しました" in plain(p.view.text) for p in of(eff, Post))


# ---- defect 4: an APPI-only duty --------------------------------------------------------------------------------------


def test_an_appi_only_duty_is_on_the_card_in_the_notice_and_in_the_reminders() -> None:
    """On the old code: 「本人への通知: 法令上の義務なし」 and no deadline timer (deadline_timers returned early)."""
    inc, _ = report()
    inc, eff = step(inc, FormSubmitted(TANAKA, "facts", APPI_ONLY, inc.id), T0)
    card = card_of(eff)
    assert "努力義務" in field(card, "PPCへの報告（番号法）")
    assert field(card, "本人への通知") == "必要（個人情報保護法第26条第2項）"
    assert "確報：未記録（期限 2026-12-25）" in field(card, "報告の提出（個人情報保護法）")
    assert "報告の提出（番号法）" not in {f.label for f in card.fields}
    assert deadline_keys(eff) == {"appi:prelim": date(2026, 11, 30), "appi:final-2": date(2026, 12, 23),
                                  "appi:final-1": date(2026, 12, 24), "appi:final-0": date(2026, 12, 25)}  # fmt: skip
    posts, pages = fire(inc, "appi:final-0", at(2026, 12, 25, 9))
    text = posts[0].view.text
    assert "本日が個人情報保護法の確報の期限（2026-12-25）" in text and "本人への通知も必要です（個人情報保護法第26条第2項）" in text
    assert pages and "個人情報保護法" in pages[0].view.text
    assert fire(inc, "mynumber:final-0", at(2026, 12, 25, 9)) == ([], [])  # no 番号法 duty: its timer does nothing


# ---- the notice to individuals ------------------------------------------------------------------------------------


def notice(user: object, inc: Incident, **values: object) -> FormSubmitted:
    return FormSubmitted(user, "notice_decision", values, context=inc.id)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"decision": "defer", "reason": "", "revisit_on": "2026-12-03T09:00"}, {"reason"}),
        ({"decision": "defer", "reason": "警察の要請", "revisit_on": ""}, {"revisit_on"}),
        ({"decision": "defer", "reason": "警察の要請", "revisit_on": "2026-11-26T18:00"}, {"revisit_on"}),
        ({"decision": "defer", "reason": "警察の要請", "revisit_on": "そのうち"}, {"revisit_on"}),
        ({"decision": "substitute", "reason": "連絡先不明", "measures": ()}, {"measures"}),
        ({"decision": "substitute", "reason": "", "measures": ("publication",)}, {"reason"}),
        ({"decision": "substitute", "reason": "連絡先不明", "measures": ("tv",)}, {"measures"}),
        ({"decision": "forget"}, {"decision"}),
    ],
    ids=[
        "defer without reason",
        "defer without a day",
        "revisit today",
        "unreadable day",
        "substitute without measures",
        "substitute without reason",
        "unknown measure",
        "unknown decision",
    ],  # fmt: skip
)
def test_a_bad_notice_decision_is_shown_back(values: dict[str, object], errors: set[str]) -> None:
    inc, _ = report()
    same, eff = step(inc, notice(SATO, inc, **values), T0)
    (rejected,) = of(eff, RejectForm)
    assert same is inc and set(rejected.form.errors) == errors


def test_a_deferral_is_recorded_and_revisited_until_the_notice_is_given() -> None:
    inc, _ = report()
    inc, eff = step(
        inc, notice(SATO, inc, decision="defer", reason="警察から捜査中のため通知を待つよう要請", revisit_on="2026-12-05T09:00"), T0
    )
    assert inc.notice is not None and inc.notice.kind == "defer" and inc.notice.revisit_on == date(2026, 12, 5)
    (timer,) = [s for s in of(eff, StartTimer) if s.kind == "notice"]
    assert timer.due_at == at(2026, 12, 7, 9)  # Sat 5 Dec: the next working day
    assert of(eff, Audit)[0].detail == {"decision": "defer", "reason": "警察から捜査中のため通知を待つよう要請", "by": "sato",
                                        "revisit_on": "2026-12-05"}  # fmt: skip
    assert "延期（理由：警察から捜査中のため通知を待つよう要請／再確認 2026-12-05" in field(card_of(eff), "本人通知の判断")
    _, eff = step(inc, TimerFired(inc.id, "notice", "revisit"), at(2026, 12, 7, 9))
    (post,) = of(eff, Post)
    assert "延期しています" in post.view.text and of(eff, StartTimer)[0].due_at == at(2026, 12, 14, 9)  # weekly while it stands
    posts, _ = fire(inc, "mynumber:final-2", at(2026, 12, 23, 9))
    assert "延期中です（再確認 2026-12-05）" in posts[0].view.text
    given, _ = step(inc, press(SATO, "item:done", f"{inc.id}|5.1"), at(2026, 12, 8))
    assert step(given, TimerFired(inc.id, "notice", "revisit"), at(2026, 12, 14, 9))[1] == []
    assert "本人への通知" not in fire(given, "mynumber:final-2", at(2026, 12, 23, 9))[0][0].view.text
    resumed, eff = step(inc, notice(SATO, inc, decision="resume"), at(2026, 12, 8))
    assert resumed.notice is None and CancelTimers(("notice",)) in eff and of(eff, Audit)[0].detail["decision"] == "resume"
    assert step(resumed, TimerFired(inc.id, "notice", "revisit"), at(2026, 12, 14, 9))[1] == []


def test_substitute_measures_are_recorded_and_end_the_notice_reminder() -> None:
    inc, _ = report()
    assert "本人への通知も必要です" in fire(inc, "mynumber:final-2", at(2026, 12, 23, 9))[0][0].view.text
    inc, eff = step(
        inc, notice(TANAKA, inc, decision="substitute", reason="連絡先が分からない", measures=("publication", "inquiry_desk")), T0
    )
    assert inc.notice is not None and inc.notice.measures == ("publication", "inquiry_desk")
    assert field(card_of(eff), "本人通知の判断") == "代替措置：公表、問合せ窓口の設置（理由：連絡先が分からない／記録：田中 さん）"
    assert "本人への通知" not in fire(inc, "mynumber:final-2", at(2026, 12, 23, 9))[0][0].view.text


def test_resume_with_nothing_deferred_changes_nothing_and_outsiders_are_refused() -> None:
    inc, _ = report()
    same, eff = step(inc, notice(SATO, inc, decision="resume"), T0)
    assert same is inc and "延期中の通知はありません" in eff[0].view.text
    same, eff = step(inc, press(OUTSIDER, "notice:decide", inc.id), T0)
    assert same is inc and not of(eff, OpenForm)
    _, eff = step(inc, press(SATO, "notice:decide", inc.id), T0)
    assert of(eff, OpenForm)[0].form.id == "notice_decision"


def test_closed_incidents_send_no_lifecycle_reminders() -> None:
    inc, _ = report()
    inc, _ = step(inc, notice(SATO, inc, decision="defer", reason="要請", revisit_on="2026-12-05T09:00"), T0)
    closed = replace(inc, status="closed")
    assert fire(closed, "mynumber:final-0", at(2026, 12, 25, 9)) == ([], [])
    assert step(closed, TimerFired(inc.id, "notice", "revisit"), at(2026, 12, 7, 9))[1] == []


def test_the_report_item_ticks_plainly_when_no_final_report_is_due() -> None:
    inc = with_facts({**FACTS, "people": "3"})  # neither law has a duty
    done, eff = step(inc, press(SATO, "item:done", f"{inc.id}|6.2"), T0)
    assert done.item("6.2").state == "done" and not of(eff, OpenForm)


def test_appi_report_to_is_a_name_in_the_organisation_file() -> None:
    from bot.core.config import ConfigError

    assert config().appi_report_to == "" and config(appi_report_to=" 金融庁 ").appi_report_to == "金融庁"
    for bad in (["金融庁"], 3, "省" * 101):
        with pytest.raises(ConfigError) as err:
            config(appi_report_to=bad)
        assert any(p.startswith("appi_report_to: expected the ministry's name") for p in err.value.problems)


def test_both_laws_named_in_english_too() -> None:
    inc, _ = report(config(language="en"))
    posts, pages = fire(inc, "mynumber:final-0", at(2026, 12, 25, 9))
    assert "Today is the My Number Act and APPI final report deadline (2026-12-25)" in posts[0].view.text
    assert "(My Number Act Art. 29-4(2) and APPI Art. 26(2))" in posts[0].view.text and pages
