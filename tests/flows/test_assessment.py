"""The reporting assessment (flows.assessment), case by case against the rule text.

規則 = 特定個人情報の漏えい等に関する報告等に関する規則 (quoted in the PPC guideline annex 2, 別添２);
APPI = 個人情報保護法施行規則. Expected dates were worked out by hand from a paper calendar; each
case names the article it rests on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
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

NO = {**{name: "no" for name in TRI_FACTS}, "leaked": "yes"}  # a leak (漏えい等); every other fact "no"
MON = date(2026, 11, 2)  # a Monday; day 30 = Tue 2026-12-01, day 60 = Thu 2026-12-31


def facts(known_on: date = MON, **kw: object) -> AssessmentInput:
    """A leak, everything else "no", 10 people, unless the case says otherwise."""
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
    pack: str = ""  # the rule pack the assessment must record (default: the newest)
    day_one: date | None = None  # day 1 of the My Number deadlines, when not known_on
    principal_due: tuple[date, date] | None = None  # outsourcee: the notice to the principal (規則第4条)


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
            key_safe="yes",  # Q&A 17-14: the means to decrypt kept apart and safe
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
        AssessmentInput(known_on=MON, encrypted="yes", key_safe="yes"),
        "none",
        (),
    ),
    Case(
        "carve-out-unknown-encryption-is-not-applied",
        facts(encrypted="unknown", key_safe="yes", people=500),
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
    Case(  # LEGAL.md "Unknown facts": an unknown counts for whether item 2 applies, never for 60 days
        "art2-2-wrongful-unknown-is-osore-30-days",
        facts(wrongful_purpose="unknown"),
        "duty",
        (2,),
        D30,
        "duty",
        (3,),
        D30,
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

# --- issue 12: cases that failed on the code before it ---------------------------------------
USB = date(2026, 11, 26)  # the leaflet's example: a USB stick lost on the way home, known on a Thursday
USB_D30 = date(2026, 12, 25)  # day 30 = Fri 25 Dec (26 Nov is day 1)
USB_D60 = date(2027, 1, 25)  # day 60 = Sun 24 Jan -> Mon 25 Jan
P2022, P2024 = "jp-leak-report-2022-04-01", "jp-leak-report-2024-04-01"

CASES += [
    # (1) LEGAL.md "Unknown facts"; 規則第3条第2項: 60 days only when 第2号 is established
    Case(
        "issue12-1-leaflet-usb-120-people-wrongful-unknown-is-30-days",
        facts(USB, people=120, wrongful_purpose="unknown"),
        "duty",
        (2, 4),
        USB_D30,
        "duty",
        (3,),
        USB_D30,
        preliminary=(date(2026, 11, 28), date(2026, 11, 30)),
        drivers=("wrongful_purpose",),
    ),
    Case(
        "3-2-leaflet-usb-wrongful-yes-is-60-days",
        facts(USB, people=120, wrongful_purpose="yes"),
        "duty",
        (2, 4),
        USB_D60,
        "duty",
        (3,),
        USB_D60,
    ),
    Case(
        "3-2-leaflet-usb-wrongful-no-is-30-days-item-4-only",
        facts(USB, people=120),
        "duty",
        (4,),
        USB_D30,
    ),
    Case(  # items 1 and 3 established, item 2 only possible: still 30 days (規則第3条第2項)
        "3-2-items-1-3-with-wrongful-unknown-30-days",
        facts(government_system="yes", exposed_online="yes", wrongful_purpose="unknown"),
        "duty",
        (1, 2, 3),
        D30,
        "duty",
        (3,),
        D30,
        drivers=("wrongful_purpose",),
    ),
    Case(  # everything open: every item possible, the deadline the 30-day one
        "3-2-everything-unknown-is-30-days",
        AssessmentInput(known_on=MON),
        "duty",
        (1, 2, 3, 4),
        D30,
        "duty",
        (1, 2, 3, 4),
        D30,
        drivers=(
            "encrypted",
            "key_safe",
            "government_system",
            "wrongful_purpose",
            "exposed_online",
            "sensitive_data",
            "financial_harm",
            "people",
        ),
    ),
    Case(  # 別添２ 3E: day 1 is the day of knowing (Tue 5 Jan; day 30 = Wed 3 Feb, not Thu 4 Feb)
        "3E-day-1-is-known-on",
        facts(date(2027, 1, 5), people=101),
        "duty",
        (4,),
        date(2027, 2, 3),
        preliminary=(date(2027, 1, 7), date(2027, 1, 9)),
    ),
    # (2) 規則第2条第1号括弧書 / 施行規則第7条第1号括弧書 with PPC Q&A 17-14: the key kept apart and safe
    Case(
        "issue12-2-encrypted-key-not-safe-is-not-excluded-QA17-14",
        facts(encrypted="yes", key_safe="no", people=500),
        "duty",
        (4,),
        D30,
    ),
    Case(
        "QA17-14-encrypted-key-safe-excluded",
        facts(encrypted="yes", key_safe="yes", people=500, wrongful_purpose="yes"),
        "none",
        (),
    ),
    Case(  # LEGAL.md "Unknown facts": an unknown key counts for whether an item applies
        "QA17-14-encrypted-key-unknown-counts-as-osore",
        facts(encrypted="yes", key_safe="unknown", people=500),
        "duty",
        (4,),
        D30,
        drivers=("key_safe",),
    ),
    Case(  # not excluded, so the guideline's effort to report (別添２ 3B) remains
        "QA17-14-encrypted-key-unknown-no-item-is-effort-not-none",
        facts(encrypted="yes", key_safe="unknown"),
        "effort",
        (),
        drivers=("key_safe",),
    ),
    Case(
        "QA17-14-key-safe-without-encryption-excludes-nothing",
        facts(encrypted="no", key_safe="yes", people=500),
        "duty",
        (4,),
        D30,
    ),
    Case(  # a stolen laptop with its password note: wrongful purpose established, 60 days, both laws
        "QA17-14-encrypted-key-stolen-with-it-60-days",
        facts(encrypted="yes", key_safe="no", wrongful_purpose="yes"),
        "duty",
        (2,),
        D60,
        "duty",
        (3,),
        D60,
    ),
    Case(
        "QA17-14-both-unknown-both-drive",
        facts(encrypted="unknown", key_safe="unknown", people=500),
        "duty",
        (4,),
        D30,
        drivers=("encrypted", "key_safe"),
    ),
    # (8) APPI 施行規則第7条 needs a 漏えい等; 規則第2条第4号ロ・ハ (and 第2号ロ・ハ) need none
    Case(
        "issue12-8-misuse-art9-without-leak-is-not-appi-7",
        facts(leaked="no", misuse_art9="yes", people=1500),
        "duty",
        (4,),
        D30,
    ),
    Case(
        "art2-2-ha-4-ha-wrongful-provision-without-leak-60-days-no-appi",
        facts(leaked="no", provision_art19="yes", wrongful_purpose="yes", people=1500, sensitive_data="yes"),
        "duty",
        (2, 4),
        D60,
    ),
    Case(
        "art2-4-misuse-without-leak-under-100-is-effort",
        facts(leaked="no", misuse_art9="yes", people=50),
        "effort",
        (),
    ),
    Case(  # issue 12: no leak, no wrongful use/provision, no Art. 9/19 breach -> no 漏えい等事案 at all
        "issue12-art2-no-leak-no-misuse-is-no-incident-none",
        facts(leaked="no", people=1500),
        "none",
        (),
    ),
    Case(  # おそれ: a leak not ruled out still reaches the APPI
        "appi-7-leak-unknown-with-misuse-is-osore",
        facts(leaked="unknown", misuse_art9="yes", people=1500),
        "duty",
        (4,),
        D30,
        "duty",
        (4,),
        D30,
        drivers=("leaked",),
    ),
    # (9) the rule pack: APPI 施行規則第7条第3号 amended with effect from 2024-04-01
    Case(  # Sun 31 Mar 2024; day 30 = Mon 29 Apr 昭和の日 -> Tue 30 Apr
        "pack-boundary-2024-03-31-uses-2022-pack",
        facts(date(2024, 3, 31), people=101),
        "duty",
        (4,),
        date(2024, 4, 30),
        pack=P2022,
    ),
    Case(  # Mon 1 Apr 2024; day 30 = Tue 30 Apr
        "issue12-9-pack-boundary-2024-04-01-uses-2024-pack",
        facts(date(2024, 4, 1), people=101),
        "duty",
        (4,),
        date(2024, 4, 30),
        pack=P2024,
    ),
    Case(  # day 60 = Thu 30 May 2024
        "pack-2024-appi-7-3-wrongful-60-days",
        facts(date(2024, 4, 1), wrongful_purpose="yes"),
        "duty",
        (2,),
        date(2024, 5, 30),
        "duty",
        (3,),
        date(2024, 5, 30),
        pack=P2024,
    ),
]

# --- issue 12: the two head counts, outsourcing, no incident, a count that rises later -----------
CASES += [
    # (6) 規則第2条第4号 counts the individuals with My Number data; 施行規則第7条第4号 all personal data
    Case(
        "issue12-6-1500-customers-mis-sent-80-my-numbers-effort-appi-duty",
        facts(people=80, appi_people=1500),
        "effort",
        (),
        appi_report="duty",
        appi_items=(4,),
        appi_final_due=D30,
    ),
    Case(  # 施行規則第7条第4号: 1,000 is not more than 1,000
        "appi-7-4-appi-people-1000-is-not-more-than-1000",
        facts(people=80, appi_people=1000),
        "effort",
        (),
    ),
    Case(  # 別添２ 3A(4) read for the APPI count too: a maximum over 1,000 counts
        "appi-7-4-appi-people-unknown-max-1500-drives",
        facts(people=80, appi_people=None, appi_people_max=1500),
        "effort",
        (),
        appi_report="duty",
        appi_items=(4,),
        appi_final_due=D30,
        drivers=("appi_people",),
    ),
    Case(  # 規則第2条第4号 reads only the My Number count: 101 of them, not more than 1,000 in all
        "art2-4-101-my-numbers-appi-count-101-is-mynumber-only",
        facts(people=101, appi_people=101),
        "duty",
        (4,),
        D30,
    ),
    Case(  # the My Number count unknown is おそれ for 第4号; the APPI count is known and over 1,000
        "art2-4-my-number-count-unknown-appi-2000-known",
        facts(people=None, appi_people=2000),
        "duty",
        (4,),
        D30,
        "duty",
        (4,),
        D30,
        drivers=("people",),
    ),
    Case(  # 施行規則第7条第4号: without its own count the APPI count is the My Number count
        "appi-7-4-appi-count-defaults-to-people-1001",
        facts(people=1001, appi_people=None),
        "duty",
        (4,),
        D30,
        "duty",
        (4,),
        D30,
    ),
    # 規則第4条, 別添２ 3F: an outsourcee owes the report as well, and notifies the principal in 3-5 days
    Case(
        "rule4-outsourcee-leaflet-usb-duty-notify-principal-days-3-5",
        facts(USB, people=120, role="outsourcee"),
        "duty",
        (4,),
        USB_D30,
        principal_due=(date(2026, 11, 28), date(2026, 11, 30)),
    ),
    Case(  # no duty under either law: nothing releases, nothing to notify (規則第4条 presupposes a duty)
        "rule4-outsourcee-effort-no-principal-notice",
        facts(role="outsourcee"),
        "effort",
        (),
    ),
    Case(  # 施行規則第9条: an APPI-only duty is released by the same notice
        "rule4-apppi-9-outsourcee-appi-only-duty-notifies-principal",
        facts(role="outsourcee", sensitive_data="yes"),
        "effort",
        (),
        appi_report="duty",
        appi_items=(1,),
        appi_final_due=D30,
        principal_due=(date(2026, 11, 4), date(2026, 11, 6)),
    ),
    Case(  # the 3-5 day target is a guideline figure: not moved off Sun 1 Nov or 文化の日 3 Nov
        "rule4-outsourcee-target-not-rolled",
        facts(date(2026, 10, 30), people=101, role="outsourcee"),
        "duty",
        (4,),
        date(2026, 11, 30),
        principal_due=(date(2026, 11, 1), date(2026, 11, 3)),
    ),
    Case(  # 別添２ 3F: principal knows no later than the notice: 20 Nov is day 1; day 30 Sat 19 Dec -> Mon 21
        "3F-principal-notified-before-known-on-is-day-1",
        facts(USB, people=120, role="principal", principal_notified_on=date(2026, 11, 20)),
        "duty",
        (4,),
        date(2026, 12, 21),
        preliminary=(date(2026, 11, 22), date(2026, 11, 24)),
        day_one=date(2026, 11, 20),
    ),
    Case(  # 別添２ 3F, 規則第3条第2項: the 60-day 確報 counts from the notice too (day 60 = Mon 18 Jan)
        "3F-principal-notified-earlier-60-days-both-laws",
        facts(USB, role="principal", principal_notified_on=date(2026, 11, 20), wrongful_purpose="yes"),
        "duty",
        (2,),
        date(2027, 1, 18),
        "duty",
        (3,),
        date(2027, 1, 18),
        day_one=date(2026, 11, 20),
    ),
    Case(  # the earlier of the two: our own department knew first
        "3F-principal-notified-after-known-on-keeps-known-on",
        facts(USB, people=120, role="principal", principal_notified_on=date(2026, 11, 30)),
        "duty",
        (4,),
        USB_D30,
        preliminary=(date(2026, 11, 28), date(2026, 11, 30)),
    ),
    Case(  # 別添２ 3F concerns the principal only
        "3F-self-ignores-principal-notified-on",
        facts(USB, people=120, role="self", principal_notified_on=date(2026, 11, 20)),
        "duty",
        (4,),
        USB_D30,
    ),
    # 規則第2条柱書: no 漏えい等, no use/provision in breach of the Act -> no 漏えい等事案
    Case(  # 規則第2条第4号ハ: provision in breach of Art. 19 of 100 people or fewer -> the effort (別添２ 3B)
        "art2-4-ha-provision-art19-80-without-leak-is-effort",
        facts(leaked="no", provision_art19="yes", people=80),
        "effort",
        (),
    ),
    Case(  # 第4号ロ: a possible Art. 9 breach keeps it a 漏えい等事案 (おそれ), and could change the result
        "art2-4-ro-misuse-unknown-without-leak-is-effort-not-none",
        facts(leaked="no", misuse_art9="unknown", people=50),
        "effort",
        (),
        drivers=("misuse_art9",),
    ),
    Case(  # 第2号ロ・ハ need no leak: an unknown wrongful purpose is おそれ; 30 days until established
        "art2-2-ro-wrongful-unknown-without-leak-is-osore-30-days",
        facts(leaked="no", wrongful_purpose="unknown"),
        "duty",
        (2,),
        D30,
        drivers=("wrongful_purpose",),
    ),
    # 別添２ 3A(4): 「その後100人を超えた場合には、100人を超えた時点で規則第２条第4号に該当」
    Case(  # day 1 = 10 Dec; day 30 = Fri 8 Jan 2027
        "3A4-count-rose-past-100-later-starts-item-4-clock",
        facts(USB, people=150, over_100_on=date(2026, 12, 10)),
        "duty",
        (4,),
        date(2027, 1, 8),
        preliminary=(date(2026, 12, 12), date(2026, 12, 14)),
        day_one=date(2026, 12, 10),
    ),
    Case(  # another item applied from the day of knowing: its clock already runs
        "3A4-rose-later-with-item-2-possible-keeps-known-on",
        facts(USB, people=150, over_100_on=date(2026, 12, 10), wrongful_purpose="unknown"),
        "duty",
        (2, 4),
        USB_D30,
        "duty",
        (3,),
        USB_D30,
        drivers=("wrongful_purpose",),
    ),
    Case(  # a day before the day of knowing changes nothing
        "3A4-rose-on-before-known-on-is-ignored",
        facts(USB, people=150, over_100_on=date(2026, 11, 20)),
        "duty",
        (4,),
        USB_D30,
    ),
    Case(  # the count back at 100 or fewer: item 4 does not apply, whatever was recorded
        "3A4-rose-on-with-count-not-over-100-is-effort",
        facts(USB, people=90, over_100_on=date(2026, 12, 10)),
        "effort",
        (),
    ),
    Case(  # the day the My Number count rose is not the APPI item 4's clock (施行規則第7条第4号)
        "3A4-rose-on-moves-mynumber-only-not-appi-7-4",
        facts(USB, people=150, appi_people=1500, over_100_on=date(2026, 12, 10)),
        "duty",
        (4,),
        date(2027, 1, 8),
        "duty",
        (4,),
        USB_D30,
        day_one=date(2026, 12, 10),
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
    assert a.notify_principal is (case.principal_due is not None)  # 規則第4条: only an outsourcee with a duty
    assert a.principal_notice_due == case.principal_due
    if case.report == "duty":
        day_one = case.day_one or case.facts.known_on
        assert a.day_one == day_one
        first, last = a.preliminary_due or (None, None)
        assert (first, last) == (day_n(day_one, 3), day_n(day_one, 5))
        if case.preliminary is not None:
            assert a.preliminary_due == case.preliminary
    else:
        assert a.preliminary_due is None
    assert a.drivers == case.drivers
    assert a.rule_pack == (case.pack or RULE_PACKS[-1].id)


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
    a = assess(AssessmentInput(known_on=MON))  # everything unknown (but the leak a report is about)
    assert a.report == "duty" and a.items == (1, 2, 3, 4) and a.final_days == 30  # item 2 only possible
    # misuse/provision only add grounds to item 4, which the unknown count (and leak) already trigger
    assert a.drivers == (
        "encrypted",
        "key_safe",
        "government_system",
        "wrongful_purpose",
        "exposed_online",
        "sensitive_data",
        "financial_harm",
        "people",
    )
    # once something certainly applies, other unknowns matter less
    b = assess(facts(government_system="yes", wrongful_purpose="unknown"))
    assert b.drivers == ("wrongful_purpose",)  # it adds item 2 (and, once "yes", the 60 days)


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
    assert [p.effective_from for p in RULE_PACKS] == [date(2022, 4, 1), date(2024, 4, 1)]  # APPI 第7条第3号 amended
    for p in RULE_PACKS:
        assert [i.no for i in p.mynumber.items] == [1, 2, 3, 4]
        assert [i.no for i in p.appi.items] == [1, 2, 3, 4]
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
    people, people_max = sorted(draw(st.lists(counts, min_size=2, max_size=2)), key=lambda n: -1 if n is None else n)
    extra = draw(st.lists(st.one_of(st.none(), st.integers(0, 5000)), min_size=2, max_size=2))
    appi = [None if e is None else (people or 0) + e for e in extra]  # everyone affected includes people
    if appi[0] is not None and appi[1] is not None and appi[1] < appi[0]:
        appi.reverse()
    known_on = draw(st.dates(min_value=date(2022, 4, 1), max_value=date(2099, 6, 30)))
    later = st.one_of(st.none(), st.integers(-10, 40).map(lambda d: known_on + timedelta(days=d)))
    return AssessmentInput(
        known_on=known_on,
        people=people,
        people_max=people_max,
        appi_people=appi[0],
        appi_people_max=appi[1],
        role=draw(st.sampled_from(["self", "principal", "outsourcee"])),
        principal_notified_on=draw(later),
        over_100_on=draw(later),
        **{name: draw(tri) for name in TRI_FACTS},
    )


@given(any_facts())
def test_properties(f: AssessmentInput) -> None:
    a: Assessment = assess(f)
    no_incident = f.leaked == "no" and (f.wrongful_purpose, f.misuse_art9, f.provision_art19) == ("no", "no", "no")
    if f.encrypted == "yes" and f.key_safe == "yes" or no_incident:
        assert a.report == "none" and a.appi.report == "none" and not a.items
    else:
        assert a.report != "none"
    assert a.notify_principal is (f.role == "outsourcee" and "duty" in (a.report, a.appi.report))
    if f.leaked == "no":
        assert a.appi.report == "none" and not {1, 3} & set(a.items)
    if a.report == "duty":
        assert a.items and a.final_due is not None and a.notify_individuals
        assert not is_closed_day(a.final_due)
        days = 60 if f.wrongful_purpose == "yes" else 30  # an unknown never lengthens a deadline
        assert a.final_days == days
        assert a.day_one is not None and a.day_one >= f.day_one  # never earlier than the day of knowing
        assert day_n(a.day_one, days) <= a.final_due <= day_n(a.day_one, days + 10)
    else:
        assert not a.items and a.final_due is None and not a.notify_individuals
    # an unknown fact is never less reportable than "no"
    for name in TRI_FACTS:
        if getattr(f, name) == "no" and name not in ("encrypted", "key_safe"):
            worse = assess(AssessmentInput(**{**f.__dict__, name: "unknown"}))
            assert set(a.items) <= set(worse.items)
            assert set(a.appi.items) <= set(worse.appi.items)
    assert set(a.drivers) <= {*TRI_FACTS, "people", "appi_people"}


# --- issue 12: reasons, packs and citations ---------------------------------------------------


def test_issue12_1_unknown_wrongful_purpose_says_30_days_not_60() -> None:
    """LEGAL.md "Unknown facts": the reason for a possible item 2 must not promise 60 days."""
    a = assess(facts(USB, people=120, wrongful_purpose="unknown"))
    assert (a.final_due, a.final_days, a.appi.final_days) == (USB_D30, 30, 30)
    for lang in ("ja", "en"):
        text = render(a, lang)
        assert "1日目として60日以内" not in text and "within 60 days" not in text
    assert "2026-12-25（金） まで" in render(a, "ja") and "2027-01-25" not in render(a, "ja")


def test_issue12_2_key_reasons_cite_qa_17_14() -> None:
    unsafe = assess(facts(encrypted="yes", key_safe="no", people=500))
    keys = [r.key for r in unsafe.reasons]
    assert "assess.reason.mynumber.excluded_key_safe.no" in keys
    assert "Q&A17-14" in render(unsafe, "ja") and "Q&A 17-14" in render(unsafe, "en")
    open_key = assess(facts(encrypted="yes", key_safe="unknown", people=500))
    assert "assess.reason.mynumber.excluded_key_safe.unknown" in [r.key for r in open_key.reasons]
    safe = assess(facts(encrypted="yes", key_safe="yes", people=500))
    assert [r.key for r in safe.reasons] == ["assess.reason.mynumber.excluded", "assess.reason.appi.excluded"]


def test_issue12_8_no_leak_says_why_appi_does_not_apply() -> None:
    a = assess(facts(leaked="no", misuse_art9="yes", people=1500, sensitive_data="yes", financial_harm="yes", wrongful_purpose="yes"))
    assert a.appi.report == "none" and a.appi.items == () and not a.appi.notify_individuals
    assert a.items == (2, 4) and a.final_days == 60  # 第2号ロ and 第4号ロ need no leak
    assert "assess.reason.appi.no_leak" in [r.key for r in a.reasons]


@pytest.mark.parametrize(
    ("known_on", "pack", "appi_3_key"),
    [
        (date(2024, 3, 31), "jp-leak-report-2022-04-01", "assess.reason.appi.3.yes"),
        (date(2024, 4, 1), "jp-leak-report-2024-04-01", "assess.reason.appi.3_2024.yes"),
    ],
)
def test_issue12_9_appi_7_3_amendment_is_its_own_pack(known_on: date, pack: str, appi_3_key: str) -> None:
    a = assess(facts(known_on, wrongful_purpose="yes"))
    assert a.rule_pack == pack and a.in_force
    assert appi_3_key in [r.key for r in a.reasons]
    assert pack in render(a, "ja")  # the text records the pack too


def test_issue12_9_appi_roll_forward_cites_general_rules_3_5_3_4() -> None:
    a = assess(facts(date(2026, 12, 3), people=1001))  # day 30 = Fri 2027-01-01 -> Mon 2027-01-04, both laws
    assert a.final_due == a.appi.final_due == date(2027, 1, 4)
    ja = render(a, "ja")
    mynumber, appi = ja.split("■ 個人情報保護法")
    assert "別添２ 3E ※2" in mynumber and "3-5-3-4" not in mynumber
    assert "通則編）3-5-3-4" in appi and "別添２ 3E" not in appi
    en_appi = render(a, "en").split("## Act on the Protection")[1]
    assert "3-5-3-4" in en_appi and "Annex 2, 3E" not in en_appi


def test_outsourcing_and_rising_count_reasons_say_which_day_is_day_1() -> None:
    """別添２ 3F and 3A(4): the reasons name the day used, and only where it is a duty's day 1."""
    principal = assess(facts(USB, people=120, role="principal", principal_notified_on=date(2026, 11, 20)))
    keys = [r.key for r in principal.reasons]
    assert "assess.reason.principal_day_one" in keys and "2026-11-20" in render(principal, "ja")
    assert "本来の期限日 2026-12-19（土）" in render(principal, "ja")  # day 30 counted from the notice, rolled
    both = assess(facts(USB, people=150, role="principal", principal_notified_on=date(2026, 11, 20), over_100_on=date(2026, 12, 10)))
    assert both.day_one == date(2026, 12, 10) and both.final_due == date(2027, 1, 8)
    assert "assess.reason.principal_day_one" not in [r.key for r in both.reasons]  # the count's day decides
    assert "assess.reason.mynumber.4.rose_on" in [r.key for r in both.reasons]
    outsourcee = assess(facts(USB, people=120, role="outsourcee", sensitive_data="yes"))
    assert [r.law for r in outsourcee.reasons if r.key.endswith(".outsourcee")] == ["mynumber", "appi"]
    assert "規則第4条" in render(outsourcee, "ja") and "施行規則第9条" in render(outsourcee, "ja")
