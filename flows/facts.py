"""The facts responders edit after the report, and what the law makes of them.

The assessment (``flows.assessment``) is re-run on every edit; its result is shown on the status
card, recorded in the audit trail, and its deadlines drive reminders: the 速報 target, and the 確報
deadline two days before, the day before and on the day — with a page up the chain on the day if the
report item is still open.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from functools import lru_cache

from bot.effects import Audit, CancelTimers, Effect, Notify, OpenForm, Post, RejectForm, StartTimer, Update
from bot.events import ButtonPressed, FormSubmitted, TimerFired
from bot.i18n import t
from bot.model import Incident
from bot.views import Card, Field, Form, Input, mention
from flows.assessment import Assessment, assess
from flows.assessment import Facts as AssessmentFacts
from flows.assessment_facts import facts_for_assessment
from flows.calendar import is_closed_day, roll_forward
from flows.cards import incident_card, note, page_card
from flows.common import Ctx, guard, say
from flows.intake import TRI, _digits, _one, _options, severity

FORM_ID = "facts"
KIND = "deadline"
REPORT_ITEM = "6.2"  # 「必要な場合は速報・確報を提出する」
FIELDS = ("encrypted", "exposed_online", "wrongful_purpose", "outsourcee", "government_system", "misuse_art9",
          "provision_art19", "sensitive_data", "financial_harm")  # fmt: skip
AT_NINE = time(9, 0)


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


def previous_open_day(d: date) -> date:
    """The last working day before ``d`` (reminders are not sent on weekends and holidays)."""
    d = date.fromordinal(d.toordinal() - 1)
    while is_closed_day(d):
        d = date.fromordinal(d.toordinal() - 1)
    return d


def _at_nine(d: date, ctx: Ctx) -> datetime:
    return datetime.combine(d, AT_NINE, ctx.config.tz)


def deadline_timers(inc: Incident, ctx: Ctx) -> list[Effect]:
    """(Re-)arm the deadline reminders for the current assessment."""
    a = assessment(inc, ctx)
    effects: list[Effect] = [CancelTimers((KIND,))]
    if inc.status != "open" or a.report != "duty" or a.final_due is None:
        return effects
    plan = []
    if a.preliminary_due:
        first, last = a.preliminary_due
        in_window = roll_forward(first)
        plan.append(("prelim", in_window if in_window <= last else previous_open_day(first)))
    before_1 = previous_open_day(a.final_due)
    plan += [("final-2", previous_open_day(before_1)), ("final-1", before_1), ("final-0", a.final_due)]
    for key, day in plan:
        due = _at_nine(day, ctx)
        if due > ctx.now:
            effects.append(StartTimer(KIND, key, due, {"final_due": a.final_due.isoformat()}))
    return effects


def on_timer(inc: Incident, event: TimerFired, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    item = inc.item(REPORT_ITEM)
    a = assessment(inc, ctx)
    if inc.status != "open" or a.report != "duty" or a.final_due is None or (item is not None and item.state != "open"):
        return inc, []
    lang = inc.lang
    who = mention(item.owner) if item and item.owner else "、".join(mention(u) for u in inc.escalation.members()[:5])
    if event.key == "prelim" and a.preliminary_due:
        text = t("law.remind_prelim", lang, first=a.preliminary_due[0].isoformat(), last=a.preliminary_due[1].isoformat(), who=who)
    else:
        days = (a.final_due - ctx.now.astimezone(ctx.config.tz).date()).days
        today = event.key == "final-0" or days <= 0
        text = t("law.remind_final_today" if today else "law.remind_final", lang, due=a.final_due.isoformat(), n=max(days, 0), who=who)
    effects: list[Effect] = [Post(note(text, "danger" if event.key == "final-0" else "warning"), thread_of="card")]
    if event.key == "final-0":  # the day itself and still open: page up the chain
        card = page_card(inc, ctx, 0)
        card = replace(card, text=t("law.page_deadline", lang, due=a.final_due.isoformat()))
        people = inc.escalation.members()
        effects += [Notify(u, card, f"deadline:{a.final_due.isoformat()}:{i}") for i, u in enumerate(people)]
        effects.append(Audit("deadline.paged", {"final_due": a.final_due.isoformat(), "people": [u.key for u in people]}))
    return inc, effects


def facts_form(inc: Incident, ctx: Ctx, values: dict[str, object] | None = None, errors: dict[str, str] | None = None) -> Form:
    lang, f = ctx.lang, inc.facts
    v = values or {}

    def init(name: str, current: object) -> str:
        got = v.get(name, current)
        return "" if got is None else str(got)

    tri = _options("tri", TRI, lang)
    inputs = (
        Input("people", t("facts.people", lang), "number", initial=init("people", f.people)),
        Input("people_max", t("facts.people_max", lang), "number", initial=init("people_max", f.people_max)),
        *(Input(name, t(f"facts.{name}", lang), "select", True, tri, init(name, getattr(f, name))) for name in FIELDS),
    )
    return Form(
        FORM_ID, t("law.form_title", lang, id=inc.id), t("form.save", lang), inputs, inc.id, t("law.form_intro", lang), errors or {}
    )


def edit(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    return inc, [OpenForm(event.actor, event.trigger or "", facts_form(inc, ctx), event.place)]


def submit(inc: Incident, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    counts: dict[str, int | None] = {}
    for name in ("people", "people_max"):
        raw = _digits(_one(event.values, name))[:12]
        clean[name], counts[name] = (raw if raw.isdigit() else ""), (int(raw) if raw.isdigit() else None)
        if raw and not raw.isdigit():
            errors[name] = t("form.err_count", ctx.lang)
    if counts["people"] is not None and counts["people_max"] is not None and counts["people_max"] < counts["people"]:
        errors["people_max"] = t("form.err_max_below", ctx.lang)
    picked = {}
    for name in FIELDS:
        got = _one(event.values, name) or "unknown"
        picked[name] = clean[name] = got if got in TRI else "unknown"
        if got not in TRI:
            errors[name] = t("form.err_choice", ctx.lang)
    if errors:
        return inc, [RejectForm(facts_form(inc, ctx, clean, errors))]
    facts = replace(inc.facts, people=counts["people"], people_max=counts["people_max"], **picked)
    if facts == inc.facts:
        return inc, [say(event.actor, "law.unchanged", ctx, event.place)]
    new = replace(inc, facts=facts, severity=severity(facts))  # type: ignore[arg-type]
    a = assessment(new, ctx)
    lang = inc.lang
    summary = t(f"law.report.{a.report}", lang, items="、".join(t("law.item", lang, n=n) for n in a.items) or "-")
    text = t("law.updated_thread", lang, name=actor.name or actor.key, summary=summary)
    if a.final_due:
        text += "\n" + t("law.final_value", lang, due=a.final_due.isoformat(), days=a.final_days)
    effects: list[Effect] = [
        Update("card", incident_card(new, ctx)),
        Post(note(text, "info"), thread_of="card"),
        Audit(
            "facts.updated",
            {
                "rule_pack": a.rule_pack,
                "report": a.report,
                "items": list(a.items),
                "final_due": a.final_due.isoformat() if a.final_due else None,
                "appi": a.appi.report,
            },
        ),  # fmt: skip
    ]
    return new, effects + deadline_timers(new, ctx)


def law_card(inc: Incident, ctx: Ctx) -> Card:
    return Card(title=t("law.title", inc.lang, id=inc.id), fields=assessment_fields(inc, ctx), footer=t("law.disclaimer", inc.lang))
