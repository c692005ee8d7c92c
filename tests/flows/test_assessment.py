"""The reporting assessment (flows.assessment), case by case against the rule text.

規則 = 特定個人情報の漏えい等に関する報告等に関する規則 (quoted in the PPC guideline annex 2, 別添２);
APPI = 個人情報保護法施行規則. Expected dates were worked out by hand from a paper calendar; each
case names the article it rests on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import bot.core.i18n
from bot.core.i18n import t
from flows.assessment import (
    RULE_PACKS,
    TRI_FACTS,
    Assessment,
    AssessmentInput,
    AssessmentInputError,
    assess,
    pack_for,
    render,
    render_reason,
)
from flows.calendar import day_n, is_closed_day

NO = {name: "no" for name in TRI_FACTS}
MON = date(2026, 11, 2)  # a Monday; day 30 = Tue 2026-12-01, day 60 = Thu 2026-12-31


def facts(known_on: date = MON, **kw: object) -> AssessmentInput:
    """Everything "no", 10 people, unless the case says otherwise."""
    base: dict[str, object] = {**NO, "people": 10}
    base.update(kw)
    return AssessmentInput(known_on=known_on, **base)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    id: str
    facts: AssessmentInput
    report: str
    items: tuple[int, ...]
    final_due: date | None = None
    appi_report: str = "none"
    appi_items: tuple[int, ...] = ()
    appi_final_due: date | None = None
    preliminary: tuple[date, date] | None = None
    drivers: tuple[str, ...] = field(default=())


D30 = date(2026, 12, 1)  # MON + 29 days, a Tuesday
D60 = date(2027, 1, 4)  # MON + 59 days = 2026-12-31 (year-end closure) -> Mon 4 January
PRE = (date(2026, 11, 4), date(2026, 11, 6))  # day 3 and day 5 of MON

CASES = [
    # --- 規則第2条: nothing applies -> effort obligation (別添２ 3B) ---------------------------
    Case("art2-none-effort-3B", facts(), "effort", ()),
    Case("art2-100-people-not-more-than-100", facts(people=100), "effort", ()),
    Case(
        "art2-max-100-not-more-than-100",
        facts(people=None, people_max=100),
        "effort",
        (),
    ),
    Case("art2-misuse-art9-alone-under-100", facts(misuse_art9="yes"), "effort", ()),
    # --- carve-out: 規則第2条第1号括弧書「高度な暗号化…を除く。以下同じ。」, 別添２ 3A なお / 3B ----
    Case(
        "carve-out-encrypted-excludes-every-item",
        facts(
            encrypted="yes",
            government_system="yes",
            wrongful_purpose="yes",
            exposed_online="yes",
            sensitive_data="yes",
            financial_harm="yes",
            people=5000,
        ),
        "none",
        (),
    ),
    Case(
        "carve-out-encrypted-with-all-unknown",
        AssessmentInput(known_on=MON, encrypted="yes"),
        "none",
        (),
    ),
    Case(
        "carve-out-unknown-encryption-is-not-applied",
        facts(encrypted="unknown", people=500),
        "duty",
        (4,),
        D30,
        drivers=("encrypted",),
        preliminary=PRE,
    ),
    # --- 規則第2条第1号: government systems ------------------------------------------------
    Case("art2-1-government-system", facts(government_system="yes"), "duty", (1,), D30),
    Case(
        "art2-1-government-system-unknown-is-osore",
        facts(government_system="unknown"),
        "duty",
        (1,),
        D30,
        drivers=("government_system",),
    ),
    # --- 規則第2条第2号: wrongful purpose; 60 days (第3条第2項括弧書); APPI 第7条第3号 ---------
    Case(
        "art2-2-wrongful-alone-60-days",
        facts(wrongful_purpose="yes"),
        "duty",
        (2,),
        D60,
        "duty",
        (3,),
        D60,
    ),
    Case(
        "art2-2-wrongful-unknown-is-osore-60-days",
        facts(wrongful_purpose="unknown"),
        "duty",
        (2,),
        D60,
        "duty",
        (3,),
        D60,
        drivers=("wrongful_purpose",),
    ),
    Case(
        "art2-2-with-item-4-still-60-days-3E",
        facts(wrongful_purpose="yes", people=500),
        "duty",
        (2, 4),
        D60,
        "duty",
        (3,),
        D60,
    ),
    Case(
        "art2-2-with-items-1-3-4-still-60-days-3E",
        facts(government_system="yes", wrongful_purpose="yes", exposed_online="yes", people=101),
        "duty",
        (1, 2, 3, 4),
        D60,
        "duty",
        (3,),
        D60,
    ),
    Case(
        "art2-1-3-4-without-2-is-30-days",
        facts(government_system="yes", exposed_online="yes", people=101),
        "duty",
        (1, 3, 4),
        D30,
    ),
    # --- 規則第2条第3号: electronic exposure to 不特定多数 ------------------------------------
    Case("art2-3-exposed-online", facts(exposed_online="yes"), "duty", (3,), D30),
    Case(
        "art2-3-exposed-unknown-is-osore",
        facts(exposed_online="unknown"),
        "duty",
        (3,),
        D30,
        drivers=("exposed_online",),
    ),
    # --- 規則第2条第4号: more than 100 people; 別添２ 3A(4) 最大100人を超える場合 ------------
    Case("art2-4-101-people", facts(people=101), "duty", (4,), D30, preliminary=PRE),
    Case(
        "art2-4-uncertain-count-max-150",
        facts(people=None, people_max=150),
        "duty",
        (4,),
        D30,
        drivers=("people",),
    ),
    Case(
        "art2-4-50-known-up-to-101",
        facts(people=50, people_max=101),
        "duty",
        (4,),
        D30,
        drivers=("people",),
    ),
    Case(
        "art2-4-count-unknown-is-osore-both-laws",
        facts(people=None),
        "duty",
        (4,),
        D30,
        "duty",
        (4,),
        D30,
        drivers=("people",),
    ),
    Case("art2-4-ro-misuse-art9-150", facts(misuse_art9="yes", people=150), "duty", (4,), D30),
    Case("art2-4-ha-provision-art19-150", facts(provision_art19="yes", people=150), "duty", (4,), D30),
    # --- APPI 施行規則第7条 -----------------------------------------------------------------
    Case("appi-7-4-1000-is-not-more-than-1000", facts(people=1000), "duty", (4,), D30),
    Case(
        "appi-7-4-1001-people",
        facts(people=1001),
        "duty",
        (4,),
        D30,
        "duty",
        (4,),
        D30,
    ),
    Case(
        "appi-7-4-max-over-1000",
        facts(people=None, people_max=2000),
        "duty",
        (4,),
        D30,
        "duty",
        (4,),
        D30,
        drivers=("people",),
    ),
    Case(
        "appi-7-1-sensitive-data",
        facts(sensitive_data="yes"),
        "effort",
        (),
        None,
        "duty",
        (1,),
        D30,
    ),
    Case(
        "appi-7-1-sensitive-unknown-is-osore",
        facts(sensitive_data="unknown"),
        "effort",
        (),
        None,
        "duty",
        (1,),
        D30,
        drivers=("sensitive_data",),
    ),
    Case(
        "appi-7-2-financial-harm",
        facts(financial_harm="yes"),
        "effort",
        (),
        None,
        "duty",
        (2,),
        D30,
    ),
    Case(
        "appi-7-1-2-3-4-all",
        facts(sensitive_data="yes", financial_harm="yes", wrongful_purpose="yes", people=1500),
        "duty",
        (2, 4),
        D60,
        "duty",
        (1, 2, 3, 4),
        D60,
    ),
    # --- deadlines: 規則第3条第2項, 別添２ 3E ※2 (roll to the next open day) ----------------
    Case(
        "3E-day30-saturday-to-monday",
        facts(date(2026, 10, 30), people=101),  # Fri; day 30 = Sat 11-28
        "duty",
        (4,),
        date(2026, 11, 30),
        # 速報 window day 3 (Sun 11-01) and day 5 (Tue 11-03, 文化の日) are not rolled
        preliminary=(date(2026, 11, 1), date(2026, 11, 3)),
    ),
    Case(
        "3E-day30-sunday-to-monday",
        facts(date(2026, 10, 31), people=101),  # day 30 = Sun 11-29
        "duty",
        (4,),
        date(2026, 11, 30),
    ),
    Case(
        "3E-day30-national-holiday",
        facts(date(2026, 10, 25), people=101),  # day 30 = Mon 11-23 勤労感謝の日
        "duty",
        (4,),
        date(2026, 11, 24),
    ),
    Case(
        "3E-day30-new-years-day",
        facts(date(2026, 12, 3), people=101),  # day 30 = Fri 2027-01-01
        "duty",
        (4,),
        date(2027, 1, 4),
    ),
    Case(
        "3E-day30-29-december-weekday-closure",
        facts(date(2026, 11, 30), people=101),  # day 30 = Tue 12-29
        "duty",
        (4,),
        date(2027, 1, 4),
    ),
    Case(
        "3E-day30-golden-week",
        facts(date(2026, 4, 5), people=101),  # day 30 = Mon 5-04; 5-05, 5-06 振替休日
        "duty",
        (4,),
        date(2026, 5, 7),
    ),
    Case(
        "3E-day60-golden-week-item-2",
        facts(date(2026, 3, 5), wrongful_purpose="yes"),  # day 60 = Sun 5-03
        "duty",
        (2,),
        date(2026, 5, 7),
        "duty",
        (3,),
        date(2026, 5, 7),
    ),
    Case(
        "3E-day30-silver-week",
        facts(date(2026, 8, 23), people=101),  # day 30 = 9-21; 9-22 国民の休日; 9-23 秋分
        "duty",
        (4,),
        date(2026, 9, 24),
    ),
    Case(
        "3E-day30-substitute-holiday",
        facts(date(2027, 2, 20), people=101),  # day 30 = Sun 2027-03-21 春分; 3-22 振替休日
        "duty",
        (4,),
        date(2027, 3, 23),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    a = assess(case.facts)
    assert (a.report, a.items, a.final_due) == (case.report, case.items, case.final_due)
    assert (a.appi.report, a.appi.items, a.appi.final_due) == (
        case.appi_report,
        case.appi_items,
        case.appi_final_due,
    )
    assert a.notify_individuals is (case.report == "duty")  # 番号法第29条の4第2項
    assert a.appi.notify_individuals is (case.appi_report == "duty")  # APPI 第26条第2項
    if case.report == "duty":
        first, last = a.preliminary_due or (None, None)
        assert (first, last) == (day_n(case.facts.known_on, 3), day_n(case.facts.known_on, 5))
        if case.preliminary is not None:
            assert a.preliminary_due == case.preliminary
    else:
        assert a.preliminary_due is None
    assert a.drivers == case.drivers
    assert a.rule_pack == RULE_PACKS[-1].id


def test_there_are_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


# --- reasons and rendering -------------------------------------------------------------------

CITE = {"ja": re.compile(r"第\d+条|別添２"), "en": re.compile(r"Art\.|Annex 2")}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_reason_cites_its_article(case: Case) -> None:
    a = assess(case.facts)
    assert a.reasons
    for reason in a.reasons:
        for lang in ("ja", "en"):
            text = render_reason(reason, lang)
            assert CITE[lang].search(text), (reason.key, text)
            if reason.item is not None:
                # the item's own number is in the citation
                assert str(reason.item) in text


def test_reasons_name_the_applying_items() -> None:
    a = assess(facts(wrongful_purpose="unknown", people=250))
    keys = [r.key for r in a.reasons if r.law == "mynumber"]
    assert keys == ["assess.reason.mynumber.2.unknown", "assess.reason.mynumber.4.over"]
    over = next(r for r in a.reasons if r.key.endswith("4.over"))
    assert over.as_dict() == {"limit": 100, "count": 250}
    assert "250人" in render_reason(over, "ja") and "100人を超え" in render_reason(over, "ja")


DISCLAIMER = {"ja": "法的助言ではありません", "en": "not legal advice"}
LEAFLET = {"ja": "旧リーフレット", "en": "old PPC leaflet"}


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("case", CASES[:8], ids=[c.id for c in CASES[:8]])
def test_render_disclaimer_once_and_leaflet_only_when_duty(case: Case, lang: str) -> None:
    text = render(assess(case.facts), lang)
    assert text.count(DISCLAIMER[lang]) == 1
    assert (LEAFLET[lang] in text) is (case.report == "duty")
    assert "12345" not in text


def test_render_defaults_to_japanese_and_shows_deadlines() -> None:
    a = assess(facts(date(2026, 12, 3), people=101))
    text = render(a)
    assert text == render(a, "ja")
    assert "2027-01-04（月）" in text  # rolled 確報 deadline
    assert "2027-01-01（金）" in text and "年末年始" in text  # why it was rolled
    assert "2026-12-05（土）〜2026-12-07（月）" in text  # 速報 guideline window
    assert "規則第2条第4号" in text and "本人への通知: 必要" in text
    en = render(a, "en")
    assert "2027-01-04 (Mon)" in en and "year-end closure" in en


def test_render_lists_drivers() -> None:
    text = render(assess(AssessmentInput(known_on=MON)), "ja")
    assert "未確定の事実" in text and "本人の数" in text and "不正の目的" in text
    assert "未確定の事実" not in render(assess(facts()), "ja")


# --- drivers -----------------------------------------------------------------------------------


def test_drivers_are_only_unknowns_that_change_the_result() -> None:
    a = assess(AssessmentInput(known_on=MON))  # everything unknown
    assert a.report == "duty" and a.items == (1, 2, 3, 4) and a.final_days == 60
    # misuse/provision only add grounds to item 4, which the unknown count already triggers
    assert a.drivers == (
        "encrypted",
        "government_system",
        "wrongful_purpose",
        "exposed_online",
        "sensitive_data",
        "financial_harm",
        "people",
    )
    # once something certainly applies, other unknowns matter less
    b = assess(facts(government_system="yes", wrongful_purpose="unknown"))
    assert b.drivers == ("wrongful_purpose",)  # it moves the deadline from 30 to 60 days


# --- facts validation and the rule pack ----------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "field_name", "problem"),
    [
        ({"people": -1}, "people", "count"),
        ({"people_max": True}, "people_max", "count"),
        ({"people": 1.5}, "people", "count"),
        ({"people": 10, "people_max": 5}, "people_max", "count_order"),
        ({"encrypted": "maybe"}, "encrypted", "enum"),
        ({"financial_harm": None}, "financial_harm", "enum"),
    ],
)
def test_facts_validation(kw: dict[str, object], field_name: str, problem: str) -> None:
    with pytest.raises(AssessmentInputError) as err:
        AssessmentInput(known_on=MON, **kw)  # type: ignore[arg-type]
    assert (err.value.field, err.value.problem) == (field_name, problem)


def test_facts_need_a_date() -> None:
    with pytest.raises(AssessmentInputError) as err:
        AssessmentInput(known_on="2026-11-02")  # type: ignore[arg-type]
    assert err.value.field == "known_on"


def test_rule_pack_is_versioned_data() -> None:
    pack = RULE_PACKS[-1]
    assert pack.effective_from == date(2022, 4, 1)
    assert [i.no for i in pack.mynumber.items] == [1, 2, 3, 4]
    assert [i.no for i in pack.appi.items] == [1, 2, 3, 4]
    assert pack_for(date(2026, 1, 1)) == (pack, True)
    assert pack_for(date(2021, 3, 31)) == (RULE_PACKS[0], False)


def test_before_the_pack_took_effect_is_flagged() -> None:
    a = assess(facts(date(2021, 6, 1), people=500))
    assert not a.in_force and a.report == "duty"
    assert a.reasons[0].key == "assess.reason.before_effective"
    assert "2022-04-01" in render(a, "ja")


def test_catalogues_have_the_same_keys() -> None:
    def keys(lang: str) -> set[str]:
        data = yaml.safe_load((Path(bot.core.i18n.__file__).parent / lang / "assessment.yaml").read_text("utf-8"))
        assert all(k.startswith(("assess.", "cal.")) for k in data)
        return set(data)

    assert keys("ja") == keys("en")
    assert t("assess.disclaimer", "en") != t("assess.disclaimer", "ja")


# --- properties --------------------------------------------------------------------------------

tri = st.sampled_from(["yes", "no", "unknown"])
counts = st.one_of(st.none(), st.integers(0, 5000))


@st.composite
def any_facts(draw: st.DrawFn) -> AssessmentInput:
    people, people_max = draw(counts), draw(counts)
    if people is not None and people_max is not None and people_max < people:
        people, people_max = people_max, people
    return AssessmentInput(
        known_on=draw(st.dates(min_value=date(2022, 4, 1), max_value=date(2099, 6, 30))),
        people=people,
        people_max=people_max,
        **{name: draw(tri) for name in TRI_FACTS},
    )


@given(any_facts())
def test_properties(f: AssessmentInput) -> None:
    a: Assessment = assess(f)
    if f.encrypted == "yes":
        assert a.report == "none" and a.appi.report == "none" and not a.items
    if a.report == "duty":
        assert a.items and a.final_due is not None and a.notify_individuals
        assert not is_closed_day(a.final_due)
        days = 60 if 2 in a.items else 30
        assert day_n(f.known_on, days) <= a.final_due <= day_n(f.known_on, days + 10)
    else:
        assert not a.items and a.final_due is None and not a.notify_individuals
    # an unknown fact is never less reportable than "no"
    for name in TRI_FACTS:
        if getattr(f, name) == "no" and name != "encrypted":
            worse = assess(AssessmentInput(**{**f.__dict__, name: "unknown"}))
            assert set(a.items) <= set(worse.items)
            assert set(a.appi.items) <= set(worse.appi.items)
    assert set(a.drivers) <= {*TRI_FACTS, "people"}
