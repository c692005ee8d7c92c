"""Two facts the PPC report needs (規則第3条第1項第1号「発生事案、発見者」; 別添２ 3D(1)): ``event_kind`` —
漏えい / 滅失 / 毀損, several may apply — and ``discovered_by``, asked on the facts form and used by the draft."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.effects import RejectForm, Reply
from bot.core.events import FormSubmitted
from bot.core.facts import fact
from bot.core.i18n import t
from bot.core.model import Incident
from flows import facts_form
from flows.common import Ctx
from flows.drafts import build_report
from tests.flows.helpers import T0, TANAKA, config, of, report, step

VALID = "123456789018"  # a My Number with a valid check digit (LEGAL.md)


def shown(inc: Incident) -> dict[str, object]:
    """The facts form as it is shown (pre-filled with the record)."""
    return {i.name: i.initial for i in facts_form.form(inc, Ctx(T0, config(), "ja")).inputs}


def submit(inc: Incident, **values: object) -> tuple[Incident, list]:
    return step(inc, FormSubmitted(TANAKA, "facts", {**shown(inc), **values}, inc.id), T0)


def section_1(inc: Incident) -> list[str]:
    return list(build_report(inc, config()).section(1).paragraphs)  # type: ignore[union-attr]


def test_the_facts_form_asks_both() -> None:
    inc, _ = report()
    inputs = {i.name: i for i in facts_form.form(inc, Ctx(T0, config(), "ja")).inputs}
    kinds = inputs["event_kind"]
    assert kinds.kind == "multiselect" and [(o.value, o.label) for o in kinds.options] == [
        ("leak", "漏えい"), ("loss", "滅失"), ("damage", "毀損")]  # fmt: skip
    assert kinds.initial == () and "別添２ 3A" in kinds.hint
    assert inputs["discovered_by"].kind == "textarea" and inputs["discovered_by"].label == "発見者（誰がどのように発見したか）"
    assert fact("event_kind").law == fact("discovered_by").law == "none"  # not read by the assessment: not in docs/assess.md


@pytest.mark.parametrize(
    ("values", "kinds", "error"),
    [
        ({"event_kind": ["damage", "leak"]}, ("leak", "damage"), None),  # kept in the table's order
        ({"event_kind": "loss"}, ("loss",), None),  # a single value as some clients send it
        ({"event_kind": []}, (), None),
        ({"event_kind": ["leak", "theft"]}, None, "選択肢から選んでください。"),
        (
            {"event_kind": ["leak"], "leaked": "no"},
            None,
            "「漏えい・滅失・毀損が発生した（おそれがある）か」を「いいえ」にした場合は、発生事案を選ばないでください。",
        ),
        ({"event_kind": [], "leaked": "no"}, (), None),
    ],
)
def test_event_kind_is_saved_or_refused(values: dict[str, object], kinds: tuple[str, ...] | None, error: str | None) -> None:
    inc, _ = report()
    new, eff = submit(inc, **values)
    if error is None:
        assert new.facts.event_kind == kinds
    else:
        (rejected,) = of(eff, RejectForm)
        assert rejected.form.errors == {"event_kind": error} and new.facts.event_kind == ()


def test_discovered_by_is_saved_masked_and_the_person_told() -> None:
    inc, _ = report()
    new, eff = submit(inc, discovered_by=f"総務部の鈴木（社員番号 {VALID}）が棚卸しで気付いた")
    assert new.facts.discovered_by.startswith("総務部の鈴木") and VALID not in repr(new) and VALID not in repr(eff)
    assert any(isinstance(e, Reply) and "伏せ字" in e.view.text for e in eff)
    too_long, eff = submit(inc, discovered_by="あ" * 501)
    assert of(eff, RejectForm)[0].form.errors == {"discovered_by": t("form.err_too_long", "ja", n=500)}
    assert too_long.facts.discovered_by == ""


@pytest.mark.parametrize(
    ("leaked", "kinds", "expected"),
    [
        ("yes", (), "発生事案: 漏えい"),  # none chosen: from `leaked`, as before
        ("unknown", (), "発生事案: 漏えいのおそれ"),
        ("yes", ("loss",), "発生事案: 滅失"),
        ("yes", ("leak", "damage"), "発生事案: 漏えい、毀損"),  # ransomware: encrypted in place and taken
        ("unknown", ("leak", "damage"), "発生事案: 漏えい、毀損のおそれ"),
        ("no", ("leak",), "発生事案: 漏えい・滅失・毀損なし（利用又は提供に関する事案）"),  # the law reads `leaked`
    ],
)
def test_the_report_says_what_happened(leaked: str, kinds: tuple[str, ...], expected: str) -> None:
    inc, _ = report()
    inc = replace(inc, facts=replace(inc.facts, leaked=leaked, event_kind=kinds))
    assert expected in section_1(inc)


def test_the_report_names_the_discoverer_recorded_never_the_chat_reporter() -> None:
    inc, _ = report()
    assert "【未記入】 発見者: 記録がありません。誰がどのように発見したかを記入してください。" in section_1(inc)
    assert not any(inc.reporter.name in p for p in section_1(inc) if p.startswith("発見者"))
    found, _ = submit(inc, discovered_by="委託先のシステム担当者が不審なアクセスログを発見した")
    assert "発見者: 委託先のシステム担当者が不審なアクセスログを発見した" in section_1(found)
