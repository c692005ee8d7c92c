"""The notice to individuals: a recorded decision to defer it, or to take substitute measures.

The notice is due whenever either law has a report duty (番号法第29条の4第2項, 個人情報保護法第26条
第2項; ``flows.submissions.notice_laws``). It may wait while notice would widen the harm — the
decision and its reason are recorded, and a reminder to revisit comes on the chosen day (then weekly,
on working days, while the deferral stands); where notice is impracticable, substitute measures
(公表, an inquiry desk) take its place. "Resume" ends a deferral: the notice is to be given now.
Giving the notice is the checklist item tagged ``individual_notice``; ticking it ends the reminders.
Every decision goes to the audit trail; the card shows the current one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from bot.core.effects import Audit, CancelTimers, Effect, OpenForm, Post, RejectForm, StartTimer, Update
from bot.core.events import ButtonPressed, FormSubmitted, TimerFired
from bot.core.i18n import join, t
from bot.core.model import INDIVIDUAL_NOTICE, Incident, NoticeDecision, UserRef
from bot.core.redaction import redact
from bot.core.views import Form, Input, Option, person, strip_tokens
from flows.calendar import roll_forward
from flows.cards import incident_card, note
from flows.common import Ctx, clean_text, guard, item_for, say
from flows.forms import first, pick
from flows.intake import parse_when
from flows.lifecycle_view import NOTICE_ACTION

FORM_ID = "notice_decision"
ACTION = NOTICE_ACTION
KIND, KEY = "notice", "revisit"
DECISIONS = ("defer", "substitute", "resume")
MEASURES = ("publication", "inquiry_desk")
TEXT_LIMIT = 1000
AT_NINE = time(9, 0)


def form(inc: Incident, ctx: Ctx, values: Mapping[str, object] | None = None, errors: dict[str, str] | None = None) -> Form:
    lang, v = ctx.lang, values or {}
    d = inc.notice
    initial: dict[str, object] = {
        "decision": d.kind if d else "defer",
        "reason": d.reason if d else "",
        "revisit_on": d.revisit_on.isoformat() + "T09:00" if d and d.revisit_on else "",
        "measures": d.measures if d else (),
    }

    def init(name: str) -> str | tuple[str, ...]:
        got = v.get(name, initial[name])
        return tuple(got) if isinstance(got, list | tuple) else str(got)

    inputs = (
        Input(
            "decision",
            t("lifecycle.notice.decision", lang),
            "select",
            True,
            tuple(Option(k, t(f"lifecycle.notice.{k}", lang)) for k in DECISIONS),
            init("decision"),
        ),  # fmt: skip
        Input("reason", t("lifecycle.notice.reason", lang), "textarea", False, initial=init("reason"), max_length=TEXT_LIMIT),
        Input(
            "revisit_on",
            t("lifecycle.notice.revisit_on", lang),
            "datetime",
            False,
            initial=init("revisit_on"),
            hint=t("lifecycle.notice.revisit_hint", lang),
        ),  # fmt: skip
        Input(
            "measures",
            t("lifecycle.notice.measures", lang),
            "multiselect",
            False,
            tuple(Option(m, t(f"lifecycle.measure.{m}", lang)) for m in MEASURES),
            init("measures"),
        ),  # fmt: skip
    )
    title = t("lifecycle.notice.title", lang, id=inc.id)
    return Form(FORM_ID, title, t("form.save", lang), inputs, inc.id, t("lifecycle.notice.intro", lang), errors or {})


def open_form(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx, "lifecycle.perm_notice")) is not None:
        return inc, list(refusal)
    return inc, [OpenForm(event.actor, event.trigger or "", form(inc, ctx), event.place)]


def _check(values: Mapping[str, object], by: UserRef, ctx: Ctx) -> tuple[NoticeDecision | None, dict[str, object], dict[str, str], int]:
    """(the decision — None for "resume" —, the values to show back, errors, My Numbers masked)."""
    lang = ctx.lang
    errors: dict[str, str] = {}
    kind = pick(values, "decision", DECISIONS, errors, lang)
    reason, masked = redact(strip_tokens(clean_text(first(values, "reason"))).strip())
    raw_on, n = redact(clean_text(first(values, "revisit_on")))
    raw_on, masked = raw_on.strip()[:64], masked + n
    got = values.get("measures", ())
    measures = tuple(dict.fromkeys(got if isinstance(got, list | tuple) else (x for x in str(got).split(",") if x)))
    clean: dict[str, object] = {"decision": kind, "reason": reason[:TEXT_LIMIT], "revisit_on": raw_on, "measures": measures}
    if len(reason) > TEXT_LIMIT:
        errors["reason"] = t("form.err_too_long", lang, n=TEXT_LIMIT)
    elif kind in ("defer", "substitute") and not reason:
        errors["reason"] = t("lifecycle.notice.err_reason", lang)
    if any(m not in MEASURES for m in measures):
        errors["measures"] = t("form.err_choice", lang)
    elif kind == "substitute" and not measures:
        errors["measures"] = t("lifecycle.notice.err_measures", lang)
    revisit: date | None = None
    if kind == "defer":
        when = parse_when(raw_on, ctx) if raw_on else None
        revisit = when.astimezone(ctx.config.tz).date() if when else None
        if not raw_on:
            errors["revisit_on"] = t("lifecycle.notice.err_revisit", lang)
        elif revisit is None:
            errors["revisit_on"] = t("form.err_datetime", lang)
        elif revisit <= ctx.now.astimezone(ctx.config.tz).date():
            errors["revisit_on"] = t("lifecycle.notice.err_revisit_past", lang)
    if errors or kind == "resume":
        return None, clean, errors, masked
    kept = measures if kind == "substitute" else ()
    return NoticeDecision(kind, reason, by, ctx.now, revisit, kept), clean, {}, masked


def _revisit_at(d: date, ctx: Ctx) -> datetime:
    return datetime.combine(roll_forward(d), AT_NINE, ctx.config.tz)


def submit(inc: Incident, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if (refusal := guard(inc, event, ctx, "lifecycle.perm_notice")) is not None:
        return inc, list(refusal)
    decision, clean, errors, masked = _check(event.values, actor, ctx)
    told: list[Effect] = [say(event.actor, "intake.masked", ctx, event.place, n=masked)] if masked else []
    if errors:
        return inc, [*told, RejectForm(form(inc, ctx, clean, errors))]
    if decision is None and inc.notice is None:  # resume with nothing deferred: nothing to record
        return inc, [*told, say(event.actor, "lifecycle.notice.nothing_to_resume", ctx, event.place)]
    new = replace(inc, notice=decision)
    kind = decision.kind if decision else "resume"
    detail: dict[str, object] = {"decision": kind, "reason": decision.reason if decision else "", "by": actor.key}
    if decision and decision.revisit_on:
        detail["revisit_on"] = decision.revisit_on.isoformat()
    if decision and decision.measures:
        detail["measures"] = list(decision.measures)
    lang = inc.lang
    text = t(f"lifecycle.notice.thread_{kind}", lang, name=person(actor), reason=detail["reason"],
             on=detail.get("revisit_on", "-"), measures=_measures(decision.measures if decision else (), lang))  # fmt: skip
    effects: list[Effect] = [
        Audit("notice.decided", detail),
        CancelTimers((KIND,)),
        Update("card", incident_card(new, ctx)),
        Post(note(text, "info"), thread_of="card"),
        *told,
    ]
    if decision and decision.revisit_on:
        effects.append(StartTimer(KIND, KEY, _revisit_at(decision.revisit_on, ctx)))
    return new, effects


def _measures(measures: tuple[str, ...], lang: str) -> str:
    return join((t(f"lifecycle.measure.{m}", lang) for m in measures), lang) or "-"


def on_timer(inc: Incident, event: TimerFired, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """The reminder to revisit a deferral: while it stands and the notice is not given, weekly."""
    d = inc.notice
    item = item_for(inc, INDIVIDUAL_NOTICE, ctx.config)
    if inc.status != "open" or d is None or d.kind != "defer" or (item is not None and item.state != "open"):
        return inc, []
    text = t("lifecycle.notice.revisit", inc.lang, who=person(d.by), reason=d.reason, on=d.revisit_on.isoformat() if d.revisit_on else "-")
    today = ctx.now.astimezone(ctx.config.tz).date()
    return inc, [Post(note(text, "warning"), thread_of="card"), StartTimer(KIND, KEY, _revisit_at(today + timedelta(days=7), ctx))]
