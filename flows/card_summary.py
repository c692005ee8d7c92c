"""The status card's header: the few fields that say where an incident stands — its status (written
by ``flows.cards``), the report duty per law, the next deadline still open and who is being paged.
Adapters render ``Card.summary`` first and prominently; the full detail stays in ``Card.fields``."""

from __future__ import annotations

from datetime import date

from bot.core.i18n import join, t
from bot.core.model import Incident
from bot.core.views import Field
from flows.common import Ctx, people
from flows.law import assessment
from flows.submissions import duties, filed


def duty_field(inc: Incident, ctx: Ctx) -> Field:
    """報告義務: per law, whether a report is owed (its article items are in the detail below)."""
    lang, a = inc.lang, assessment(inc, ctx)
    parts = [
        t("cardux.duty_part", lang, law=t(f"lifecycle.law.{law}", lang), duty=t(f"cardux.duty.{report}", lang))
        for law, report in (("mynumber", a.report), ("appi", a.appi.report))
        if report != "none"
    ]
    return Field(t("cardux.duty", lang), join(parts, lang) if parts else t("cardux.duty.none_at_all", lang))


def next_deadline(inc: Incident, ctx: Ctx) -> tuple[date, str, str] | None:
    """The earliest report deadline not yet met by a recorded submission: (day, kind, law). A 速報's
    deadline is the last day of its window."""
    due: list[tuple[date, str, str]] = []
    for d in duties(assessment(inc, ctx), inc):
        if d.preliminary_due and not filed(inc, d.law, "prelim"):
            due.append((d.preliminary_due[1], "prelim", d.law))
        if not filed(inc, d.law, "final"):
            due.append((d.final_due, "final", d.law))
    # on the same day: the 速報 first, the My Number law first (duties() lists it first)
    return min(due, key=lambda x: (x[0], x[1] != "prelim")) if due else None


def deadline_field(inc: Incident, ctx: Ctx) -> Field:
    lang, nxt = inc.lang, next_deadline(inc, ctx)
    if nxt is None:
        return Field(t("cardux.next_deadline", lang), t("cardux.no_deadline", lang))
    day, kind, law = nxt
    value = t(
        "cardux.deadline_value",
        lang,
        kind=t(f"lifecycle.kind.{kind}", lang),
        law=t(f"lifecycle.law.{law}", lang),
        due=day.isoformat(),
    )
    return Field(t("cardux.next_deadline", lang), value)


def paged_field(inc: Incident, ctx: Ctx) -> tuple[Field, ...]:
    """Who is being paged right now and since when (only while the page waits for an answer)."""
    esc, lang = inc.escalation, inc.lang
    if inc.status != "open" or esc.status != "paging" or not esc.chain or esc.paged_at is None:
        return ()
    paged = esc.chain[min(esc.step, len(esc.chain) - 1)].people
    names = people(paged, lang)
    return (Field(t("cardux.paged", lang), t("cardux.paged_value", lang, names=names, since=ctx.hm(esc.paged_at))),)
