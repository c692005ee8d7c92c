"""The one fact table (bot.core.facts.FACTS) and everything that derives from it: the record, the two
forms, the assessment's input, ``mynaleak assess`` and docs/assess.md. Nothing may drift from it."""

from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from bot.commands.assess import KEYS, input_table
from bot.core.facts import ASSESSED, FACTS, FACTS_FORM, RECORDED, REPORT_FORM, TRI, fact, in_form
from bot.core.i18n import LANGS, catalogue
from bot.core.model import Facts
from flows import facts_form, intake
from flows.assessment import INPUT_FACTS, RULE_PACKS, TRI_FACTS, AssessmentInput
from flows.assessment.rulepack import CountItem, FactItem, LawRules
from flows.common import Ctx
from tests.flows.helpers import T0, config, report

ROOT = Path(__file__).resolve().parent.parent


def _doc_table(text: str) -> str:
    """The input table of docs/assess.md: from its header row to the first line that is not a row."""
    lines = text.splitlines()
    start = lines.index("| key | type | read by | meaning |")
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    return "\n".join(lines[start:end]) + "\n"


def test_docs_assess_md_shows_the_input_table_made_from_the_fact_table() -> None:
    doc = (ROOT / "docs" / "assess.md").read_text(encoding="utf-8")
    assert _doc_table(doc) == input_table(), "docs/assess.md is out of date: paste bot.commands.assess.input_table()"
    assert [line.split("`")[1] for line in input_table().splitlines()[2:]] == list(KEYS)


def _read_by(rules: LawRules) -> set[str]:
    """Every fact the engine reads for one law: its items' facts and grounds, the excluding fact, the
    counts of a count item (each with its maximum) and the day its count rose past the threshold, and
    what makes day 1 of the deadlines (the day of knowing; as principal, the outsourcee's notice)."""
    read = {*rules.excluded_by, rules.leaked, "known_on", "role", "principal_notified_on"}
    for item in rules.items:
        if isinstance(item, FactItem):
            read.add(item.fact)
        elif isinstance(item, CountItem):
            read |= {*item.counts, *(f"{c}_max" for c in item.counts), *item.bases}
            read |= {item.rose_on} if item.rose_on else set()
    return read


def test_every_fact_the_engine_reads_is_in_the_table_and_vice_versa() -> None:
    mynumber = set().union(*(_read_by(p.mynumber) for p in RULE_PACKS))
    appi = set().union(*(_read_by(p.appi) for p in RULE_PACKS))
    assert {f.name for f in ASSESSED} == mynumber | appi
    for f in FACTS:  # "which law reads it" is what the rule packs read
        expected = {(True, True): "both", (True, False): "mynumber", (False, True): "appi", (False, False): "none"}
        assert f.law == expected[(f.name in mynumber, f.name in appi)], f.name
    # the engine's input: one field per fact a law reads, of the table's type and default
    assert {x.name for x in fields(AssessmentInput)} == {f.name for f in ASSESSED}
    assert set(INPUT_FACTS) == set(ASSESSED) and len(INPUT_FACTS) == len(ASSESSED)
    assert set(TRI_FACTS) == {f.name for f in ASSESSED if f.kind == "tri"}
    for x in fields(AssessmentInput):
        assert x.default == (MISSING if x.name == "known_on" else fact(x.name).default), x.name
    assert KEYS == tuple(f.name for f in INPUT_FACTS)


def test_the_record_is_the_recorded_rows_of_the_table() -> None:
    record = fields(Facts)
    assert [x.name for x in record] == [f.name for f in RECORDED]
    for x in record:
        default = x.default if x.default is not MISSING else x.default_factory()  # type: ignore[misc]
        assert default == fact(x.name).default, x.name
    assert all(bool(f.forms) is not f.by_bot for f in RECORDED)  # every recorded fact is asked, or the bot records it
    assert not any(f.forms or f.by_bot for f in FACTS if not f.recorded)  # the rest are worked out, not asked


def test_every_row_is_well_formed_and_labelled_in_every_language() -> None:
    for f in FACTS:
        assert set(f.forms) <= {REPORT_FORM, FACTS_FORM}, f.name
        assert bool(f.choices) == (f.kind in ("tri", "choice", "multi")), f.name
        if f.kind == "tri":
            assert (f.choices, f.choice_labels) == (TRI, "tri") and f.default == ("yes" if f.name == "leaked" else "unknown"), f.name
        if f.law != "none":
            assert f.doc, f.name
        for lang in LANGS:
            messages = catalogue(lang)
            if f.forms:
                assert f.label in messages, (lang, f.label)
            assert all(f"{f.choice_labels}.{c}" in messages for c in f.choices), (lang, f.name)
            assert not f.hint or f.hint in messages, (lang, f.hint)
            if f.law != "none" and f.kind == "tri":  # how the assessment names an open fact (drivers)
                assert f"assess.fact.{f.name}" in messages, (lang, f.name)


@pytest.mark.parametrize("lang", LANGS)
def test_the_forms_ask_the_tables_facts_in_its_order(lang: str) -> None:
    ctx = Ctx(T0, config(), lang)
    report_inputs = intake.report_form(ctx).inputs
    assert [i.name for i in report_inputs] == [f.name for f in in_form(REPORT_FORM)]
    inc, _ = report()
    facts_inputs = facts_form.form(inc, ctx).inputs
    assert [i.name for i in facts_inputs] == [f.name for f in in_form(FACTS_FORM)]
    for i in (*report_inputs, *facts_inputs):
        f = fact(i.name)
        assert (i.required, [o.value for o in i.options]) == (f.required, list(f.choices)), i.name
