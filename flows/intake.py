"""`/mynaleak report` → the report form → a new incident.

Every text field is redacted (My Numbers masked) before anything is stored or shown back, and the
reporter is told when something was masked. Invalid input is shown back in the form with the errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.effects import Audit, Effect, Notify, OpenForm, Post, RejectForm, Reply
from bot.core.events import CommandInvoked, FormSubmitted
from bot.core.facts import REPORT_FORM, in_form
from bot.core.i18n import t
from bot.core.model import Facts, Incident, PageMark, PlaceRef
from bot.core.redaction import redact
from bot.core.views import Card, Form, Later, strip_tokens
from flows import away, coalesce, escalation, forms, reminders, templates
from flows.common import Ctx, State, clean_text
from flows.facts_form import deadline_timers
from flows.forms import ask, first, pick
from flows.forms import counts as parse_counts
from flows.law import assessment, severity

FORM_ID = REPORT_FORM
ASKED = in_form(FORM_ID)  # the facts the report form asks, in order (bot.core.facts.FACTS)
TEXT_LIMIT = 3000


def report_form(ctx: Ctx, values: Mapping[str, object] | None = None, errors: dict[str, str] | None = None) -> Form:
    """The report form; ``values`` (already redacted) pre-fill it when it is shown back."""
    lang, v = ctx.lang, values or {}

    now_local = ctx.now.astimezone(ctx.config.tz).strftime("%Y-%m-%dT%H:%M")
    defaults = {"discovered_at": now_local}  # the one initial value that is not constant

    def init(name: str, default: str | tuple[str, ...]) -> str | tuple[str, ...]:
        got = v.get(name, defaults.get(name, default))
        return tuple(got) if isinstance(got, list | tuple) else str(got)

    inputs = tuple(ask(f, lang, init(f.name, f.initial), hint=True) for f in ASKED)
    return Form(FORM_ID, t("form.report_title", lang), t("form.submit", lang), inputs, "", t("form.report_intro", lang), errors or {})


def open_report_form(event: CommandInvoked, ctx: Ctx) -> list[Effect]:
    """The report form; text after the verb (``report 鞄を紛失``, a message declared from Slack) pre-fills
    the summary, masked and cut to the summary's limit (the event's text is masked already)."""
    rest = event.text.strip().split(maxsplit=1)[1:]
    form = report_form(ctx)
    if rest and rest[0].strip():
        limit = next(i.max_length for i in form.inputs if i.name == "summary")
        form = report_form(ctx, {"summary": redact(rest[0].strip())[0][:limit]})
    return [OpenForm(event.actor, event.trigger or "", form, event.place)]


def parse_when(raw: str, ctx: Ctx) -> datetime | None:
    """ISO date-time (naive = the organisation's time zone); ``None`` if unreadable."""
    return forms.parse_when(raw, ctx.config.tz)


def validate(values: Mapping[str, object], ctx: Ctx) -> tuple[Facts | None, dict[str, object], dict[str, str], int]:
    """Parse a submitted report form: (facts or None, redacted values, errors, numbers masked)."""
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    masked = 0
    lang = ctx.lang
    texts = [f for f in ASKED if f.kind == "text"]  # summary, notes
    for f in texts:
        text, n = redact(strip_tokens(clean_text(first(values, f.name))))
        masked += n
        clean[f.name] = text.strip()
        if len(clean[f.name]) > TEXT_LIMIT:  # type: ignore[arg-type]
            errors[f.name] = t("form.err_too_long", lang, n=TEXT_LIMIT)
            clean[f.name] = clean[f.name][:TEXT_LIMIT]  # type: ignore[index]
    errors |= {f.name: t("form.err_required", lang) for f in texts if f.required and not clean[f.name]}
    times: dict[str, datetime | None] = {}
    for f in ASKED:
        if f.kind != "datetime":  # discovered_at, occurred_at
            continue
        raw, n = redact(clean_text(first(values, f.name)))  # masked before it is cut: no half number left
        raw = raw[:64]
        masked += n
        clean[f.name] = raw
        times[f.name] = parse_when(raw, ctx) if raw.strip() else None
        if raw.strip() and times[f.name] is None:
            errors[f.name] = t("form.err_datetime", lang)
        elif times[f.name] and times[f.name] > ctx.now + timedelta(minutes=5):  # type: ignore[operator]
            errors[f.name] = t("form.err_future", lang)
    for f in ASKED:
        if f.kind == "datetime" and f.required and f.name not in errors and times[f.name] is None:
            errors[f.name] = t("form.err_required", lang)
    occ, disc = times["occurred_at"], times["discovered_at"]
    if occ and disc and occ > disc and "occurred_at" not in errors:
        errors["occurred_at"] = t("form.err_occurred_after", lang)
    shown, counts, count_errors, n = parse_counts(values, lang)
    clean |= shown
    errors |= count_errors
    masked += n
    picked = {f.name: pick(values, f.name, f.choices, errors, lang) for f in ASKED if f.kind in ("choice", "tri")}
    clean |= picked
    several: dict[str, tuple[str, ...]] = {}
    for f in ASKED:
        if f.kind != "multi":  # data_items
            continue
        raw_items = values.get(f.name, ())
        items = tuple(raw_items) if isinstance(raw_items, list | tuple) else tuple(x for x in str(raw_items).split(",") if x)
        clean[f.name] = tuple(i for i in items if i in f.choices)
        if (f.required and not items) or len(items) > len(f.choices) or any(i not in f.choices for i in items):
            errors[f.name] = t("form.err_items", lang)
        several[f.name] = tuple(dict.fromkeys(items))
    if errors:
        return None, clean, errors, masked
    found = {**{f.name: str(clean[f.name]) for f in texts}, **times, **counts, **picked, **several}
    facts = Facts(**{f.name: found[f.name] for f in ASKED})  # type: ignore[arg-type]
    return facts, clean, {}, masked


def new_incident(incident_id: str, event: FormSubmitted, facts: Facts, ctx: Ctx, drill: bool = False) -> Incident:
    cfg, platform = ctx.config, event.actor.platform
    channel_key = cfg.channels.get(platform)
    channel = PlaceRef(platform, channel_key) if channel_key else (event.place or PlaceRef(platform, event.actor.key))
    template = templates.pick(facts, cfg)  # by the report's cause and medium (the default: the leaflet's USB example)
    items = templates.items(template, cfg, cfg.language)
    esc = away.new_escalation(cfg, platform, ctx.now)  # the off-hours chain off hours, if configured
    # 規則第2条第1号 concerns systems of government bodies: known "no" unless the config says we run them
    facts = replace(facts, government_system="unknown" if cfg.government_systems else "no")
    return Incident(
        id=incident_id,
        platform=platform,
        reporter=cfg.display(event.actor),
        channel=channel,
        created_at=ctx.now,
        facts=facts,
        escalation=esc,
        items=items,
        responders=cfg.responders_for(platform),
        severity=severity(facts),
        drill=drill,
        lang=cfg.language,
        extra={} if template == templates.DEFAULT else {templates.KEY: template},
    )


def submit(state: State, event: FormSubmitted, ctx: Ctx) -> tuple[Incident | None, list[Effect]]:
    found: Facts | None
    if state.report is not None:  # read and accepted before (flows.prechecked): not read again
        found, clean, masked = state.report
        errors: dict[str, str] = {}
    else:
        found, clean, errors, masked = validate(event.values, ctx)
    if found is None or state.new_id is None:
        return None, [RejectForm(report_form(ctx, clean, errors))]
    return opened(new_incident(state.new_id, event, found, ctx), event, ctx, masked, state.marks)


def opened(
    inc: Incident, event: FormSubmitted | CommandInvoked, ctx: Ctx, masked: int = 0, marks: tuple[PageMark, ...] | None = None
) -> tuple[Incident, list[Effect]]:
    """A new incident: page step 1 first, then the card, its thread, the timers, the confirmation.
    ``marks``: the recent-paging log (flood control: a page may be folded into a digest, a burst of
    reports is shown in the channel)."""
    inc, paging = escalation.start(inc, ctx, marks)
    pages = [e for e in paging if isinstance(e, Notify)]  # the page first: it is the critical path
    a = assessment(inc, ctx)  # every assessment is recorded with its rule pack (LEGAL.md)
    reported = {"masked_numbers": masked, "severity": inc.severity, "rule_pack": a.rule_pack, "report": a.report, "appi": a.appi.report}
    effects: list[Effect] = [Audit("incident.reported", reported)]
    # the card and the checklist are drawn when they are sent (flows.later): not on the page's critical path
    effects += [*pages, Post(Later("card"), inc.channel, tag="card")]
    effects += coalesce.burst(inc, marks, ctx)
    effects += [e for e in paging if not isinstance(e, Notify)]
    effects += [Post(Later(f"step:{st.step}"), thread_of="card", tag=f"step:{st.step}") for st in templates.steps_for(inc, ctx.config)]
    effects += reminders.ensure(inc, ctx)
    effects += deadline_timers(inc, ctx)
    text = t("intake.confirm", ctx.lang, id=inc.id)
    if masked:
        text += "\n" + t("intake.masked", ctx.lang, n=masked)
    if coalesce.folded(paging):
        text += "\n" + t("intake.digest", ctx.lang)  # responders were told in a digest, not paged for this one
    effects.append(Reply(event.actor, Card(title=t("intake.confirm_title", ctx.lang, id=inc.id), tone="success", text=text), event.place))
    if inc.drill:
        effects.append(Reply(event.actor, Card(title="", tone="info", text=t("drill.started", ctx.lang, id=inc.id)), event.place))
    return inc, effects
