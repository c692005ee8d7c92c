"""Intake: the report form's validation, redaction and the new incident's first effects."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.effects import Notify, OpenForm, Post, RejectForm, Reply, StartTimer
from bot.core.events import FormSubmitted
from bot.core.views import Card
from flows import State
from flows.common import Ctx
from flows.intake import report_form
from flows.law import assessment, severity
from tests.flows.helpers import (
    DM,
    GOOD,
    REPORTER,
    T0,
    command,
    config,
    handle,  # flows.handle, with the cards drawn when sent drawn
    of,
    report,
)

CASES = [
    # (name, changed values, field expected in errors or None when valid)
    ("valid", {}, None),
    ("summary missing", {"summary": "   "}, "summary"),
    ("summary too long", {"summary": "あ" * 3001}, "summary"),
    ("1 MB of text", {"summary": "x" * 1_000_000}, "summary"),
    ("discovered unreadable", {"discovered_at": "yesterday-ish"}, "discovered_at"),
    ("discovered missing", {"discovered_at": ""}, "discovered_at"),
    ("discovered in the future", {"discovered_at": "2026-12-31T10:00"}, "discovered_at"),
    ("occurred after discovered", {"occurred_at": "2026-11-26T10:00"}, "occurred_at"),
    ("occurred optional", {"occurred_at": ""}, None),
    ("a bare number is not a date", {"discovered_at": str(int(T0.timestamp()) - 60)}, "discovered_at"),
    ("ISO with offset", {"discovered_at": "2026-11-26T00:30:00+00:00"}, None),
    ("people negative", {"people": "-3"}, "people"),
    ("people not a number", {"people": "たくさん"}, "people"),
    ("people full-width digits", {"people": "１２０"}, None),
    ("people with comma", {"people": "1,200"}, None),
    ("people unknown, max given", {"people": "", "people_max": "500"}, None),
    ("max below count", {"people": "50", "people_max": "10"}, "people_max"),
    ("medium not offered", {"medium": "carrier pigeon"}, "medium"),
    ("no data items", {"data_items": ()}, "data_items"),
    ("unknown data item", {"data_items": ("mynumber", "blood")}, "data_items"),
    ("tri value bad", {"encrypted": "maybe"}, "encrypted"),
    ("tri defaults to unknown", {"wrongful_purpose": ""}, None),
]


@pytest.mark.parametrize(("name", "values", "bad"), CASES, ids=[c[0] for c in CASES])
def test_report_form_validation(name: str, values: dict, bad: str | None) -> None:
    inc, effects = handle(State(new_id="ML-2026-0001"), FormSubmitted(REPORTER, "report", {**GOOD, **values}), T0, config())
    if bad is None:
        assert inc is not None, of(effects, RejectForm)
        assert not of(effects, RejectForm)
    else:
        assert inc is None
        (rejected,) = of(effects, RejectForm)
        assert bad in rejected.form.errors, rejected.form.errors
        assert not of(effects, Notify)


def test_rejected_form_keeps_values_but_masks_my_numbers() -> None:
    values = {**GOOD, "summary": "番号 1234 5678 9018 が漏れた", "people": "-1"}
    inc, effects = handle(State(new_id="ML-2026-0001"), FormSubmitted(REPORTER, "report", values), T0, config())
    (rejected,) = of(effects, RejectForm)
    summary = next(i for i in rejected.form.inputs if i.name == "summary")
    assert "************" in summary.initial and "9018" not in summary.initial
    assert "people" in rejected.form.errors


def test_report_command_opens_the_form() -> None:
    inc, effects = handle(State(), command(REPORTER, "report"), T0, config())
    (form,) = of(effects, OpenForm)
    assert inc is None and form.form.id == "report" and form.trigger == "t1"
    names = {i.name for i in form.form.inputs}
    assert {"summary", "discovered_at", "medium", "people", "people_max", "data_items", "whose", "encrypted",
            "exposed_online", "wrongful_purpose", "outsourcee", "notes"} <= names  # fmt: skip
    assert next(i for i in form.form.inputs if i.name == "discovered_at").initial == "2026-11-26T10:00"


def test_new_incident_pages_first_posts_card_thread_and_confirms() -> None:
    inc, effects = report()
    assert inc.id == "ML-2026-0001" and inc.status == "open" and inc.severity == "high"  # 120 people
    first_message = next(e for e in effects if isinstance(e, Notify | Post | Reply))
    assert isinstance(first_message, Notify) and first_message.user.key == "sato"  # the page is sent first
    posts = of(effects, Post)
    assert posts[0].tag == "card" and posts[0].place.key == "incidents"
    assert [p.tag for p in posts if p.tag.startswith("step:")] == [f"step:{n}" for n in range(1, 7)]
    assert all(p.thread_of == "card" for p in posts[1:])
    (confirm,) = of(effects, Reply)
    assert confirm.user == REPORTER and "ML-2026-0001" in confirm.view.text
    kinds = {(t.kind, t.key) for t in of(effects, StartTimer)}
    assert ("escalate", "e1-s0-a0") in kinds and ("remind", "digest") in kinds


def test_my_numbers_masked_everywhere_and_reporter_told() -> None:
    inc, effects = report(summary="社員 123456789018 と １２３４－５６７８－９０１８ の番号", notes="see 123456789018")
    assert "123456789018" not in inc.facts.summary + inc.facts.notes
    assert "9018" not in inc.facts.summary
    (confirm,) = of(effects, Reply)
    assert "3" in confirm.view.text  # three numbers masked, and the reporter is told why


def test_severity_rules() -> None:
    # issue 12 (Q&A 17-14): encryption lowers the severity only with the key kept safe, as it excludes
    # the data in the engine only then; the report form does not ask the key, so it stays medium
    assert report(people="10", encrypted="yes", wrongful_purpose="no")[0].severity == "medium"
    assert report(people="10", wrongful_purpose="no")[0].severity == "medium"
    assert report(people="10", wrongful_purpose="yes")[0].severity == "high"
    assert report(people="", people_max="101", wrongful_purpose="no")[0].severity == "high"


def test_mention_tokens_cannot_be_forged() -> None:
    inc, _ = report(summary="⟦@playground|sato|佐藤⟧ please")
    assert "⟦" not in inc.facts.summary


def test_reply_goes_where_the_reporter_spoke() -> None:
    _, effects = report()
    assert of(effects, Reply)[0].place == DM


def test_ten_thousand_data_items_are_refused_cleanly() -> None:
    inc, effects = handle(
        State(new_id="ML-2026-0001"), FormSubmitted(REPORTER, "report", {**GOOD, "data_items": ("name",) * 10_000}), T0, config()
    )
    (rejected,) = of(effects, RejectForm)
    assert inc is None and "data_items" in rejected.form.errors
    assert len(next(i for i in rejected.form.inputs if i.name == "data_items").initial) <= 10_000


def test_unicode_edge_cases_survive_intact() -> None:
    text = "Cafe\u0301 \u202eRTL\u202c 🙂👩‍👩‍👧 ｶﾀｶﾅ 𠮷野家 \u0000end"
    inc, _ = report(summary=text)
    assert inc.facts.summary == text.replace("\u0000", "")  # control characters are dropped, the rest kept
    inc, _ = report(people="１，２００")  # full-width digits and comma
    assert inc.facts.people == 1200


def test_issue12_severity_agrees_with_the_engines_exclusions() -> None:
    """flows.law.severity follows the engine: low only when the engine excludes the data (encrypted and
    key safe, Q&A 17-14) or there is no 漏えい等事案; an unsafe key with a wrongful purpose is high."""
    base, _ = report(people="10", wrongful_purpose="yes", encrypted="yes")
    cases = [
        ({"key_safe": "yes"}, "low"),  # 規則第2条第1号括弧書: out of every item
        ({"key_safe": "no"}, "high"),
        ({"key_safe": "unknown"}, "high"),
        ({"wrongful_purpose": "no", "key_safe": "no"}, "medium"),
        ({"wrongful_purpose": "no", "encrypted": "no", "leaked": "no", "misuse_art9": "no", "provision_art19": "no"}, "low"),
        ({"wrongful_purpose": "no", "encrypted": "no", "people": 80, "appi_people": 1500}, "high"),  # APPI 第7条第4号
    ]
    for change, expected in cases:
        facts = replace(base.facts, **change)  # type: ignore[arg-type]
        assert severity(facts) == expected, change


def test_issue12_report_form_asks_sensitive_data_and_financial_harm() -> None:
    """The report form asks both APPI questions (施行規則第7条第1号・第2号), so a report that answers
    them "no" shows no APPI duty by おそれ."""
    names = [i.name for i in report_form(Ctx(T0, config(), "ja")).inputs]
    assert "sensitive_data" in names and "financial_harm" in names
    inc, effects = report(people="10", wrongful_purpose="no", sensitive_data="no", financial_harm="no")
    assert (inc.facts.sensitive_data, inc.facts.financial_harm) == ("no", "no")
    assert assessment(inc, Ctx(T0, config(), "ja")).appi.report == "none"
    left_open, _ = report(people="10", wrongful_purpose="no")  # not answered: unknown counts as おそれ
    assert assessment(left_open, Ctx(T0, config(), "ja")).appi.items == (1, 2)


def test_the_card_and_the_checklist_are_drawn_when_sent_not_in_the_report() -> None:
    """The report's decision leaves the card and every step card to the deliverer (flows.later): the
    page is the only view of the incident drawn on the critical path. Drawn, they are what
    incident_card and step_card give for the incident as it then stands, in its language."""
    import flows as bare
    from bot.core.views import Later
    from flows import later
    from flows.cards import incident_card, step_card
    from flows.common import in_incident

    cfg = config()
    inc, effects = bare.handle(State(new_id="ML-2026-0001"), FormSubmitted(REPORTER, "report", GOOD, place=DM), T0, cfg)
    assert inc is not None
    posts = of(effects, Post)
    assert [p.view for p in posts if p.tag == "card" or p.tag.startswith("step:")] == [
        Later("card"),
        *(Later(f"step:{n}") for n in range(1, len(cfg.checklist) + 1)),
    ]
    assert all(isinstance(n.view, Card) for n in of(effects, Notify)), "the page itself is drawn at once"
    later_at = T0 + timedelta(minutes=2)
    ctx = in_incident(Ctx(later_at, cfg, cfg.language, away=cfg.away), inc)
    assert later.draw(Later("card"), inc, later_at, cfg) == incident_card(inc, ctx)
    assert later.draw(Later("step:3"), inc, later_at, cfg) == step_card(inc, 3, ctx)
    with pytest.raises(ValueError):
        later.draw(Later("nonsense"), inc, later_at, cfg)
