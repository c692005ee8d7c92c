"""The law's view of an incident: the assessment's input read from its recorded facts, the
assessment (cached: it is pure) and the fields the status card shows for it.

What the report form and the facts form recorded is carried over; anything not yet known stays
"unknown", which the engine treats as a possibility (おそれ). The day of knowing is the discovery date
in the organisation's time zone (the creation date when no discovery time was recorded).
"""

from __future__ import annotations

from datetime import date, tzinfo
from functools import lru_cache

from bot.core.config import OrgConfig
from bot.core.facts import TRI
from bot.core.i18n import t
from bot.core.model import Facts, Incident, Severity
from bot.core.views import Field
from flows.assessment import INPUT_FACTS, Assessment, AssessmentInput, assess
from flows.common import Ctx
from flows.submissions import notice_laws


def known_on(incident: Incident, tz: tzinfo) -> date:
    """The day the organisation knew: the discovery date in ``tz`` (else the day it was reported)."""
    when = incident.facts.discovered_at or incident.created_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(tz).date()


def assessment_input(incident: Incident, config: OrgConfig) -> AssessmentInput:
    """The engine's input for ``incident``: every recorded fact a law reads (unasked facts are unknown)."""
    recorded = {f.name: _valid(f.kind, getattr(incident.facts, f.name)) for f in INPUT_FACTS if f.recorded}
    people, people_max = recorded["people"], recorded["people_max"]
    if people is not None and people_max is not None and people_max < people:  # type: ignore[operator]
        recorded["people_max"] = None  # inconsistent record: keep the firm count, drop the bound
    return AssessmentInput(known_on=known_on(incident, config.tz), **recorded)  # type: ignore[arg-type]


def _valid(kind: str, value: object) -> object:
    """``value`` if the engine can read it as a ``kind``, else unknown."""
    if kind == "count":
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
    if kind == "tri":
        return value if value in TRI else "unknown"
    raise ValueError(f"the assessment cannot read a recorded {kind} fact")


@lru_cache(maxsize=4096)
def _assess(facts: AssessmentInput) -> Assessment:
    return assess(facts)  # pure and deterministic: the card, the timers and the audit share one result


def assessment(inc: Incident, ctx: Ctx) -> Assessment:
    return _assess(assessment_input(inc, ctx.config))


def assessment_fields(inc: Incident, ctx: Ctx) -> tuple[Field, ...]:
    """The legal position in a few fields for the status card (details: `mynaleak assess`)."""
    lang, a = inc.lang, assessment(inc, ctx)
    items = "、".join(t("law.item", lang, n=n) for n in a.items) or "-"
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
    laws = notice_laws(a)  # due whenever EITHER law has a duty
    basis = t("lifecycle.and", lang).join(t(f"lifecycle.notice_basis.{law}", lang) for law in laws)
    out.append(Field(t("law.notify", lang), t("lifecycle.notify_yes", lang, basis=basis) if laws else t("law.notify_no", lang)))
    appi_items = "、".join(t("law.appi_item", lang, n=n) for n in a.appi.items) or "-"
    out.append(Field(t("law.appi", lang), t(f"law.appi.{a.appi.report}", lang, items=appi_items, due=a.appi.final_due or "-")))
    if a.drivers:
        out.append(Field(t("law.drivers", lang), "、".join(t(f"facts.{d}", lang) for d in a.drivers if d not in ("people", "people_max"))
                         or t("facts.people", lang)))  # fmt: skip
    return tuple(out)


def severity(f: Facts) -> Severity:
    """How loud the page is: high for wrongful purpose, exposure online or more than 100 people."""
    biggest = max(f.people or 0, f.people_max or 0)
    if f.wrongful_purpose == "yes" or f.exposed_online == "yes" or biggest > 100:
        return "high"
    if f.encrypted == "yes":
        return "low"
    return "medium"
