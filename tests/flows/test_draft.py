"""Drafts from the record (flows.drafts): the report's nine sections hold what was recorded, in plain
sentences for the regulator; what was not recorded is flagged (never invented); the notice is a letter
with the advice. (The whole texts are pinned by the golden tests in tests/drafts/test_golden.py.)"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.core.events import FormSubmitted
from bot.core.redaction import MASK
from flows.assessment import AssessmentInput
from flows.draft import BULLET, NOTICE_SECTIONS, REPORT_SECTIONS, Draft, build_notice, build_report, to_markdown
from flows.law import assessment_input
from tests.flows.draft_helpers import CLOSE_REASON, FACTS_NOTE, NOTES, recorded_incident
from tests.flows.helpers import SATO, SUZUKI, T0, config, minutes, press, report, step


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
    draft = build_report(recorded_incident(), config())
    assert [s.number for s in draft.sections] == [0, *REPORT_SECTIONS]  # 0: report type and reporter
    assert draft.missing == ()
    for item, (note, sections) in NOTES.items():
        if item == "4.4":  # a note on an open prevention item: shown for review, not filed as a measure
            assert "【要確認】" in text_of(draft, 8) and note in text_of(draft, 8)
            continue
        for n in sections[:1]:  # a note feeding two sections is said once, in the first (2, not 3)
            assert note in text_of(draft, n), (item, n)
    md = to_markdown(draft)
    for item, (note, sections) in NOTES.items():
        for n in sections[:1]:
            assert note in md_section(md, draft.section(n).heading), (item, n)
    assert NOTES["3.1"][0] not in text_of(draft, 3)
    assert FACTS_NOTE in text_of(draft, 9) and CLOSE_REASON not in md  # closing the chat record is not a fact for the PPC


def test_section_headings_follow_the_form_in_order() -> None:
    draft = build_report(recorded_incident(), config())
    headings = [s.heading for s in draft.sections]
    assert headings[:2] == ["報告の種類・報告者", "1. 概要"]
    assert headings[5] == "5. 二次被害又はそのおそれの有無及びその内容" and headings[9] == "9. その他参考となる事項"
    md = to_markdown(draft)
    positions = [md.index(f"## {h}") for h in headings]
    assert positions == sorted(positions)
    assert md.startswith("> 【下書き】") and "法的助言ではありません" in md.splitlines()[0]


def test_summary_has_dates_event_applicability_relation_and_a_sequence_of_facts_not_the_chat() -> None:
    draft = build_report(recorded_incident(), config())
    s1 = text_of(draft, 1)
    assert "事案の内容: 経理担当者が帰宅途中にUSBメモリを紛失した。" in s1
    assert "発生日時: 2026年11月25日 19時00分頃" in s1 and "発覚日時: 2026年11月26日 9時30分頃" in s1
    assert "発生事案: 漏えい" in s1
    assert "規則第2条各号該当性: 第4号（個人の数が100人を超える漏えい等）に該当します。" in s1
    assert "調査中の事項: 不正の目的の有無" in s1  # unknown: 調査中, never "suspected"
    assert "委託元及び委託先の有無: なし" in s1
    assert "- 2026年11月25日 19時00分頃 事案発生\n- 2026年11月26日 9時30分頃 当社が事態を把握" in s1
    assert "- 最寄りの警察署に遺失届を提出した（受理番号あり）。" in s1  # the note, not when its item was ticked
    assert "10時30分" not in s1
    for chat in ("山田", "佐藤", "受領", "クローズ", "ML-2026-0001 として受付"):
        assert chat not in s1, chat  # 事実経過 is not the chat log; the chat reporter is not the 発見者


def test_the_discoverer_is_flagged_unless_recorded() -> None:
    s1 = text_of(build_report(recorded_incident(), config()), 1)
    assert "【未記入】 発見者: 記録がありません。" in s1


def test_the_wrongful_purpose_of_a_bag_left_on_a_train_is_not_suspected_to_the_ppc() -> None:
    # defect 7: unknown wrongful purpose + 120 people; the draft claims 第4号 only and says 調査中
    inc, _ = report(summary="鞄を電車に置き忘れた", wrongful_purpose="unknown")
    s1 = text_of(build_report(inc, config()), 1)
    assert "第2号" not in s1 and "おそれがあります" not in s1 and "不正の目的をもって" not in s1
    assert "第4号（個人の数が100人を超える漏えい等）に該当します。" in s1
    only_unknowns, _ = report(people="", people_max="", wrongful_purpose="unknown", exposed_online="unknown")
    s1 = text_of(build_report(only_unknowns, config()), 1)
    assert "規則第2条各号該当性: 調査中です" in s1 and "該当します" not in s1
    established, _ = report(wrongful_purpose="yes")
    assert "第2号（不正の目的をもって行われたおそれがある漏えい等）、第4号" in text_of(build_report(established, config()), 1)


def test_assessment_input_given_explicitly_drives_the_applicability() -> None:
    inc = recorded_incident()
    known = AssessmentInput(
        known_on=date(2026, 11, 26), people=120, encrypted="no", government_system="no", wrongful_purpose="no",
        exposed_online="no", misuse_art9="no", provision_art19="no", sensitive_data="no", financial_harm="no",
    )  # fmt: skip
    s1 = text_of(build_report(inc, config(), known), 1)
    assert "第4号（個人の数が100人を超える漏えい等）に該当します。" in s1 and "調査中の事項" not in s1
    encrypted = replace(known, encrypted="yes", key_safe="yes")  # Q&A 17-14: the key kept apart and safe
    assert "復号の手段も適切に管理されているため、いずれにも該当しません" in text_of(build_report(inc, config(), encrypted), 1)
    assert "いずれにも該当しません" not in text_of(build_report(inc, config(), replace(known, encrypted="yes")), 1)


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
        8: "「再発防止策を記録」で、実施済み・実施予定の措置を記録してください。",
        9: "【未記入】 その他参考となる事項の記録はありません。",
    }
    for n, flag in flags.items():
        section = draft.section(n)
        assert flag in section.paragraphs[0] and section.paragraphs[0].startswith("【未記入】"), n
        if n != 4:  # the cause also says who caused it
            assert section.paragraphs == (section.paragraphs[0],), n  # the flag and nothing else
    assert draft.section(4).paragraphs[1] == "当該事態が発生した主体: 報告者（当社）"
    assert "**【未記入】** 原因の記録がありません" in to_markdown(draft)


def test_unknown_count_is_flagged_with_the_item_to_record_it() -> None:
    inc, _ = report(people="", people_max="")
    section = build_report(inc, config()).section(3)
    assert section.missing and "チェックリスト項目 3.1" in section.paragraphs[0]
    bounded, _ = report(people="", people_max="300")
    s3 = build_report(bounded, config()).section(3)
    assert not s3.missing and s3.paragraphs == ("不明（最大300人）",)
    ranged, _ = report(people="80", people_max="300")
    assert build_report(ranged, config()).section(3).paragraphs == ("80人（最大300人）",)


def test_a_tick_without_a_note_counts_for_actions_but_not_for_the_cause() -> None:
    inc, _ = report()
    inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|5.1"), T0 + minutes(5))
    inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|2.3"), T0 + minutes(6))
    draft = build_report(inc, config())
    s6 = draft.section(6)
    assert not s6.missing and any(p.endswith("注意喚起する: 実施済み。") for p in s6.paragraphs)
    assert any(p.startswith(BULLET + "不正に用いられるおそれがある場合") and p.endswith(": 未実施。") for p in s6.paragraphs)
    assert draft.section(4).missing  # "done" says nothing about what the cause was


def test_prevention_measures_are_the_measure_records_and_gaps_not_the_open_questions() -> None:
    inc = recorded_incident(close=False)
    for n, (text, status, on) in enumerate(
        (("持出し禁止を全従業員に周知した", "done", "2026-11-30"), ("研修計画を策定する", "planned", "2027-01-15"))
    ):
        inc, _ = step(inc, FormSubmitted(SUZUKI, "measure_add", {"text": text, "status": status, "on": on}, inc.id), T0 + minutes(50 + n))
    gap = FormSubmitted(SATO, "item_na", {"kind": "gap", "reason": "研修計画は未策定"}, f"{inc.id}|4.5")
    na = FormSubmitted(SATO, "item_na", {"kind": "na", "reason": "委託先なし"}, f"{inc.id}|4.7")
    inc, _ = step(inc, gap, T0 + minutes(60))
    inc, _ = step(inc, na, T0 + minutes(61))
    s8 = build_report(inc, config()).section(8).paragraphs
    done, planned = s8.index("実施済みの措置:"), s8.index("今後実施予定の措置:")
    assert BULLET + "持出し禁止を全従業員に周知した（2026年11月30日実施）。" in s8[done:planned]
    assert BULLET + "個人番号の持出しを禁止し全従業員に研修を実施。" in s8[done:planned]  # the note of 4.2, done
    assert BULLET + "研修計画を策定する（2027年1月15日までに実施予定）。" in s8[planned:]
    assert BULLET + "研修計画は未策定（今後対応予定）。" in s8[planned:]  # a gap reads as one
    text = "\n".join(s8)
    assert "該当なし" not in text and "委託先なし" not in text  # what truly does not apply is not filed
    for question in ("確認：ルールに沿った取扱いをしていたか", "確認：ルールの内容は適切か"):
        assert question not in text  # open checklist questions are not measures


def test_a_not_applicable_recorded_without_its_kind_is_not_filed_as_not_applicable() -> None:
    s8 = "\n".join(build_report(recorded_incident(), config()).section(8).paragraphs)
    assert "【要確認】 「確認：計画的に研修を実施していたか」は該当なしとして記録されていますが（理由: 研修計画はそもそも未策定）" in s8


def test_report_type_and_reporter_block() -> None:
    cfg = config(company={"address": "東京都千代田区", "representative": "代表取締役 山本 太郎", "department": "総務部"})
    inc = recorded_incident()
    header = text_of(build_report(inc, cfg), 0)
    assert header.startswith("報告の種類: 速報")
    assert "- 事業者の名称: テスト株式会社" in header and "- 所在地: 東京都千代田区" in header
    assert "- 担当者: （組織ファイルに未設定）" in header and "- 電話番号: （組織ファイルに未設定）" in header
    final = build_report(inc, cfg, report_type="final")
    assert final.title == "特定個人情報の漏えい等に関する報告（確報）" and final.report_type == "final"
    assert "【未記入】 既に行った報告（速報等）の記録がありません。" in text_of(final, 0)
    made = [{"kind": "prelim", "on": date(2026, 11, 27), "channel": "個人情報保護委員会ウェブフォーム", "receipt": "A-123"}]
    with_made = build_report(inc, cfg, report_type="final", submissions=made)
    assert "- 既に行った報告: 速報（2026年11月27日、個人情報保護委員会ウェブフォーム、受付番号 A-123）" in text_of(with_made, 0)
    assert "既に行った報告（速報等）の記録がありません" not in text_of(with_made, 0)


def test_other_matters_include_the_drill_label() -> None:
    inc = replace(recorded_incident(close=False), drill=True)
    draft = build_report(inc, config())
    assert draft.title.startswith("【訓練】")
    assert "訓練として記録された" in text_of(draft, 9)


def test_report_in_english_uses_the_english_checklist_texts() -> None:
    inc = recorded_incident()
    draft = build_report(inc, config(), lang="en")
    assert draft.sections[1].heading == "1. Summary"
    assert "[MISSING] Discovered by: not recorded." in text_of(draft, 1)
    assert "Identify the cause of the incident" not in text_of(draft, 4)  # notes, not the item text
    assert "Contact the people concerned" not in text_of(draft, 6) and NOTES["5.1"][0] in text_of(draft, 6)
    assert NOTES["2.3"][0] in text_of(draft, 4)
    empty = build_report(report()[0], config(), lang="en")
    assert empty.section(7).paragraphs == ("[MISSING] Nothing is recorded about publication. Record a note on checklist items 5.3.",)
    assert "not legal advice" in empty.header.lower()


# ---- the notice -------------------------------------------------------------------------------


def test_notice_is_a_letter_with_the_apology_the_municipality_sentence_and_the_desk() -> None:
    inc = recorded_incident()
    cfg = config(company={"representative": "代表取締役 山本 太郎", "inquiry_desk": "個人情報窓口（0120-000-000）"})
    draft = build_notice(inc, cfg, on=date(2026, 12, 1))
    assert draft.kind == "notice"
    assert tuple(s.number for s in draft.sections) == NOTICE_SECTIONS
    assert draft.intro[:4] == ("2026年12月1日", "〇〇〇〇 様", "テスト株式会社", "代表取締役 山本 太郎")
    assert any("お詫び" in p for p in draft.intro) and draft.outro[-1] == "以上"
    assert "経理担当者が帰宅途中にUSBメモリを紛失した。" in text_of(draft, 1)
    assert "個人番号、氏名" in text_of(draft, 2)
    assert NOTES["2.3"][0] in text_of(draft, 3) and "チェックリスト" not in text_of(draft, 3)
    assert NOTES["3.5"][0] in text_of(draft, 4)
    assert NOTES["1.2"][0] in text_of(draft, 5)  # what we have done (the letter itself is the contact)
    assert "お住まいの市区町村に個人番号の変更を請求することができます" in text_of(draft, 6) and "不審な電話" in text_of(draft, 6)
    assert text_of(draft, 7) == "個人情報窓口（0120-000-000）"
    md = to_markdown(draft)
    for private in ("山田", "佐藤", NOTES["4.2"][0], FACTS_NOTE, CLOSE_REASON):
        assert private not in md  # the reporter, the responders and internal notes stay internal
    assert draft.missing == ()
    assert build_notice(inc, cfg, to="all").intro[1] == "従業員各位"


def test_notice_flags_a_missing_cause_and_harm_and_an_unset_desk() -> None:
    draft = build_notice(report()[0], config(), lang="en")
    assert draft.missing == (3, 4, 5)
    assert draft.section(3).paragraphs[0].startswith("[MISSING]") and "2.2, 2.3, 4.1" in draft.section(3).paragraphs[0]
    s6 = text_of(draft, 6)
    assert "ask your municipality to change your individual number (My Number Act Art. 7(2))" in s6
    assert "do not respond" in s6
    assert any("apologise" in p for p in draft.intro)
    assert text_of(draft, 7).startswith("[MISSING] No inquiry desk is set")


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
