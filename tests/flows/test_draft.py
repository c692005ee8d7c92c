"""Drafts from the record (flows.draft): the report's nine sections hold what was recorded, what was
not recorded is flagged (never invented), the notice carries items 1, 2, 4, 5, 9 and the advice."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.core.redaction import MASK
from flows.assessment import AssessmentInput
from flows.draft import BULLET, NOTICE_SECTIONS, REPORT_SECTIONS, SUB, Draft, build_notice, build_report, to_markdown
from flows.law import assessment_input
from tests.flows.draft_helpers import CLOSE_REASON, FACTS_NOTE, NOTES, recorded_incident
from tests.flows.helpers import SATO, T0, config, minutes, press, report, step


def text_of(draft: Draft, n: int) -> str:
    section = draft.section(n)
    assert section is not None, n
    return "\n".join(section.paragraphs)


def md_section(md: str, heading: str) -> str:
    """The Markdown between ``## heading`` and the next ``##`` heading."""
    start = md.index(f"## {heading}\n")
    rest = md[start + len(heading) + 4 :]
    end = rest.find("\n## ")
    return rest if end < 0 else rest[:end]


# ---- the report ---------------------------------------------------------------------------------


def test_each_of_the_nine_sections_holds_the_recorded_text() -> None:
    inc = recorded_incident()
    draft = build_report(inc, config())
    assert [s.number for s in draft.sections] == list(REPORT_SECTIONS)
    assert draft.missing == ()
    for item, (note, sections) in NOTES.items():
        for n in sections:
            assert note in text_of(draft, n), (item, n)
            assert item in draft.section(n).sources
        for n in set(REPORT_SECTIONS) - set(sections) - {8}:  # 4.4's note is in 8 only, etc.
            assert note not in text_of(draft, n), (item, n)
    # the same texts in the Markdown, each under its own heading
    md = to_markdown(draft)
    for item, (note, sections) in NOTES.items():
        for n in sections:
            assert note in md_section(md, draft.section(n).heading), (item, n)
    assert FACTS_NOTE in text_of(draft, 9) and CLOSE_REASON in text_of(draft, 9)


def test_section_headings_cite_the_rule_in_order() -> None:
    draft = build_report(recorded_incident(), config())
    headings = [s.heading for s in draft.sections]
    assert headings[0] == "1. 概要（規則第3条第1項第1号）"
    assert headings[4] == "5. 二次被害又はそのおそれの有無及びその内容（規則第3条第1項第5号）"
    assert headings[8] == "9. その他参考となる事項（規則第3条第1項第9号）"
    md = to_markdown(draft)
    positions = [md.index(f"## {h}") for h in headings]
    assert positions == sorted(positions)
    assert md.startswith("> 【下書き】") and "法的助言ではありません" in md.splitlines()[0]


def test_summary_has_dates_finder_applicability_outsourcee_and_the_sequence() -> None:
    inc = recorded_incident()
    s1 = text_of(build_report(inc, config()), 1)
    assert "発生事案: 経理担当者が帰宅途中にUSBメモリを紛失した" in s1
    assert "発生日時: 2026-11-25（水） 19:00" in s1
    assert "発覚日時: 2026-11-26（木） 09:30" in s1
    assert "発見者（報告者）: 山田" in s1
    assert "規則第2条第2号・第4号に該当" in s1  # 120 people; unknown facts are possibilities (第1号: no government systems)
    assert "規則第2条第4号: 本人の数が120人で、100人を超えています。" in s1
    assert "委託元・委託先の関与: 委託先の関与なし" in s1
    timeline = [p for p in build_report(inc, config()).section(1).paragraphs if p.startswith(BULLET + "2026-")]
    assert "山田 が報告" in timeline[0] and "10:00" in timeline[0]
    assert "佐藤 が受領し、対応を開始" in timeline[1] and "10:03" in timeline[1]
    assert "項目 4.5「確認：計画的に研修を実施していたか」を該当なしと判断（佐藤）" in timeline[-2]
    assert "佐藤 が事案をクローズ" in timeline[-1] and "11:30" in timeline[-1]


def test_assessment_input_given_explicitly_drives_the_applicability() -> None:
    inc = recorded_incident()
    known = AssessmentInput(
        known_on=date(2026, 11, 26), people=120, encrypted="no", government_system="no", wrongful_purpose="no",
        exposed_online="no", misuse_art9="no", provision_art19="no", sensitive_data="no", financial_harm="no",
    )  # fmt: skip
    s1 = text_of(build_report(inc, config(), known), 1)
    assert "規則第2条第4号に該当" in s1 and "第1号" not in s1.split("\n")[4]
    assert "（参考）個人情報保護法: 施行規則第7条各号のいずれにも該当しないため" in s1
    encrypted = replace(known, encrypted="yes", key_safe="yes")  # Q&A 17-14: the key kept apart and safe
    assert "報告対象事態に当たりません" in text_of(build_report(inc, config(), encrypted), 1)
    assert "報告対象事態に当たりません" not in text_of(build_report(inc, config(), replace(known, encrypted="yes")), 1)


