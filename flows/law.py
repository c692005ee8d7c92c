"""The law's view of an incident: the assessment's input read from its recorded facts, the
assessment (cached: it is pure) and the fields the status card shows for it.

What the report form and the facts form recorded is carried over; anything not yet known stays
"unknown", which the engine treats as a possibility (おそれ). The day of knowing is the discovery date
in the organisation's time zone (the creation date when no discovery time was recorded).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from bot.core.config import OrgConfig
from bot.core.facts import Fact
from bot.core.i18n import join, t
from bot.core.model import Facts, Incident, Severity
from bot.core.views import Field
from flows import outsourcee_view
from flows.assessment import INPUT_FACTS, RULE_PACKS, Assessment, AssessmentInput, assess, no_leak_grounds
from flows.assessment.rulepack import CountItem
from flows.common import Ctx
from flows.outsourcing import released
from flows.submissions import notice_laws


def known_on(incident: Incident, tz: tzinfo) -> date:
    """The day the organisation knew: the discovery date in ``tz`` (else the day it was reported)."""
    when = incident.facts.discovered_at or incident.created_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(tz).date()


def assessment_input(incident: Incident, config: OrgConfig) -> AssessmentInput:
    """The engine's input for ``incident``: every recorded fact a law reads (unasked facts are unknown)."""
    recorded = {f.name: _valid(f, getattr(incident.facts, f.name)) for f in INPUT_FACTS if f.recorded}
    people = recorded["people"]
    # an inconsistent record: keep the firm count, drop what contradicts it (the APPI count then
    # falls back to the My Number count, which it includes)
    for low, high in (("people", "people_max"), ("appi_people", "appi_people_max")):
        if recorded[low] is not None and recorded[high] is not None and recorded[high] < recorded[low]:  # type: ignore[operator]
            recorded[high] = None
    for name in ("appi_people", "appi_people_max"):
        if people is not None and recorded[name] is not None and recorded[name] < people:  # type: ignore[operator]
            recorded[name] = None
    return AssessmentInput(known_on=known_on(incident, config.tz), **recorded)  # type: ignore[arg-type]


def _valid(f: Fact, value: object) -> object:
    """``value`` if the engine can read it as the fact ``f``, else its default (unknown)."""
    if f.kind == "count":
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
    if f.kind in ("tri", "choice"):
        return value if value in f.choices else f.default
    if f.kind == "date":
        return value if isinstance(value, date) and not isinstance(value, datetime) else None
    raise ValueError(f"the assessment cannot read a recorded {f.kind} fact")


@lru_cache(maxsize=4096)
def _assess(facts: AssessmentInput) -> Assessment:
    return assess(facts)  # pure and deterministic: the card, the timers and the audit share one result


def assessment(inc: Incident, ctx: Ctx) -> Assessment:
    return _assess(assessment_input(inc, ctx.config))


def assessment_fields(inc: Incident, ctx: Ctx) -> tuple[Field, ...]:
    """The legal position in a few fields for the status card (details: `mynaleak assess`)."""
    lang, a = inc.lang, assessment(inc, ctx)
    items = join((t("law.item", lang, n=n) for n in a.items), lang) or "-"
    out = [Field(t("law.report", lang), t(f"law.report.{a.report}", lang, items=items))]
    if a.preliminary_due:
        out.append(
            Field(
                t("law.preliminary", lang),
                t("law.window", lang, first=a.preliminary_due[0].isoformat(), last=a.preliminary_due[1].isoformat()),
            )
        )
    if a.final_due:
        out.append(Field(t("law.final", lang), t("law.final_value", lang, due=a.final_due.isoformat(), days=a.final_days)))
    if a.day_one is not None and a.day_one != a.known_on:  # principal's notice earlier, or the count rose later
        out.append(Field(t("law.day_one", lang), a.day_one.isoformat()))
    out += outsourcee_view.fields(inc, a)  # as outsourcee: the notice to the principal, due or given
    laws = notice_laws(a, inc)  # due whenever EITHER law has a duty (none once the principal is notified)
    basis = t("lifecycle.and", lang).join(t(f"lifecycle.notice_basis.{law}", lang) for law in laws)
    notify = t("lifecycle.notify_yes", lang, basis=basis) if laws else t("law.notify_no", lang)
    out.append(Field(t("law.notify", lang), t("outsourcee.card.released_notify", lang) if released(inc) else notify))
    appi_items = join((t("law.appi_item", lang, n=n) for n in a.appi.items), lang) or "-"
    out.append(Field(t("law.appi", lang), t(f"law.appi.{a.appi.report}", lang, items=appi_items, due=a.appi.final_due or "-")))
    if a.drivers:
        out.append(Field(t("law.drivers", lang), join((t(f"assess.fact.{d}", lang) for d in a.drivers), lang)))
    return tuple(out)


def _upper(f: Facts, counts: tuple[str, ...]) -> int | None:
    known = [n for c in counts for n in (getattr(f, c), getattr(f, f"{c}_max")) if isinstance(n, int)]
    return max(known) if known else None


def record_rises(old: Facts, new: Facts, today: date) -> Facts:
    """``new`` with the day a count first rose past its item's threshold (別添２ 3A(4): the item applies
    from that moment, so its clock starts then) recorded as ``today`` — when a facts update raises a
    count that was known and not over the threshold. An unknown count already counted as possible
    from day 1; a day once recorded stays."""
    for rules in (RULE_PACKS[-1].mynumber, RULE_PACKS[-1].appi):
        for item in rules.items:
            if not isinstance(item, CountItem) or not item.rose_on or getattr(new, item.rose_on) is not None:
                continue
            before, after = _upper(old, item.counts), _upper(new, item.counts)
            if before is not None and before <= item.more_than and after is not None and after > item.more_than:
                rose: dict[str, Any] = {item.rose_on: today}
                new = replace(new, **rose)
    return new


def severity(f: Facts) -> Severity:
    """How loud the page is, in agreement with the engine's exclusions (the newest rule pack): low when
    the data is out of every item — strongly encrypted with the means to decrypt kept safe (Q&A 17-14),
    an unknown key not counting — or when there was no 漏えい等事案 at all; high for a wrongful purpose,
    exposure online, more than 100 people with My Number data or more than 1,000 in all; else medium."""
    rules = RULE_PACKS[-1].mynumber
    if all(getattr(f, name) == "yes" for name in rules.excluded_by):
        return "low"
    if getattr(f, rules.leaked) == "no" and all(getattr(f, name) == "no" for name in no_leak_grounds(rules)):
        return "low"
    biggest = max(f.people or 0, f.people_max or 0)
    everyone = max(biggest, f.appi_people or 0, f.appi_people_max or 0)
    if f.wrongful_purpose == "yes" or f.exposed_online == "yes" or biggest > 100 or everyone > 1000:
        return "high"
    return "medium"
