"""As outsourcee (委託先): the notice to the principal (委託元) chased like a submission (issue 12).

Its target is days 3-5 from the day we knew (規則第4条, 別添２ 3F「概ね３日～５日以内」); reminders on
the first and the last working day of that window until it is recorded; once recorded, the
outsourcee is released from its own report and from the notice to individuals (番号法第29条の4第1項
ただし書・第2項, 別添２ 3F and 4A「報告義務を免除されるとともに、本人への通知義務も免除される」;
個人情報保護法第26条第1項ただし書・第2項; LEGAL.md "Outsourcing")."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.core.effects import Audit, CancelTimers, OpenForm, Post, RejectForm, Reply, StartTimer, Update
from bot.core.events import FormSubmitted, TimerFired
from bot.core.model import Incident
from bot.core.views import Card, plain
from tests.flows.helpers import OUTSIDER, SATO, T0, TANAKA, config, of, press, report, step

JST = T0.astimezone(config().tz).tzinfo
# 120 people with My Number data (規則第2条第4号), nothing else: a My Number duty, no APPI item
FACTS = {"people": "120", "people_max": "", "encrypted": "no", "exposed_online": "no", "wrongful_purpose": "no", "outsourcee": "no",
         "government_system": "no", "misuse_art9": "no", "provision_art19": "no", "sensitive_data": "no", "financial_harm": "no",
         "role": "outsourcee", "party_name": "株式会社委託元"}  # fmt: skip
VALID = "123456789018"  # a My Number with a valid check digit (LEGAL.md)


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=JST)


TUE = datetime(2026, 12, 1, 10, tzinfo=JST)  # known on Tuesday 2026-12-01: the target is Thu 12-03 – Sat 12-05


def outsourcee(known: datetime = TUE, **over: str) -> tuple[Incident, list]:
    inc, _ = report(now=known, discovered_at=known.strftime("%Y-%m-%dT09:30"), occurred_at="")
    return step(inc, FormSubmitted(TANAKA, "facts", {**FACTS, **over}, inc.id), known)


def timers(effects: list) -> dict[str, date]:
    return {t.key: t.due_at.astimezone(JST).date() for t in of(effects, StartTimer) if t.kind == "principal_notice"}


def record(inc: Incident, on: str = "2026-12-03", how: str = "email", to: str = "株式会社委託元", user=SATO) -> FormSubmitted:
    return FormSubmitted(user, "principal_notice", {"notified_on": on, "how": how, "to": to}, context=inc.id)


def card_of(effects: list) -> Card:
    return next(e.view for e in effects if isinstance(e, Post | Update) and e.tag == "card")


def field(card: Card, label: str) -> str | None:
    value = next((f.value for f in card.fields if f.label == label), None)
    return None if value is None else plain(value)  # people by name


def fire(inc: Incident, kind: str, key: str, now: datetime) -> list[Post]:
    return of(step(inc, TimerFired(inc.id, kind, key), now)[1], Post)


# ---- the reminders of the target: first and last working day of days 3-5 ------------------------------------------


@pytest.mark.parametrize(
    ("known", "over", "expected"),
    [
        # Tue 12-01: target Thu 12-03 – Sat 12-05; the last working day of it is Fri 12-04
        (at(2026, 12, 1), {}, {"first": date(2026, 12, 3), "last": date(2026, 12, 4)}),
        # Thu 11-26: target Sat 11-28 – Mon 11-30: only Monday is a working day in it, one reminder
        (at(2026, 11, 26), {}, {"first": date(2026, 11, 30)}),
        # Wed 12-23: target Fri 12-25 – Sun 12-27: the first day, then nothing open to the end
        (at(2026, 12, 23), {}, {"first": date(2026, 12, 25)}),
        # Mon 2027-01-11 (成人の日, a holiday, known anyway): target Wed 01-13 – Fri 01-15
        (at(2027, 1, 11), {}, {"first": date(2027, 1, 13), "last": date(2027, 1, 15)}),
        # not the outsourcee: no notice to the principal to chase
        (at(2026, 12, 1), {"role": "self"}, {}),
        (at(2026, 12, 1), {"role": "principal", "principal_notified_on": "2026-11-30"}, {}),
        # no report duty (strongly encrypted, key kept safe — Q&A 17-14): the engine sets no target
        (at(2026, 12, 1), {"encrypted": "yes", "key_safe": "yes"}, {}),
    ],
)
def test_reminders_are_armed_for_the_target_window(known: datetime, over: dict[str, str], expected: dict[str, date]) -> None:
    _, eff = outsourcee(known, **over)
    assert CancelTimers(("principal_notice",)) in eff  # re-armed from scratch: idempotent
    assert timers(eff) == expected
    assert all(t.due_at.astimezone(JST).hour == 9 for t in of(eff, StartTimer) if t.kind == "principal_notice")  # business hours


def test_the_card_shows_the_target_and_a_button_to_record_it() -> None:
    _, eff = outsourcee()
    card = card_of(eff)
    assert field(card, "委託元への通知の目安") == "2026-12-03〜2026-12-05（規則第4条）\n委託元への通知：未記録"
    assert any(b.action == "principal_notice:record" for b in card.buttons)
    _, eff = outsourcee(role="self")
    assert not any(b.action == "principal_notice:record" for b in card_of(eff).buttons)


@pytest.mark.parametrize(
    ("key", "now", "expected"),
    [
        ("first", at(2026, 12, 3, 9), "委託元（株式会社委託元）への通知の目安（2026-12-03〜2026-12-05）に入りました"),
        ("last", at(2026, 12, 4, 9), "委託元（株式会社委託元）への通知の目安の最終日です"),
        ("first", at(2026, 12, 4, 9), None),  # fired late (the bot was down): the last one of the same day says it
        ("other", at(2026, 12, 3, 9), None),  # not a step of the plan
    ],
)
def test_a_reminder_fires_on_its_day_while_nothing_is_recorded(key: str, now: datetime, expected: str | None) -> None:
    inc, _ = outsourcee()
    posts = fire(inc, "principal_notice", key, now)
    if expected is None:
        assert posts == []
    else:
        (post,) = posts
        assert expected in post.view.text and post.thread_of == "card"


def test_each_reminder_rechecks_the_record_the_role_and_the_status() -> None:
    inc, _ = outsourcee()
    recorded, _ = step(inc, record(inc), at(2026, 12, 3, 15))
    assert fire(recorded, "principal_notice", "last", at(2026, 12, 4, 9)) == []
    as_self, _ = step(inc, FormSubmitted(TANAKA, "facts", {**FACTS, "role": "self"}, inc.id), at(2026, 12, 2))
    assert fire(as_self, "principal_notice", "last", at(2026, 12, 4, 9)) == []
    closed, _ = step(inc, FormSubmitted(TANAKA, "facts", {**FACTS, "encrypted": "yes", "key_safe": "yes"}, inc.id), at(2026, 12, 2))
    assert fire(closed, "principal_notice", "last", at(2026, 12, 4, 9)) == []


# ---- recording it -------------------------------------------------------------------------------------------------


def test_the_button_opens_the_form_prefilled_with_the_principal() -> None:
    inc, _ = outsourcee()
    (opened,) = of(step(inc, press(SATO, "principal_notice:record", inc.id), at(2026, 12, 3))[1], OpenForm)
    values = {i.name: i.initial for i in opened.form.inputs}
    assert values == {"notified_on": "2026-12-03", "how": "email", "to": "株式会社委託元"}


def test_recording_stops_the_reminders_and_releases_the_report_and_the_notice() -> None:
    """Fails on the old code: nothing recorded the notice, and the 速報・確報 reminders of an outsourcee that had
    notified its principal went on (番号法第29条の4第1項ただし書; 別添２ 3F, 4A)."""
    inc, eff = outsourcee()
    assert {t.key for t in of(eff, StartTimer) if t.kind == "deadline"} >= {"mynumber:prelim", "mynumber:final-0"}
    new, eff = step(inc, record(inc, how="letter"), at(2026, 12, 3, 15))
    assert new.principal_notice is not None and new.principal_notice.notified_on == date(2026, 12, 3)
    assert new.principal_notice.how == "letter" and new.principal_notice.to == "株式会社委託元" and new.principal_notice.by.key == "sato"
    assert CancelTimers(("principal_notice",)) in eff and timers(eff) == {}
    assert CancelTimers(("deadline",)) in eff and not [t for t in of(eff, StartTimer) if t.kind == "deadline"]
    (audit,) = [a for a in of(eff, Audit) if a.action == "principal_notice.recorded"]
    assert audit.detail["notified_on"] == "2026-12-03" and audit.detail["how"] == "letter" and audit.detail["late"] is False
    card = card_of(eff)
    assert field(card, "委託元への通知").startswith("2026-12-03 書面（郵送・持参） 通知先 株式会社委託元（記録：佐藤 さん）\n")
    assert "番号法第29条の4第1項ただし書" in field(card, "委託元への通知")
    assert field(card, "本人への通知") == "委託元への通知により免除（番号法第29条の4第2項、個人情報保護法第26条第2項）"
    assert field(card, "委託元への通知の目安") is None
    (note,) = [p for p in of(eff, Post) if p.thread_of == "card"]
    assert "佐藤 さんが委託元への通知を記録しました（2026-12-03、書面（郵送・持参）、通知先 株式会社委託元）" in plain(note.view.text)
    # a deadline timer armed before the record re-checks and stays silent (released)
    assert fire(new, "deadline", "mynumber:final-0", at(2026, 12, 31, 9)) == []
    assert fire(inc, "deadline", "mynumber:final-0", at(2026, 12, 31, 9))  # without the record it would have spoken


def test_a_late_notice_is_recorded_and_marked_late() -> None:
    inc, _ = outsourcee()
    _, eff = step(inc, record(inc, on="2026-12-08"), at(2026, 12, 8, 15))
    assert "（目安の 2026-12-05 より後の通知）" in field(card_of(eff), "委託元への通知")
    assert next(a for a in of(eff, Audit) if a.action == "principal_notice.recorded").detail["late"] is True


def test_a_second_record_corrects_the_first_and_says_so_in_the_audit() -> None:
    inc, _ = outsourcee()
    inc, _ = step(inc, record(inc, on="2026-12-04"), at(2026, 12, 4, 15))
    new, eff = step(inc, record(inc, on="2026-12-03", how="phone"), at(2026, 12, 4, 16))
    assert new.principal_notice.notified_on == date(2026, 12, 3) and new.principal_notice.how == "phone"
    assert next(a for a in of(eff, Audit) if a.action == "principal_notice.recorded").detail["corrects"] == "2026-12-04"


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"notified_on": "2026-12-09"}, {"notified_on": "未来の日時は入力できません。"}),
        ({"notified_on": "2026-11-30"}, {"notified_on": "事態を知った日（2026-12-01）より前の日付は入力できません。"}),
        ({"notified_on": "12月3日"}, {"notified_on": "YYYY-MM-DD の形式で実在する日付を入れてください。"}),
        ({"notified_on": "2026-02-30"}, {"notified_on": "YYYY-MM-DD の形式で実在する日付を入れてください。"}),
        ({"notified_on": ""}, {"notified_on": "入力してください。"}),
        ({"to": "  "}, {"to": "入力してください。"}),
        ({"how": "fax"}, {"how": "選択肢から選んでください。"}),
        ({"notified_on": "２０２６-１２-０３"}, {}),  # full-width digits are a date
    ],
)
def test_bad_input_shows_the_form_back_with_a_message(values: dict[str, str], errors: dict[str, str]) -> None:
    inc, _ = outsourcee()
    event = FormSubmitted(SATO, "principal_notice", {"notified_on": "2026-12-03", "how": "email", "to": "株式会社委託元", **values}, inc.id)
    new, eff = step(inc, event, at(2026, 12, 8))
    if errors:
        (rejected,) = of(eff, RejectForm)
        assert rejected.form.errors == errors
        assert new.principal_notice is None and not of(eff, Audit)
    else:
        assert new.principal_notice is not None and new.principal_notice.notified_on == date(2026, 12, 3)


def test_a_my_number_typed_as_the_recipient_is_masked_and_never_echoed() -> None:
    inc, _ = outsourcee()
    new, eff = step(inc, record(inc, to=f"株式会社委託元 {VALID}"), at(2026, 12, 3, 15))
    assert VALID not in repr(new) and VALID not in repr(eff)
    assert new.principal_notice is not None and new.principal_notice.to.startswith("株式会社委託元")
    assert any(isinstance(e, Reply) and "伏せ字" in e.view.text for e in eff)


@pytest.mark.parametrize(
    ("user", "over", "expected"),
    [
        (OUTSIDER, {}, "委託元への通知を記録できるのはエスカレーション先と対応担当者だけです"),
        (SATO, {"role": "self"}, "当社が委託先の事案として登録されていません"),
    ],
)
def test_who_may_record_and_when(user, over: dict[str, str], expected: str) -> None:
    inc, _ = outsourcee(**over)
    for event in (press(user, "principal_notice:record", inc.id), record(inc, user=user)):
        new, eff = step(inc, event, at(2026, 12, 3, 15))
        (reply,) = of(eff, Reply)
        assert expected in reply.view.text and new.principal_notice is None and not of(eff, OpenForm)