def test_assessment_input_maps_the_record() -> None:
    inc, _ = report(discovered_at="2026-11-26T00:30", people="", people_max="500", encrypted="yes", exposed_online="unknown")
    facts = assessment_input(inc, config())
    assert facts.known_on == date(2026, 11, 26)  # 00:30 in Tokyo, still 25 Nov in UTC
    assert (facts.people, facts.people_max) == (None, 500)
    assert (facts.encrypted, facts.exposed_online, facts.wrongful_purpose) == ("yes", "unknown", "unknown")
    # the organisation runs no government systems (config default); the rest was never asked: unknown
    assert (facts.government_system, facts.misuse_art9, facts.sensitive_data) == ("no", "unknown", "unknown")
    no_time = replace(inc, facts=replace(inc.facts, discovered_at=None), created_at=datetime(2026, 12, 1, 16, tzinfo=UTC))
    assert assessment_input(no_time, config()).known_on == date(2026, 12, 2)


def test_nothing_recorded_is_flagged_and_never_invented() -> None:
    inc, _ = report()
    draft = build_report(inc, config())
    assert draft.missing == (4, 5, 6, 7, 8, 9)
    flags = {
        4: "【未記入】 原因の記録がありません。チェックリスト項目 2.2、2.3、4.1 にメモを記録してください。",
        5: "チェックリスト項目 3.2、3.4、3.5 にメモを記録してください。",
        6: "チェックリスト項目 5.1、5.2 にメモを記録してください。",
        7: "チェックリスト項目 5.3 にメモを記録してください。",
        8: "チェックリスト項目 4.1、4.2、4.3、4.4、4.5、4.6、4.7 にメモを記録してください。",
        9: "【未記入】 その他参考となる事項の記録はありません。",
    }
    for n, flag in flags.items():
        section = draft.section(n)
        assert section.paragraphs == (section.paragraphs[0],), n  # the flag and nothing else
        assert flag in section.paragraphs[0] and section.paragraphs[0].startswith("【未記入】"), n
    assert "**【未記入】** 原因の記録がありません" in to_markdown(draft)


def test_unknown_count_is_flagged_with_the_item_to_record_it() -> None:
    inc, _ = report(people="", people_max="")
    section = build_report(inc, config()).section(3)
    assert section.missing and "チェックリスト項目 3.1" in section.paragraphs[0]
    bounded, _ = report(people="", people_max="300")
    s3 = build_report(bounded, config()).section(3)
    assert not s3.missing and s3.paragraphs == ("本人の数: 不明（最大300人）",)
    ranged, _ = report(people="80", people_max="300")
    assert build_report(ranged, config()).section(3).paragraphs == ("本人の数: 80人（最大300人）",)


def test_a_tick_without_a_note_counts_for_actions_but_not_for_the_cause() -> None:
    inc, _ = report()
    inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|5.1"), T0 + minutes(5))
    inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|2.3"), T0 + minutes(6))
    draft = build_report(inc, config())
    s6 = draft.section(6)
    assert not s6.missing and any("5.1" in p and "実施済み（佐藤、2026-11-26（木） 10:05）" in p for p in s6.paragraphs)
    assert any(p.startswith(BULLET + "5.2") and p.endswith(": 未実施") for p in s6.paragraphs)
    assert draft.section(4).missing  # "done" says nothing about what the cause was


def test_prevention_measures_are_split_into_done_and_planned() -> None:
    s8 = build_report(recorded_incident(), config()).section(8).paragraphs
    done, planned, na = (
        s8.index(h) for h in ("実施済みの措置:", "今後実施予定の措置（チェックリストの未完了項目）:", "該当なしと判断した項目:")
    )
    assert done < planned < na
    assert SUB + "メモ: 個人番号の持出しを禁止し全従業員に研修を実施" in s8[done:planned]
    assert SUB + "メモ: 持出し承認ルールの見直しを予定" in s8[planned:na]
    assert SUB + "該当なしの理由: 研修計画はそもそも未策定" in s8[na:]


def test_other_matters_include_the_drill_label() -> None:
    inc = replace(recorded_incident(close=False), drill=True)
    draft = build_report(inc, config())
    assert draft.title.startswith("【訓練】")
    assert "訓練として記録された" in text_of(draft, 9)
    assert CLOSE_REASON not in text_of(draft, 9)  # not closed


