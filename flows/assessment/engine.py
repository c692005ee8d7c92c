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
* a count item uses the largest known of its counts and their maxima (別添２ 3A(4): "最大100人を超える
  場合"): the My Number items count the individuals with My Number data (``people``), the APPI item
  everyone whose personal data is affected (``appi_people``, those with My Numbers included; the
  same as ``people`` until known), and counts as possible when nothing is known;
* with no leak, no wrongful use or provision and no Art. 9/19 breach (all "no") there is no
  漏えい等事案 at all: the My Number result is "none", not the guideline's effort to report;
* days are counted with the day of knowing as day 1 (別添２ 3E); the 確報 deadline moves off a
  closed day (3E ※2), the 速報 guideline window does not (see docs/assess.md). As principal (委託元)
  the day the outsourcee's notice reached us is day 1 when it is earlier (別添２ 3F); a count item
  whose count rose past its threshold later starts its clock that day when no other item applies
  (別添２ 3A(4)); as outsourcee (委託先) the notice to the principal is due on days 3-5 (規則第4条).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from bot.core.facts import ASSESSED, ROLES, TRI, Fact, Tri, fact, names
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
    appi_people: int | None = None
    appi_people_max: int | None = None
    role: str = "self"
    principal_notified_on: date | None = None
    over_100_on: date | None = None
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
        for low, high in (("people", "people_max"), ("appi_people", "appi_people_max")):
            if getattr(self, low) is not None and getattr(self, high) is not None and getattr(self, high) < getattr(self, low):
                raise AssessmentInputError(high, "count_order", getattr(self, high))
        for name in ("appi_people", "appi_people_max"):  # everyone affected includes those with My Numbers
            value = getattr(self, name)
            if value is not None and self.people is not None and value < self.people:
                raise AssessmentInputError(name, "appi_below", value)
        for name in TRI_FACTS:
            if getattr(self, name) not in TRI:
                raise AssessmentInputError(name, "enum", getattr(self, name))
        if self.role not in ROLES:
            raise AssessmentInputError("role", "enum", self.role)
        for name in ("principal_notified_on", "over_100_on"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
                raise AssessmentInputError(name, "date", value)

    def upper(self, counts: tuple[str, ...] = ("people",)) -> int | None:
        """The most people who may be affected by the ``counts``, or None when nothing is known."""
        known = [n for c in counts for n in (getattr(self, c), getattr(self, f"{c}_max")) if n is not None]
        return max(known) if known else None

    def count_source(self, counts: tuple[str, ...] = ("people",)) -> str:
        """The count that decides: the first of ``counts`` with a value (the last when none has one)."""
        return next((c for c in counts if (getattr(self, c), getattr(self, f"{c}_max")) != (None, None)), counts[-1])

    def uncertain(self, counts: tuple[str, ...] = ("people",)) -> bool:
        """Is the deciding count open (unknown, or only a maximum above the known count)?"""
        c = self.count_source(counts)
        low, high = getattr(self, c), getattr(self, f"{c}_max")
        return low is None or (high is not None and high > low)

    @property
    def day_one(self) -> date:
        """Day 1 of the deadlines: the day of knowing, or — as principal (委託元) — the day the
        outsourcee's notice reached us when that is earlier (別添２ 3F)."""
        notified = self.principal_notified_on
        if self.role == "principal" and notified is not None and notified < self.known_on:
            return notified
        return self.known_on


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
    day_one: date | None = None  # day 1 of these deadlines (None: no duty)


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
    day_one: date | None = None  # day 1 of the My Number deadlines (None: no duty)
    notify_principal: bool = False  # as outsourcee with a duty: notify the principal (規則第4条)
    principal_notice_due: tuple[date, date] | None = None  # its target: days 3-5, not rolled


@dataclass(frozen=True)
class _LawOutcome:
    report: Report
    items: tuple[int, ...]
    reasons: tuple[Reason, ...]
    preliminary_due: tuple[date, date] | None
    final_due: date | None
    final_days: int | None
    day_one: date | None = None


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
    upper = facts.upper(item.counts)
    limit = (("limit", item.more_than),)
    if upper is None:
        reasons = [Reason(law, no, f"assess.reason.{law}.{no}.unknown", limit)]
    elif upper > item.more_than:
        status = "max_over" if facts.uncertain(item.counts) else "over"
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


def no_leak_grounds(rules: LawRules) -> tuple[str, ...]:
    """The facts that bring an item without a leak: use / provision (第2号ロ・ハ, 第4号ロ・ハ)."""
    found = [i.fact for i in rules.items if isinstance(i, FactItem) and not i.needs_leak]
    return tuple(found + [b for i in rules.items if isinstance(i, CountItem) for b in i.bases])


def _rose_on(rules: LawRules, applying: list[FactItem | CountItem], facts: AssessmentInput, day_one: date) -> CountItem | None:
    """The count item whose count rose past its threshold after ``day_one``, when it is the only item
    (別添２ 3A(4): it applies from that moment; any other item keeps the clock on day 1)."""
    if len(applying) != 1 or not isinstance(item := applying[0], CountItem) or not item.rose_on:
        return None
    rose = getattr(facts, item.rose_on)
    upper = facts.upper(item.counts)
    return item if rose is not None and rose > day_one and upper is not None and upper > item.more_than else None


def _law(rules: LawRules, facts: AssessmentInput) -> _LawOutcome:
    law = rules.law
    if all(getattr(facts, name) == "yes" for name in rules.excluded_by):
        reason = Reason(law, None, f"assess.reason.{law}.excluded")
        return _LawOutcome("none", (), (reason,), None, None, None)
    applying: list[FactItem | CountItem] = []
    reasons: list[Reason] = []
    days = rules.final_days
    for item in rules.items:
        found = _item(rules, item, facts)
        if found is None:
            continue
        applying.append(item)
        reasons.extend(found)
        days = max(days, _lengthens(item, facts))
    if not applying:
        no_leak = getattr(facts, rules.leaked) == "no"
        if no_leak and rules.outside_items != "none" and not any(_status(getattr(facts, g)) for g in no_leak_grounds(rules)):
            return _LawOutcome("none", (), (Reason(law, None, f"assess.reason.{law}.no_incident"),), None, None, None)
        outside = [Reason(law, None, f"assess.reason.{law}.{rules.outside_items}")]
        if no_leak:
            outside.append(Reason(law, None, f"assess.reason.{law}.no_leak"))
        return _LawOutcome(rules.outside_items, (), tuple(outside), None, None, None)
    excluded = _exclusion_reason(rules, facts)
    if excluded is not None:
        reasons.append(excluded)
    day_one = facts.day_one
    if (rose := _rose_on(rules, applying, facts, day_one)) is not None:
        day_one = getattr(facts, rose.rose_on)
        reasons.append(Reason(law, rose.no, f"assess.reason.{law}.{rose.no}.rose_on", (("date", day_one.isoformat()),)))
    preliminary, final = _deadlines(rules, day_one, days)
    return _LawOutcome("duty", tuple(i.no for i in applying), tuple(reasons), preliminary, final, days, day_one)


def _evaluate(facts: AssessmentInput, pack: RulePack) -> tuple[_LawOutcome, _LawOutcome]:
    return _law(pack.mynumber, facts), _law(pack.appi, facts)


def _benign(facts: AssessmentInput, name: str, pack: RulePack) -> AssessmentInput:
    """``facts`` with the unknown ``name`` resolved the way that makes reporting least likely."""
    if name == "people":
        return replace(facts, people=0, people_max=None)
    if name == "appi_people":  # no more people than those with My Numbers
        return replace(facts, appi_people=facts.people or 0, appi_people_max=None)
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
    for rules in (pack.mynumber, pack.appi):
        for item in rules.items:
            if isinstance(item, CountItem) and facts.uncertain(item.counts):
                unknown.append(facts.count_source(item.counts))
    unknown = list(dict.fromkeys(unknown))
    target = _signature(base)
    return [n for n in unknown if _signature(_evaluate(_benign(facts, n, pack), pack)) != target]


def _outsourcing(
    facts: AssessmentInput, pack: RulePack, mn: _LawOutcome, appi: _LawOutcome
) -> tuple[list[Reason], tuple[date, date] | None]:
    """The reasons about the outsourcing (委託) side, and the target of the notice to the principal."""
    reasons: list[Reason] = []
    # as principal, the outsourcee's notice came first (別添２ 3F) — said where it is a duty's day 1
    if facts.day_one != facts.known_on and facts.day_one in (mn.day_one, appi.day_one):
        reasons.append(Reason("mynumber", None, "assess.reason.principal_day_one", (("date", facts.day_one.isoformat()),)))
    duties = [o for o in (mn, appi) if o.report == "duty"]
    if facts.role != "outsourcee" or not duties:
        return reasons, None
    first, last = (day_n(facts.known_on, n).isoformat() for n in pack.principal_notice_days)
    for law, outcome in (("mynumber", mn), ("appi", appi)):
        if outcome.report == "duty":
            reasons.append(Reason(law, None, f"assess.reason.{law}.outsourcee", (("first", first), ("last", last))))
    due = tuple(day_n(facts.known_on, n) for n in pack.principal_notice_days)
    return reasons, (due[0], due[1])


def assess(facts: AssessmentInput) -> Assessment:
    """Assess ``facts`` under the rule pack in force on day 1 (``facts.day_one``)."""
    pack, in_force = pack_for(facts.day_one)
    mn, appi = _evaluate(facts, pack)
    outsourcing, principal_due = _outsourcing(facts, pack, mn, appi)
    reasons = list(mn.reasons) + list(appi.reasons) + outsourcing
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
            day_one=appi.day_one,
        ),
        in_force=in_force,
        day_one=mn.day_one,
        notify_principal=principal_due is not None,
        principal_notice_due=principal_due,
    )
