"""The facts form responders edit after the report, and what the law makes of them.

The form asks the facts of the fact table (:data:`bot.core.facts.FACTS`) marked for it.

The assessment (``flows.assessment``) is re-run on every edit; its result is shown on the status
card, recorded in the audit trail, and its deadlines drive the reminders of every law with a duty
(``flows.deadlines``: chased until the submissions are on record).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.effects import Audit, Effect, OpenForm, Post, RejectForm, Update
from bot.core.events import ButtonPressed, FormSubmitted
from bot.core.facts import FACTS_FORM, in_form
from bot.core.i18n import join, t
from bot.core.model import Incident
from bot.core.redaction import clean_text, redact
from bot.core.views import Form, person
from flows.cards import incident_card, note
from flows.common import Ctx, guard, say
from flows.deadlines import KIND, deadline_timers, on_timer
from flows.forms import ask, first, parse_day, parse_when, pick, several, text_value
from flows.forms import counts as parse_counts
from flows.law import assessment, known_on, record_rises, severity

FORM_ID = FACTS_FORM
ASKED = in_form(FORM_ID)  # the facts this form asks, in order (bot.core.facts.FACTS)
__all__ = ["FORM_ID", "KIND", "deadline_timers", "edit", "form", "on_timer", "submit"]  # KIND, on_timer: flows.deadlines
assert {f.kind for f in ASKED} <= {"count", "tri", "choice", "multi", "datetime", "date", "text"}, "submit() reads these kinds only"
TEXT_LIMIT = 200  # a name (party_name)
TEXT_LIMITS = {"discovered_by": 500}  # who discovered it, and how


def form(inc: Incident, ctx: Ctx, values: dict[str, object] | None = None, errors: dict[str, str] | None = None) -> Form:
    """The facts form, filled in with the record (or with ``values`` when shown back with ``errors``)."""
    lang, v = ctx.lang, values or {}

    def init(name: str) -> str | tuple[str, ...]:
        if name in v:
            shown = v[name]
            return tuple(str(x) for x in shown) if isinstance(shown, tuple) else "" if shown is None else str(shown)
        got = getattr(inc.facts, name)
        if isinstance(got, tuple):  # event_kind
            return got
        if isinstance(got, datetime):  # as the report form shows it: local time, to the minute
            return got.astimezone(ctx.config.tz).strftime("%Y-%m-%dT%H:%M")
        return "" if got is None else got.isoformat() if isinstance(got, date) else str(got)

    inputs = tuple(ask(f, lang, init(f.name), hint=True) for f in ASKED)
    return Form(
        FORM_ID, t("law.form_title", lang, id=inc.id), t("form.save", lang), inputs, inc.id, t("law.form_intro", lang), errors or {}
    )


def edit(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx, "perm.facts")) is not None:
        return inc, list(refusal)
    return inc, [OpenForm(event.actor, event.trigger or "", form(inc, ctx), event.place)]


def _read(inc: Incident, values: dict[str, object], ctx: Ctx) -> tuple[dict[str, Any], dict[str, object], dict[str, str], int]:
    """The submitted facts form: (changes, values to show back, errors, how many My Numbers were masked)."""
    lang = ctx.lang
    shown, counts, errors, masked = parse_counts(values, lang)
    changes: dict[str, Any] = {f.name: counts[f.name] for f in ASKED if f.kind == "count"}
    changes |= {f.name: pick(values, f.name, f.choices, errors, lang) or f.default for f in ASKED if f.kind == "tri"}
    # an input the platform did not send at all keeps its recorded value (the form is pre-filled)
    kept = {f.name for f in ASKED if f.kind not in ("count", "tri") and f.name not in values}
    changes |= {f.name: pick(values, f.name, f.choices, errors, lang) for f in ASKED if f.kind == "choice" and f.name not in kept}
    clean: dict[str, object] = {**shown, **{k: v for k, v in changes.items() if k not in shown}}
    today = ctx.now.astimezone(ctx.config.tz).date()
    for f in ASKED:
        if f.kind in ("count", "tri", "choice") or f.name in kept:
            continue
        if f.kind == "multi":  # event_kind: any of the choices, none included
            clean[f.name] = changes[f.name] = several(values, f, errors, lang)
            continue
        if f.kind == "text":
            text, n = text_value(values, f.name)
            limit = TEXT_LIMITS.get(f.name, TEXT_LIMIT)
            masked += n
            clean[f.name] = changes[f.name] = text[:limit]
            if len(text) > limit:
                errors[f.name] = t("form.err_too_long", lang, n=limit)
            continue
        raw, n = redact(clean_text(first(values, f.name)))  # masked before it is cut: no half number left
        masked += n
        raw = raw.strip()[:64]
        clean[f.name] = raw
        if f.kind == "datetime":  # discovered_at: when any department first knew
            when = parse_when(raw, ctx.config.tz) if raw else None
            if raw and when is None:
                errors[f.name] = t("form.err_datetime", lang)
            elif when is not None and when > ctx.now + timedelta(minutes=5):
                errors[f.name] = t("form.err_future", lang)
            elif when is None and f.required:
                errors[f.name] = t("form.err_required", lang)
            changes[f.name] = when
        else:  # a date, e.g. principal_notified_on
            day = parse_day(raw) if raw else None
            if raw and day is None:
                errors[f.name] = t("form.err_date", lang)
            elif day is not None and day > today:
                errors[f.name] = t("form.err_future", lang)
            changes[f.name] = day
    if changes.get("leaked", inc.facts.leaked) == "no" and changes.get("event_kind", inc.facts.event_kind) and "event_kind" not in errors:
        errors["event_kind"] = t("form.err_event_kind_no_leak", lang)  # no 漏えい等 at all, yet one of them chosen
    occurred = changes.get("occurred_at", inc.facts.occurred_at)
    discovered = changes.get("discovered_at", inc.facts.discovered_at)
    if occurred and discovered and occurred > discovered and not {"occurred_at", "discovered_at"} & set(errors):
        errors["occurred_at"] = t("form.err_occurred_after", lang)
    return changes, clean, errors, masked


def submit(inc: Incident, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if (refusal := guard(inc, event, ctx, "perm.facts")) is not None:
        return inc, list(refusal)
    changes, clean, errors, masked = _read(inc, dict(event.values), ctx)
    if errors:  # a value with a My Number in it is shown back masked, and the person told
        told = [say(event.actor, "intake.masked_not_saved", ctx, event.place, n=masked)] if masked else []
        return inc, [*told, RejectForm(form(inc, ctx, clean, errors))]
    facts = replace(inc.facts, **changes)
    if facts == inc.facts:
        return inc, [say(event.actor, "law.unchanged", ctx, event.place)]
    facts = record_rises(inc.facts, facts, ctx.now.astimezone(ctx.config.tz).date())
    new = replace(inc, facts=facts, severity=severity(facts))
    a, before = assessment(new, ctx), known_on(inc, ctx.config.tz)
    lang = inc.lang
    summary = t(f"law.report.{a.report}", lang, items=join((t("law.item", lang, n=n) for n in a.items), lang) or "-")
    text = t("law.updated_thread", lang, name=person(actor), summary=summary)
    if a.known_on != before:  # the day of knowledge corrected (another department knew earlier)
        text += "\n" + t("law.updated_known_on", lang, old=before.isoformat(), new=a.known_on.isoformat())
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
                # which facts changed (names only: values are in the incident's state the entry covers)
                "changed": [f.name for f in ASKED if getattr(facts, f.name) != getattr(inc.facts, f.name)],
                "known_on": a.known_on.isoformat(),
                **({"known_on_was": before.isoformat()} if a.known_on != before else {}),
                **({"over_100_on": facts.over_100_on.isoformat()} if facts.over_100_on and not inc.facts.over_100_on else {}),
            },
        ),  # fmt: skip
    ]
    if masked:  # saved, with the numbers masked: say so to the person (privately), as the report form does
        effects.append(say(event.actor, "intake.masked", ctx, event.place, n=masked))
    return new, effects + deadline_timers(new, ctx)
