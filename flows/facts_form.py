"""The facts form responders edit after the report, and what the law makes of them.

The form asks the facts of the fact table (:data:`bot.core.facts.FACTS`) marked for it.

The assessment (``flows.assessment``) is re-run on every edit; its result is shown on the status
card, recorded in the audit trail, and its deadlines drive the reminders of every law with a duty
(``flows.deadlines``: chased until the submissions are on record).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.core.effects import Audit, Effect, OpenForm, Post, RejectForm, Update
from bot.core.events import ButtonPressed, FormSubmitted
from bot.core.facts import FACTS_FORM, in_form
from bot.core.i18n import t
from bot.core.model import Incident
from bot.core.views import Form
from flows.cards import incident_card, note
from flows.common import Ctx, guard, say
from flows.deadlines import KIND, deadline_timers, on_timer
from flows.forms import ask, pick
from flows.forms import counts as parse_counts
from flows.law import assessment, severity

FORM_ID = FACTS_FORM
ASKED = in_form(FORM_ID)  # the facts this form asks, in order (bot.core.facts.FACTS)
__all__ = ["FORM_ID", "KIND", "deadline_timers", "edit", "form", "on_timer", "submit"]  # KIND, on_timer: flows.deadlines
assert {f.kind for f in ASKED} <= {"count", "tri", "choice"}, "submit() reads counts and choices only"


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
    shown, counts, errors, _ = parse_counts(event.values, ctx.lang)
    picked = {f.name: pick(event.values, f.name, f.choices, errors, ctx.lang) or f.default for f in ASKED if f.kind != "count"}
    clean: dict[str, object] = {**shown, **picked}
    if errors:
        return inc, [RejectForm(form(inc, ctx, clean, errors))]
    changes: dict[str, Any] = {f.name: counts[f.name] for f in ASKED if f.kind == "count"} | picked
    facts = replace(inc.facts, **changes)
    if facts == inc.facts:
        return inc, [say(event.actor, "law.unchanged", ctx, event.place)]
    new = replace(inc, facts=facts, severity=severity(facts))
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
