"""Issue 12 in chat: the facts form edits the day of knowledge (any department, 別添２ 3D), both head
counts, the outsourcing side; a count rising past 100 is recorded (別添２ 3A(4)); the card shows them."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core import serde
from bot.core.effects import Audit, OpenForm, Post, RejectForm, StartTimer, Update
from bot.core.events import FormSubmitted
from bot.core.model import Facts, Incident
from bot.core.views import Card
from tests.flows.helpers import T0, TANAKA, of, press, report, step

TOKYO = ZoneInfo("Asia/Tokyo")
ASKED = {"people": "120", "people_max": "", "encrypted": "no", "exposed_online": "no", "wrongful_purpose": "no", "outsourcee": "no",
         "government_system": "no", "misuse_art9": "no", "provision_art19": "no", "sensitive_data": "no", "financial_harm": "no",
         "key_safe": "no", "leaked": "yes"}  # fmt: skip


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=TOKYO)


def card_of(effects: list[object]) -> Card:
    return next(e.view for e in effects if isinstance(e, Update) and e.tag == "card")  # type: ignore[attr-defined]


def field(card: Card, label: str) -> str:
    return next(f.value for f in card.fields if f.label == label)


def submit(inc: Incident, now: datetime, **values: str) -> tuple[Incident, list[object]]:
    return step(inc, FormSubmitted(TANAKA, "facts", {**ASKED, **values}, inc.id), now)  # type: ignore[return-value]


def test_facts_form_asks_the_day_any_department_first_knew() -> None:
    inc, _ = report()
    _, eff = step(inc, press(TANAKA, "facts:edit", inc.id), T0)
    (opened,) = of(eff, OpenForm)
    day = next(i for i in opened.form.inputs if i.name == "discovered_at")
    assert "いずれかの部署" in day.label and day.kind == "datetime" and day.initial == "2026-11-26T09:30"
    assert "1日目" in day.hint
    names = [i.name for i in opened.form.inputs]
    assert {"appi_people", "appi_people_max", "role", "principal_notified_on", "party_name"} <= set(names)


def test_issue12_5_correcting_the_day_of_knowledge_moves_the_deadlines_and_is_audited() -> None:
    """別添２ 3D: another department knew on 20 Nov: day 30 is Sat 19 Dec -> Mon 21 Dec (3E ※2)."""
    inc, _ = report(people="120", wrongful_purpose="no")
    new, eff = submit(inc, T0, discovered_at="2026-11-20T10:00", occurred_at="2026-11-19T18:00")
    assert new.facts.discovered_at == at(date(2026, 11, 20))
    assert field(card_of(eff), "確報の期限").startswith("2026-12-21")
    (audit,) = of(eff, Audit)
    assert audit.detail["known_on"] == "2026-11-20" and audit.detail["known_on_was"] == "2026-11-26"
    assert {"discovered_at", "occurred_at"} <= set(audit.detail["changed"]) and "people" not in audit.detail["changed"]
    assert any("2026-11-26 から 2026-11-20 に訂正" in p.view.text for p in of(eff, Post))
    final = next(t for t in of(eff, StartTimer) if t.key == "mynumber:final-0")
    assert final.due_at.astimezone(TOKYO) == at(date(2026, 12, 21), 9)


def test_a_bad_day_of_knowledge_is_shown_back() -> None:
    inc, _ = report()
    for bad, needle in (("2026-13-01T10:00", "YYYY-MM-DD"), ("2027-01-01T10:00", "未来")):
        same, eff = submit(inc, T0, discovered_at=bad)
        (rejected,) = of(eff, RejectForm)
        assert same == inc and needle in rejected.form.errors["discovered_at"], bad
        assert next(i for i in rejected.form.inputs if i.name == "discovered_at").initial == bad  # shown back as typed
    same, eff = submit(inc, T0, discovered_at="2026-11-24T10:00")  # before the recorded occurrence (25 Nov)
    assert same == inc and "発生日時" in of(eff, RejectForm)[0].form.errors["occurred_at"]


def test_count_rising_past_100_records_the_day_and_starts_item_4s_clock() -> None:
    """別添２ 3A(4): 50 people known on 26 Nov, 150 found on 10 Dec: item 4 from 10 Dec, day 30 Fri 8 Jan."""
    inc, _ = report(people="50", wrongful_purpose="no")
    new, eff = submit(inc, at(date(2026, 12, 10)), people="150")
    assert new.facts.over_100_on == date(2026, 12, 10)
    card = card_of(eff)
    assert field(card, "確報の期限").startswith("2027-01-08") and field(card, "期限の1日目") == "2026-12-10"
    assert of(eff, Audit)[0].detail["over_100_on"] == "2026-12-10"
    later, _ = submit(new, at(date(2026, 12, 15)), people="200")
    assert later.facts.over_100_on == date(2026, 12, 10)  # the first day stays
    unknown, _ = report(people="", wrongful_purpose="no")  # an unknown count was おそれ from day 1
    raised, eff = submit(unknown, at(date(2026, 12, 10)), people="150")
    assert raised.facts.over_100_on is None and field(card_of(eff), "確報の期限").startswith("2026-12-25")


def test_outsourcee_role_and_the_other_party_are_saved_and_shown() -> None:
    inc, _ = report(people="120", wrongful_purpose="no")
    new, eff = submit(inc, T0, role="outsourcee", party_name="株式会社イロハ 123456789018")
    assert new.facts.role == "outsourcee" and "123456789018" not in new.facts.party_name
    assert new.facts.party_name.startswith("株式会社イロハ")
    card = card_of(eff)
    assert field(card, "委託関係での当社の立場").startswith("委託先")
    assert field(card, "委託先又は委託元の名称") == new.facts.party_name
    assert field(card, "委託元への通知の目安") == "2026-11-28〜2026-11-30（規則第4条）\n委託元への通知：未記録"
    assert "123456789018" not in str(eff)


def test_principal_notified_on_is_day_one_when_earlier() -> None:
    inc, _ = report(people="120", wrongful_purpose="no")
    new, eff = submit(inc, T0, role="principal", principal_notified_on="２０２６－１１－２０")
    assert new.facts.principal_notified_on == date(2026, 11, 20)
    card = card_of(eff)
    assert field(card, "期限の1日目") == "2026-11-20" and field(card, "確報の期限").startswith("2026-12-21")
    assert "委託元への通知の目安" not in [f.label for f in card.fields]
    for bad in ("yesterday", "2026-02-30", "2026-12-01"):  # unreadable, impossible, in the future
        same, eff = submit(inc, T0, role="principal", principal_notified_on=bad)
        assert same == inc and "principal_notified_on" in of(eff, RejectForm)[0].form.errors, bad


def test_issue12_6_the_appi_count_on_the_facts_form() -> None:
    inc, _ = report(people="80", wrongful_purpose="no")
    new, eff = submit(inc, T0, people="80", appi_people="1,500")
    assert (new.facts.people, new.facts.appi_people) == (80, 1500)
    card = card_of(eff)
    assert field(card, "PPCへの報告（番号法）").startswith("努力義務")
    assert "施行規則第7条第4号" in field(card, "個人情報保護法")
    same, eff = submit(inc, T0, people="80", appi_people="50")
    assert same == inc and "80" in of(eff, RejectForm)[0].form.errors["appi_people"]


def test_a_record_stored_before_the_new_facts_still_loads() -> None:
    """No migration: the incident's JSON without the new fields loads with their defaults."""
    inc, _ = report()
    data = serde.dump(inc)
    new_fields = ("appi_people", "appi_people_max", "role", "principal_notified_on", "party_name", "over_100_on")
    for name in new_fields:
        del data["facts"][name]
    loaded = serde.load(Incident, data)
    assert loaded == inc
    defaults = {f.name: f.default for f in fields(Facts) if f.name in new_fields}
    assert defaults == {
        "appi_people": None,
        "appi_people_max": None,
        "role": "self",
        "principal_notified_on": None,
        "party_name": "",
        "over_100_on": None,
    }


def test_every_assessment_records_its_rule_pack() -> None:
    """LEGAL.md: the assessment at the report and at every facts update records the pack it used."""
    inc, eff = report(people="120", wrongful_purpose="no")
    (reported,) = [a for a in of(eff, Audit) if a.action == "incident.reported"]
    assert reported.detail["rule_pack"] == "jp-leak-report-2024-04-01" and reported.detail["report"] == "duty"
    _, eff = submit(inc, T0, people="50")
    assert of(eff, Audit)[0].detail["rule_pack"] == "jp-leak-report-2024-04-01"
