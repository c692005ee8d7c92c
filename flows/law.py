"""The law's view of an incident: the assessment of its recorded facts (cached: it is pure) and the
fields the status card shows for it."""

from __future__ import annotations

from functools import lru_cache

from bot.core.i18n import t
from bot.core.model import Facts, Incident
from bot.core.views import Field
from flows.assessment import Assessment, assess
from flows.assessment import Facts as AssessmentFacts
from flows.assessment_facts import facts_for_assessment
from flows.common import Ctx


@lru_cache(maxsize=4096)
def _assess(facts: AssessmentFacts) -> Assessment:
    return assess(facts)  # pure and deterministic: the card, the timers and the audit share one result


def assessment(inc: Incident, ctx: Ctx) -> Assessment:
    return _assess(facts_for_assessment(inc, ctx.config))


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
    out.append(Field(t("law.notify", lang), t("law.notify_yes" if a.notify_individuals else "law.notify_no", lang)))
    appi_items = "、".join(t("law.appi_item", lang, n=n) for n in a.appi.items) or "-"
    out.append(Field(t("law.appi", lang), t(f"law.appi.{a.appi.report}", lang, items=appi_items, due=a.appi.final_due or "-")))
    if a.drivers:
        out.append(Field(t("law.drivers", lang), "、".join(t(f"facts.{d}", lang) for d in a.drivers if d not in ("people", "people_max"))
                         or t("facts.people", lang)))  # fmt: skip
    return tuple(out)


def severity(f: Facts) -> str:
    """How loud the page is: high for wrongful purpose, exposure online or more than 100 people."""
    biggest = max(f.people or 0, f.people_max or 0)
    if f.wrongful_purpose == "yes" or f.exposed_online == "yes" or biggest > 100:
        return "high"
    if f.encrypted == "yes":
        return "low"
    return "medium"