def test_report_in_english_uses_the_english_checklist_texts() -> None:
    inc = recorded_incident()
    draft = build_report(inc, config(), lang="en")
    assert draft.sections[0].heading == "1. Summary (Rule Art. 3(1) item 1)"
    assert "Found by (reporter): 山田" in text_of(draft, 1)
    assert "Identify the cause of the incident" not in text_of(draft, 4)  # notes, not the item text
    assert "5.1 Contact the people concerned, apologise, and warn them of scam calls: done (佐藤" in text_of(draft, 6)
    assert NOTES["2.3"][0] in text_of(draft, 4)
    empty = build_report(report()[0], config(), lang="en")
    assert empty.section(7).paragraphs == ("[MISSING] Nothing is recorded about publication. Record a note on checklist items 5.3.",)
    assert "not legal advice" in empty.header.lower()


# ---- the notice -------------------------------------------------------------------------------


def test_notice_has_items_1_2_4_5_9_the_apology_and_the_municipality_sentence() -> None:
    inc = recorded_incident()
    draft = build_notice(inc, config())
    assert draft.kind == "notice"
    assert tuple(s.number for s in draft.sections) == NOTICE_SECTIONS == (1, 2, 4, 5, 9)
    assert "経理担当者が帰宅途中にUSBメモリを紛失した" in text_of(draft, 1)
    assert "個人番号、氏名" in text_of(draft, 2)
    assert NOTES["2.3"][0] in text_of(draft, 4) and "チェックリスト" not in text_of(draft, 4)
    assert NOTES["3.5"][0] in text_of(draft, 5)
    s9 = text_of(draft, 9)
    assert "お住まいの市区町村に個人番号の変更を請求することができます（番号法第7条第2項）" in s9
    assert "不審な電話" in s9
    assert any("お詫び" in p for p in draft.intro)
    md = to_markdown(draft)
    for private in ("山田", "佐藤", NOTES["5.1"][0], NOTES["4.2"][0], FACTS_NOTE, CLOSE_REASON):
        assert private not in md  # the reporter, the responders and internal notes stay internal
    assert draft.missing == ()


def test_notice_flags_a_missing_cause_and_harm() -> None:
    draft = build_notice(report()[0], config(), lang="en")
    assert draft.missing == (4, 5)
    assert draft.section(4).paragraphs[0].startswith("[MISSING]") and "2.2, 2.3, 4.1" in draft.section(4).paragraphs[0]
    s9 = text_of(draft, 9)
    assert "ask your municipality to change your individual number (My Number Act Art. 7(2))" in s9
    assert "do not respond" in s9
    assert any("apologise" in p for p in draft.intro)


# ---- the second guard against My Numbers ------------------------------------------------------------


@pytest.mark.parametrize("build", [build_report, build_notice], ids=["report", "notice"])
def test_numbers_that_slipped_into_the_record_are_masked_in_the_draft(build: object) -> None:
    inc = recorded_incident()
    leaked = replace(
        inc,
        facts=replace(inc.facts, summary="番号 123456789018 を含む台帳を紛失", notes="1234 5678 9018"),
        close_reason="１２３４５６７８９０１８",
    )
    leaked = leaked.with_item(replace(leaked.item("2.3"), note="原因: 1234-5678-9012 を転記"))
    draft = build(leaked, config())  # type: ignore[operator]
    md = to_markdown(draft)
    assert not re.search(r"1234.?5678.?90(18|12)|１２３４５６７８", md)
    assert md.count(MASK) >= 2
    every = [draft.title, draft.header, *draft.intro, *(p for s in draft.sections for p in s.paragraphs)]
    assert all("123456789018" not in p for p in every)


# ---- the template's report mapping ------------------------------------------------------------------


def test_the_default_checklist_feeds_every_section_of_the_report() -> None:
    items = {it.id: it for st in config().checklist for it in st.items}
    fed = {n for it in items.values() for n in it.report}
    assert fed == set(REPORT_SECTIONS)
    assert items["3.5"].report == (5,) and items["3.5"].text == {
        "ja": "二次被害又はそのおそれの有無を確認する",
        "en": "Check for secondary harm or its risk",
    }
    assert items["5.3"].report == (7,) and items["5.3"].text["ja"] == "公表の要否を検討し、必要に応じて公表する"
    assert items["2.3"].report == (4,) and items["3.1"].report == (2, 3) and items["5.1"].report == (6,)
    assert all(items[f"4.{k}"].report and 8 in items[f"4.{k}"].report for k in range(1, 8))
