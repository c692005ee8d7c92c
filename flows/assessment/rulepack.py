"""The reporting rules as versioned data (LEGAL.md): one :class:`RulePack` per state of the law.

A change of law is a new pack appended to :data:`RULE_PACKS` with its own ``effective_from``; the
engine (``engine.py``) holds no article numbers or thresholds of its own. Every assessment records
the id of the pack it used.

Sources of the current pack:

* 特定個人情報の漏えい等に関する報告等に関する規則 (規則) 第2条-第5条, quoted in the PPC guideline
  (事業者編) 別添２, copy retrieved 2025-09-24 (``reference/ppc-guideline-annex2.txt``);
* 個人情報の保護に関する法律 第26条 and 同法施行規則 第7条・第8条 (the general APPI duty), whose
  items, timing and strong-encryption carve-out run parallel to the My Number rule.

Both took their current form on 2022-04-01.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Report = Literal["duty", "effort", "none"]


@dataclass(frozen=True)
class FactItem:
    """An item that applies when a yes/no fact is "yes" — or "unknown" (おそれ)."""

    no: int
    fact: str
    final_days: int | None = None  # a longer 確報 period when this item applies


@dataclass(frozen=True)
class CountItem:
    """An item that applies when the number of people (or its maximum) is more than a threshold."""

    no: int
    more_than: int
    bases: tuple[str, ...] = ()  # yes/no facts that are further grounds of the same item
    final_days: int | None = None


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
    excluded_by: str  # the yes/no fact that takes the data out of every item
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


JP_2022_04 = RulePack(
    id="jp-leak-report-2022-04-01",
    effective_from=date(2022, 4, 1),
    mynumber=LawRules(
        law="mynumber",
        items=(
            FactItem(no=1, fact="government_system"),  # 規則第2条第1号 イ-ハ
            FactItem(no=2, fact="wrongful_purpose", final_days=60),  # 第2号, 第3条第2項括弧書
            FactItem(no=3, fact="exposed_online"),  # 第3号 電磁的方法・不特定多数
            # 第4号 イ (leak/loss/damage), ロ (番号法第9条違反の利用), ハ (第19条違反の提供)
            CountItem(no=4, more_than=100, bases=("misuse_art9", "provision_art19")),
        ),
        excluded_by="encrypted",  # 第2条第1号括弧書「高度な暗号化…を除く。以下同じ。」
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
            CountItem(no=4, more_than=1000),  # 第4号 本人の数が1,000人を超える
        ),
        excluded_by="encrypted",  # 第7条第1号括弧書「高度な暗号化…を除く。以下同じ。」
        outside_items="none",
        final_days=30,  # 第8条第2項
        preliminary_days=(3, 5),  # 第8条第1項「速やかに」, same guideline figure
        preliminary_rolls=False,
        final_rolls=True,
    ),
)

RULE_PACKS: tuple[RulePack, ...] = (JP_2022_04,)
"""Every pack, oldest first."""


def pack_for(known_on: date) -> tuple[RulePack, bool]:
    """The pack in force on ``known_on``, and whether one really was (False: before the first)."""
    in_force = [p for p in RULE_PACKS if p.effective_from <= known_on]
    if in_force:
        return max(in_force, key=lambda p: p.effective_from), True
    return RULE_PACKS[0], False


def yes_no_facts(pack: RulePack) -> tuple[str, ...]:
    """The yes/no facts ``pack`` reads, in the order of its articles: for each law the excluding fact,
    then each item's fact (or the further grounds of a count item)."""
    read: list[str] = []
    for rules in (pack.mynumber, pack.appi):
        read.append(rules.excluded_by)
        for item in rules.items:
            read += [item.fact] if isinstance(item, FactItem) else item.bases
    return tuple(dict.fromkeys(read))
