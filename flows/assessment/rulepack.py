"""The reporting rules as versioned data (LEGAL.md): one :class:`RulePack` per state of the law.

A change of law is a new pack appended to :data:`RULE_PACKS` with its own ``effective_from``; the
engine (``engine.py``) holds no article numbers or thresholds of its own. Every assessment records
the id of the pack it used.

Sources of the current pack:

* 特定個人情報の漏えい等に関する報告等に関する規則 (規則) 第2条-第5条, quoted in the PPC guideline
  (事業者編) 別添２, copy retrieved 2025-09-24 (``reference/ppc-guideline-annex2.txt``);
* 個人情報の保護に関する法律 第26条 and 同法施行規則 第7条・第8条 (the general APPI duty), whose
  items, timing and strong-encryption carve-out run parallel to the My Number rule.

Both took their current form on 2022-04-01 (:data:`JP_2022_04`). 個人情報保護法施行規則第7条第3号 was
amended with effect from 2024-04-01 (LEGAL.md, "The general privacy law alongside"): a wrongful-purpose leak now also
covers personal information the business was about to acquire and handle as personal data (e.g. web
skimming) — :data:`JP_2024_04`. The My Number rule did not change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

Report = Literal["duty", "effort", "none"]


@dataclass(frozen=True)
class FactItem:
    """An item that applies when a yes/no fact is "yes" — or "unknown" (おそれ).

    ``final_days`` lengthens the 確報 period only when the fact is established ("yes"): an unknown fact
    counts for whether the item applies, never for a longer deadline (LEGAL.md "Unknown facts")."""

    no: int
    fact: str
    final_days: int | None = None  # a longer 確報 period when this item applies (fact "yes")
    needs_leak: bool = True  # False: the item also covers use / provision without a leak (第2号ロ・ハ)
    text: str = ""  # message key segment of the item's reasons (default: its number)


@dataclass(frozen=True)
class CountItem:
    """An item that applies when the number of people (or its maximum) is more than a threshold and
    there was a leak (the law's ``leak`` fact) or one of ``bases`` holds."""

    no: int
    more_than: int
    bases: tuple[str, ...] = ()  # yes/no facts that are further grounds of the same item (no leak needed)
    final_days: int | None = None
    # the count facts (each with its ``<name>_max``) whose largest known value is the number of people;
    # the first one with a value decides whether the count is certain
    counts: tuple[str, ...] = ("people",)
    rose_on: str = ""  # a date fact: the day the count first went past ``more_than`` (the item's clock)


Item = FactItem | CountItem


@dataclass(frozen=True)
class LawRules:
    """One law's reporting rule.

    Message keys are derived from ``law``: ``assess.reason.<law>.<item>.<status>`` for an item,
    ``assess.reason.<law>.<outcome>`` for the overall result, ``assess.cite.<law>.*`` for the
    article citations used in the rendered text.
    """

    law: str
    items: tuple[Item, ...]
    excluded_by: tuple[str, ...]  # yes/no facts that, all "yes", take the data out of every item
    leaked: str  # the yes/no fact: a 漏えい等 happened (or may have)
    outside_items: Report  # the result when no item applies and the data is not excluded
    final_days: int
    preliminary_days: tuple[int, int]
    preliminary_rolls: bool  # does the 速報 window move off closed days? (see docs/assess.md)
    final_rolls: bool  # does the 確報 deadline move off closed days?


@dataclass(frozen=True)
class RulePack:
    id: str
    effective_from: date
    mynumber: LawRules
    appi: LawRules
    # 規則第4条, 別添２ 3F: an outsourcee's notice to the principal, 「速やか」 = 概ね3日～5日以内 of knowing
    principal_notice_days: tuple[int, int] = (3, 5)


JP_2022_04 = RulePack(
    id="jp-leak-report-2022-04-01",
    effective_from=date(2022, 4, 1),
    mynumber=LawRules(
        law="mynumber",
        items=(
            FactItem(no=1, fact="government_system"),  # 規則第2条第1号 イ-ハ
            # 第2号 イ (leak) and ロ/ハ (use / provision, no leak needed); 60 days: 第3条第2項括弧書
            FactItem(no=2, fact="wrongful_purpose", final_days=60, needs_leak=False),
            FactItem(no=3, fact="exposed_online"),  # 第3号 電磁的方法・不特定多数
            # 第4号 イ (leak/loss/damage), ロ (番号法第9条違反の利用), ハ (第19条違反の提供)
            # 別添２ 3A(4): a count that rises past 100 later meets 第4号 from that moment
            CountItem(no=4, more_than=100, bases=("misuse_art9", "provision_art19"), rose_on="over_100_on"),
        ),
        # 第2条第1号括弧書「高度な暗号化…を除く。以下同じ。」, only with the means to decrypt kept apart
        # and safe (PPC Q&A 17-14: 見読可能な状態にするための手段が適切に管理されている)
        excluded_by=("encrypted", "key_safe"),
        leaked="leaked",  # 第2条柱書・第4号イ「漏えい等が発生し、又は発生したおそれ」
        outside_items="effort",  # 別添２ 3B: ガイドラインに基づく報告（努力義務）
        final_days=30,  # 第3条第2項
        preliminary_days=(3, 5),  # 別添２ 3D: 「速やか」の目安 概ね3日～5日以内
        preliminary_rolls=False,
        final_rolls=True,  # 別添２ 3E ※2, 行政機関の休日に関する法律第2条
    ),
    appi=LawRules(
        law="appi",
        items=(
            FactItem(no=1, fact="sensitive_data"),  # 施行規則第7条第1号 要配慮個人情報
            FactItem(no=2, fact="financial_harm"),  # 第2号 財産的被害が生じるおそれ
            FactItem(no=3, fact="wrongful_purpose", final_days=60),  # 第3号, 第8条第2項括弧書
            # 第4号 本人の数が1,000人を超える: all personal data, those with My Numbers included
            CountItem(no=4, more_than=1000, counts=("appi_people", "people")),
        ),
        excluded_by=("encrypted", "key_safe"),  # 第7条第1号括弧書「高度な暗号化…を除く。以下同じ。」
        leaked="leaked",  # 第7条柱書「漏えい等が発生し、又は発生したおそれ」: every item needs one
        outside_items="none",
        final_days=30,  # 第8条第2項
        preliminary_days=(3, 5),  # 第8条第1項「速やかに」, same guideline figure
        preliminary_rolls=False,
        final_rolls=True,  # 通則編 3-5-3-4 (same rule as 別添２ 3E ※2)
    ),
)

JP_2024_04 = RulePack(
    id="jp-leak-report-2024-04-01",
    effective_from=date(2024, 4, 1),
    mynumber=JP_2022_04.mynumber,
    appi=replace(
        JP_2022_04.appi,
        items=tuple(
            # 施行規則第7条第3号 as amended from 2024-04-01: also personal information the business is
            # about to acquire (取得しようとしている個人情報であって個人データとして取り扱われることが予定されているもの)
            replace(item, text="3_2024") if isinstance(item, FactItem) and item.no == 3 else item
            for item in JP_2022_04.appi.items
        ),
    ),
)

RULE_PACKS: tuple[RulePack, ...] = (JP_2022_04, JP_2024_04)
"""Every pack, oldest first."""


def pack_for(known_on: date) -> tuple[RulePack, bool]:
    """The pack in force on ``known_on``, and whether one really was (False: before the first)."""
    in_force = [p for p in RULE_PACKS if p.effective_from <= known_on]
    if in_force:
        return max(in_force, key=lambda p: p.effective_from), True
    return RULE_PACKS[0], False


def yes_no_facts(pack: RulePack) -> tuple[str, ...]:
    """The yes/no facts ``pack`` reads, in the order of its articles: for each law the excluding facts
    and the leak fact, then each item's fact (or the further grounds of a count item)."""
    read: list[str] = []
    for rules in (pack.mynumber, pack.appi):
        read += [*rules.excluded_by, rules.leaked]
        for item in rules.items:
            read += [item.fact] if isinstance(item, FactItem) else item.bases
    return tuple(dict.fromkeys(read))
