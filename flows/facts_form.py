"""The facts form responders edit after the report, and what the law makes of them.

The form asks the facts of the fact table (:data:`bot.core.facts.FACTS`) marked for it.

The assessment (``flows.assessment``) is re-run on every edit; its result is shown on the status
card, recorded in the audit trail, and its deadlines drive reminders: the 速報 target, and the 確報
deadline two days before, the day before and on the day — with a page up the chain on the day if the
report item (the checklist item tagged ``role: report_submission``) is still open.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from bot.core.effects import Audit, CancelTimers, Effect, Notify, OpenForm, Post, RejectForm, StartTimer, Update
from bot.core.events import ButtonPressed, FormSubmitted, TimerFired
from bot.core.facts import FACTS_FORM, in_form
from bot.core.i18n import join, t
from bot.core.model import REPORT_SUBMISSION, Incident
from bot.core.views import Form, mention
from flows.calendar import previous_open_day, roll_forward
from flows.cards import incident_card, note, page_card
from flows.common import Ctx, guard, item_for, say
from flows.forms import ask, pick
from flows.forms import counts as parse_counts
from flows.law import assessment, severity

FORM_ID = FACTS_FORM
KIND = "deadline"
AT_NINE = time(9, 0)
ASKED = in_form(FORM_ID)  # the facts this form asks, in order (bot.core.facts.FACTS)
assert {f.kind for f in ASKED} <= {"count", "tri", "choice"}, "submit() reads counts and choices only"


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
    """A deadline reminder in the thread; on the deadline day (``final-0``, and only then) a page to the
    chain as well. The report item (tagged ``report_submission``) done or not applicable ends them, and
    its owner is the one mentioned. A template without that role gives the bot nothing that says the
    report was filed: every reminder is then posted, mentioning the chain, and the chain is still paged
    on the deadline day — only closing the incident (or a facts edit that removes the duty) stops them."""
    item = item_for(inc, REPORT_SUBMISSION, ctx.config)
    a = assessment(inc, ctx)
    if inc.status != "open" or a.report != "duty" or a.final_due is None or (item is not None and item.state != "open"):
        return inc, []
    lang = inc.lang
    who = mention(item.owner) if item and item.owner else join((mention(u) for u in inc.escalation.members()[:5]), lang)
    sfx = "" if item is not None else "_noitem"  # no report item: the texts say the bot cannot tell
    if event.key == "prelim" and a.preliminary_due:
        first, last = a.preliminary_due
        text = t("law.remind_prelim" + sfx, lang, first=first.isoformat(), last=last.isoformat(), who=who)
    else:
        days = (a.final_due - ctx.now.astimezone(ctx.config.tz).date()).days
        today = event.key == "final-0" or days <= 0
        key = "law.remind_final_today" if today else "law.remind_final"
        text = t(key + sfx, lang, due=a.final_due.isoformat(), n=max(days, 0), who=who)
    effects: list[Effect] = [Post(note(text, "danger" if event.key == "final-0" else "warning"), thread_of="card")]
    if event.key == "final-0":  # the day itself and still open: page up the chain
        card = page_card(inc, ctx, 0)
        card = replace(card, text=t("law.page_deadline" + sfx, lang, due=a.final_due.isoformat()))
        people = inc.escalation.members()
        effects += [Notify(u, card, f"deadline:{a.final_due.isoformat()}:{i}") for i, u in enumerate(people)]
        effects.append(Audit("deadline.paged", {"final_due": a.final_due.isoformat(), "people": [u.key for u in people]}))
    return inc, effects


def form(inc: Incident, ctx: Ctx, values: dict[str, object] | None = None, errors: dict[str, str] | None = None) -> Form:
    """The facts form, filled in with the record (or with ``values`` when shown back with ``errors``)."""
    lang, v = ctx.lang, values or {}

    def init(name: str) -> str:
        got = v.get(name, getattr(inc.facts, name))
        return "" if got is None else str(got)

    inputs = tuple(ask(f, lang, init(f.name)) for f in ASKED)
    return Form(
        FORM_ID, t("law.form_title", lang, id=inc.id), t("form.save", lang), inputs, inc.id, t("law.form_intro", lang), errors or {}
    )


def edit(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx, "perm.facts")) is not None:
        return inc, list(refusal)
    return inc, [OpenForm(event.actor, event.trigger or "", form(inc, ctx), event.place)]


def submit(inc: Incident, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if (refusal := guard(inc, event, ctx, "perm.facts")) is not None:
        return inc, list(refusal)
    shown, counts, errors, masked = parse_counts(event.values, ctx.lang)
    picked = {f.name: pick(event.values, f.name, f.choices, errors, ctx.lang) or f.default for f in ASKED if f.kind != "count"}
    clean: dict[str, object] = {**shown, **picked}
    if errors:  # a count with a My Number in it is never a count: shown back masked, and the person told
        told = [say(event.actor, "intake.masked_not_saved", ctx, event.place, n=masked)] if masked else []
        return inc, [*told, RejectForm(form(inc, ctx, clean, errors))]
    changes: dict[str, Any] = {f.name: counts[f.name] for f in ASKED if f.kind == "count"} | picked
    facts = replace(inc.facts, **changes)
    if facts == inc.facts:
        return inc, [say(event.actor, "law.unchanged", ctx, event.place)]
    new = replace(inc, facts=facts, severity=severity(facts))
    a = assessment(new, ctx)
    lang = inc.lang
    summary = t(f"law.report.{a.report}", lang, items=join((t("law.item", lang, n=n) for n in a.items), lang) or "-")
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
