"""Recurrence-prevention measures (再発防止策) recorded on the prevention step: the 'Add a measure'
button opens a form (what, done or planned, the date); the measure is stored on the incident, shown on
the step's card and audited. The report's section 8 is made of these records, not of the checklist's
open questions (``flows.drafts.report``)."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date

from bot.core.effects import Audit, Effect, OpenForm, RejectForm, Update
from bot.core.events import ButtonPressed, FormSubmitted
from bot.core.i18n import t
from bot.core.model import Incident, Measure
from bot.core.redaction import redact
from bot.core.views import Form, Input, strip_tokens
from flows.cards import incident_card, step_card
from flows.common import Ctx, clean_text, guard, say
from flows.forms import first, options
from flows.measure_view import prevention_step

FORM_ID = "measure_add"
STATUSES = ("done", "planned")
TEXT_LIMIT = 1000
MAX_MEASURES = 50


def _form(inc: Incident, ctx: Ctx, values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Form:
    lang, values = ctx.lang, values or {}
    inputs = (
        Input("text", t("measure.text", lang), "textarea", True, initial=values.get("text", ""), hint=t("measure.text_hint", lang),
              max_length=TEXT_LIMIT),
        Input("status", t("measure.status", lang), "select", True, options("measure.status", STATUSES, lang), values.get("status", "")),
        Input("on", t("measure.date", lang), "text", False, initial=values.get("on", ""), hint=t("measure.date_hint", lang), max_length=10),
    )  # fmt: skip
    return Form(FORM_ID, t("measure.form_title", lang, id=inc.id), t("form.save", lang), inputs, context=inc.id, errors=errors or {})


def open_form(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    return inc, [OpenForm(event.actor, event.trigger or "", _form(inc, ctx), event.place)]


def parse_date(raw: str) -> date | None:
    """``2026-12-01``, ``2026/12/1`` or full-width digits; ValueError if it is not a date."""
    text = unicodedata.normalize("NFKC", raw).strip().replace("/", "-").replace(".", "-")
    if not text:
        return None
    y, m, d = (int(p) for p in text.split("-"))
    if not 2000 <= y <= 2100:
        raise ValueError(text)
    return date(y, m, d)


def submit(inc: Incident, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    text, masked = redact(strip_tokens(clean_text(first(event.values, "text"))).strip())
    status, raw_on = first(event.values, "status"), redact(first(event.values, "on"))[0][:10]
    errors: dict[str, str] = {}
    if not text or len(text) > TEXT_LIMIT:
        errors["text"] = t("form.err_too_long" if text else "form.err_required", ctx.lang, n=TEXT_LIMIT)
    if status not in STATUSES:
        errors["status"] = t("form.err_choice", ctx.lang)
    try:
        on = parse_date(raw_on)
    except ValueError:
        on, errors["on"] = None, t("measure.err_date", ctx.lang)
    if len(inc.measures) >= MAX_MEASURES:
        errors["text"] = t("measure.err_many", ctx.lang, n=MAX_MEASURES)
    effects: list[Effect] = [say(event.actor, "intake.masked", ctx, event.place, n=masked)] if masked else []
    if errors:
        values = {"text": text[:TEXT_LIMIT], "status": status if status in STATUSES else "", "on": raw_on}
        return inc, [*effects, RejectForm(_form(inc, ctx, values, errors))]
    actor = ctx.config.display(event.actor)
    measure = Measure(len(inc.measures) + 1, text, status, on, actor, ctx.now)  # type: ignore[arg-type]
    new = replace(inc, measures=(*inc.measures, measure))
    step = prevention_step(ctx.config)
    if step is not None:
        effects.append(Update(f"step:{step}", step_card(new, step, ctx)))
    effects += [
        Update("card", incident_card(new, ctx)),
        Audit("measure.added", {"measure": measure.id, "text": text, "status": status, "on": on.isoformat() if on else None}),
    ]
    return new, effects
