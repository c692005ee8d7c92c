"""The assessment engine: facts + rule pack -> which items apply, deadlines, notice duty.

Pure: no I/O, no clock. Rules come from :mod:`flows.assessment.rulepack`; this module only knows
how to read them:

* a yes/no fact counts when it is "yes" or "unknown" — an unknown fact is a possibility (おそれ,
  別添２ 3A ※1 and the 規則's "又は発生したおそれがある") — for WHETHER an item applies; an unknown
  NEVER lengthens a deadline: the 60-day 確報 needs its fact established ("yes") (LEGAL.md
  "Unknown facts");
* the excluding facts (strong encryption AND the means to decrypt kept apart and safe, PPC Q&A
  17-14) remove every item only when all are "yes";
* an item about a leak needs the leak fact ("yes" or "unknown"); use or provision in breach of the
  My Number Act without a leak reaches only the items that name it (規則第2条第2号ロ・ハ,
  第4号ロ・ハ), never the APPI (施行規則第7条 needs 漏えい等);
* a count item uses the larger of ``people`` and ``people_max`` (別添２ 3A(4): "最大100人を超える
  場合"), and counts as possible when both are unknown;
* days are counted with the day of knowing as day 1 (別添２ 3E); the 確報 deadline moves off a
  closed day (3E ※2), the 速報 guideline window does not (see docs/assess.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from bot.core.facts import ASSESSED, TRI, Fact, Tri, fact, names
from flows.assessment.rulepack import RULE_PACKS, CountItem, FactItem, LawRules, Report, RulePack, pack_for, yes_no_facts
from flows.calendar import day_n, roll_forward

TRI_FACTS: tuple[str, ...] = tuple(dict.fromkeys(name for pack in RULE_PACKS for name in yes_no_facts(pack)))
"""The yes/no facts the rules read, in the order of the articles (the order of ``drivers``)."""
COUNT_FACTS: tuple[str, ...] = names(ASSESSED, "count")
INPUT_FACTS: tuple[Fact, ...] = (*(f for f in ASSESSED if f.kind != "tri"), *(fact(name) for name in TRI_FACTS))
"""The rows of the fact table (:data:`bot.core.facts.FACTS`) the assessment reads, in the order it
lists them: the fields of :class:`AssessmentInput` and the keys ``mynaleak assess`` accepts."""


class AssessmentInputError(ValueError):
    """A fact has an invalid value. ``field`` names it; ``problem`` is a short code."""

    def __init__(self, field_name: str, problem: str, value: object = None) -> None:
        super().__init__(f"{field_name}: {problem} ({value!r})")
        self.field = field_name
        self.problem = problem
        self.value = value


@dataclass(frozen=True)
class AssessmentInput:
    """What the assessment reads of an incident's facts (:data:`INPUT_FACTS`), with the day of
    knowing. Unknown yes/no facts and counts count as possible."""

    known_on: date
    people: int | None = None
    people_max: int | None = None
    encrypted: Tri = "unknown"
    key_safe: Tri = "unknown"
    leaked: Tri = "yes"
    government_system: Tri = "unknown"
    wrongful_purpose: Tri = "unknown"
    exposed_online: Tri = "unknown"
    misuse_art9: Tri = "unknown"
    provision_art19: Tri = "unknown"
    sensitive_data: Tri = "unknown"
    financial_harm: Tri = "unknown"

    def __post_init__(self) -> None:
        if not isinstance(self.known_on, date) or isinstance(self.known_on, datetime):
            raise AssessmentInputError("known_on", "date", self.known_on)
        for name in COUNT_FACTS:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise AssessmentInputError(name, "count", value)
        if self.people is not None and self.people_max is not None:
            if self.people_max < self.people:
                raise AssessmentInputError("people_max", "count_order", self.people_max)
        for name in TRI_FACTS:
            if getattr(self, name) not in TRI:
                raise AssessmentInputError(name, "enum", getattr(self, name))

    @property
    def people_upper(self) -> int | None:
        """The most people who may be affected, or None when nothing is known."""
        known = [n for n in (self.people, self.people_max) if n is not None]
        return max(known) if known else None

    @property
    def count_uncertain(self) -> bool:
        return self.people is None or (self.people_max is not None and self.people_max > self.people)


@dataclass(frozen=True)
class Reason:
    """One line of explanation: a message key (which cites the article) and its fields."""

    law: str  # "mynumber" | "appi"
    item: int | None  # the article item it explains, if any
    key: str
    fields: tuple[tuple[str, str | int], ...] = ()

    def as_dict(self) -> dict[str, str | int]:
        return dict(self.fields)


@dataclass(frozen=True)
class AppiResult:
    """The general APPI duty (個人情報保護法第26条, 施行規則第7条・第8条), assessed separately."""

    report: Report  # "duty" | "none"
    items: tuple[int, ...]
    preliminary_due: tuple[date, date] | None
    final_due: date | None
    final_days: int | None
    notify_individuals: bool


@dataclass(frozen=True)
class Assessment:
    """The result of :func:`assess` for the My Number law, with the APPI result in ``appi``."""

    rule_pack: str
    known_on: date
    report: Report
    items: tuple[int, ...]
    reasons: tuple[Reason, ...]
    drivers: tuple[str, ...]
    preliminary_due: tuple[date, date] | None
    final_due: date | None
    final_days: int | None
    notify_individuals: bool
    appi: AppiResult
    in_force: bool = field(default=True)  # False: known before the pack took effect


@dataclass(frozen=True)
class _LawOutcome:
    report: Report
    items: tuple[int, ...]
    reasons: tuple[Reason, ...]
    preliminary_due: tuple[date, date] | None
    final_due: date | None
    final_days: int | None


def _status(value: str) -> str | None:
    return value if value in ("yes", "unknown") else None


def _item(rules: LawRules, item: FactItem | CountItem, facts: AssessmentInput) -> list[Reason] | None:
    """The reasons why ``item`` applies, or None when it does not."""
    law, no = rules.law, item.no
    leak = _status(getattr(facts, rules.leaked))
    if isinstance(item, FactItem):
        status = _status(getattr(facts, item.fact))
        if status is None or (item.needs_leak and leak is None):
            return None
        return [Reason(law, no, f"assess.reason.{law}.{item.text or no}.{status}")]
    grounds = [b for b in item.bases if _status(getattr(facts, b)) is not None]
    if leak is None and not grounds:
        return None
    upper = facts.people_upper
    limit = (("limit", item.more_than),)
    if upper is None:
        reasons = [Reason(law, no, f"assess.reason.{law}.{no}.unknown", limit)]
    elif upper > item.more_than:
        status = "max_over" if facts.count_uncertain else "over"
        reasons = [Reason(law, no, f"assess.reason.{law}.{no}.{status}", (*limit, ("count", upper)))]
    else:
        return None
    for basis in grounds:
        reasons.append(Reason(law, no, f"assess.reason.{law}.{no}.{basis}.{_status(getattr(facts, basis))}"))
    return reasons


def _lengthens(item: FactItem | CountItem, facts: AssessmentInput) -> int:
    """The longer 確報 period ``item`` gives: only when its fact is established, never on an unknown."""
    if isinstance(item, FactItem) and getattr(facts, item.fact) != "yes":
        return 0
    return item.final_days or 0


def _exclusion_reason(rules: LawRules, facts: AssessmentInput) -> Reason | None:
    """Why the excluding facts were not applied, when one of them is open or the key was not safe."""
    law = rules.law
    first, *rest = rules.excluded_by
    if getattr(facts, first) == "unknown":
        return Reason(law, None, f"assess.reason.{law}.excluded_unknown")
    if getattr(facts, first) != "yes":
        return None
    for name in rest:  # encrypted, but the means to decrypt was not (known to be) kept safe
        value = getattr(facts, name)
        if value != "yes":
            return Reason(law, None, f"assess.reason.{law}.excluded_{name}.{value}")
    return None


def _deadlines(rules: LawRules, known_on: date, days: int) -> tuple[tuple[date, date], date]:
    first, last = (day_n(known_on, n) for n in rules.preliminary_days)
    if rules.preliminary_rolls:
        first, last = roll_forward(first), roll_forward(last)
    final = day_n(known_on, days)
    return (first, last), roll_forward(final) if rules.final_rolls else final


def _law(rules: LawRules, facts: AssessmentInput) -> _LawOutcome:
    law = rules.law
    if all(getattr(facts, name) == "yes" for name in rules.excluded_by):
        reason = Reason(law, None, f"assess.reason.{law}.excluded")
        return _LawOutcome("none", (), (reason,), None, None, None)
    items: list[int] = []
    reasons: list[Reason] = []
    days = rules.final_days
    for item in rules.items:
        found = _item(rules, item, facts)
        if found is None:
            continue
        items.append(item.no)
        reasons.extend(found)
        days = max(days, _lengthens(item, facts))
    if not items:
        outside = [Reason(law, None, f"assess.reason.{law}.{rules.outside_items}")]
        if getattr(facts, rules.leaked) == "no":
            outside.append(Reason(law, None, f"assess.reason.{law}.no_leak"))
        return _LawOutcome(rules.outside_items, (), tuple(outside), None, None, None)
    excluded = _exclusion_reason(rules, facts)
    if excluded is not None:
        reasons.append(excluded)
    preliminary, final = _deadlines(rules, facts.known_on, days)
    return _LawOutcome("duty", tuple(items), tuple(reasons), preliminary, final, days)


def _evaluate(facts: AssessmentInput, pack: RulePack) -> tuple[_LawOutcome, _LawOutcome]:
    return _law(pack.mynumber, facts), _law(pack.appi, facts)


def _benign(facts: AssessmentInput, name: str, pack: RulePack) -> AssessmentInput:
    """``facts`` with the unknown ``name`` resolved the way that makes reporting least likely."""
    if name == "people":
        return replace(facts, people=0, people_max=None)
    excluding = (*pack.mynumber.excluded_by, *pack.appi.excluded_by)
    resolved: dict[str, Any] = {name: "no"}
    if name in excluding:  # the exclusion needs all its facts: resolve the open ones together
        resolved = {n: "yes" for n in excluding if n == name or getattr(facts, n) == "unknown"}
    return replace(facts, **resolved)


def _signature(outcomes: tuple[_LawOutcome, _LawOutcome]) -> tuple[object, ...]:
    return tuple((o.report, o.items, o.final_due) for o in outcomes)


def _drivers(facts: AssessmentInput, pack: RulePack, base: tuple[_LawOutcome, _LawOutcome]) -> list[str]:
    """The unknown facts whose answer could change the result."""
    unknown = [n for n in TRI_FACTS if getattr(facts, n) == "unknown"]
    if facts.count_uncertain:
        unknown.append("people")
    target = _signature(base)
    return [n for n in unknown if _signature(_evaluate(_benign(facts, n, pack), pack)) != target]


def assess(facts: AssessmentInput) -> Assessment:
    """Assess ``facts`` under the rule pack in force on ``facts.known_on``."""
    pack, in_force = pack_for(facts.known_on)
    mn, appi = _evaluate(facts, pack)
    reasons = list(mn.reasons) + list(appi.reasons)
    if not in_force:
        fields = (("effective_from", pack.effective_from.isoformat()),)
        reasons.insert(0, Reason("mynumber", None, "assess.reason.before_effective", fields))
    duty = mn.report == "duty"
    return Assessment(
        rule_pack=pack.id,
        known_on=facts.known_on,
        report=mn.report,
        items=mn.items,
        reasons=tuple(reasons),
        drivers=tuple(_drivers(facts, pack, (mn, appi))),
        preliminary_due=mn.preliminary_due,
        final_due=mn.final_due,
        final_days=mn.final_days,
        notify_individuals=duty,
        appi=AppiResult(
            report=appi.report,
            items=appi.items,
            preliminary_due=appi.preliminary_due,
            final_due=appi.final_due,
            final_days=appi.final_days,
            notify_individuals=appi.report == "duty",
        ),
        in_force=in_force,
    )
