"""The conversation logic: ``handle(state, event, now, config) -> (incident, effects)``.

Synchronous and pure: no awaits, no database, no clock of its own. :func:`needs` tells the runtime
what to load for an event; :func:`handle` decides. Nothing in here knows a platform.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from bot.core.config import OrgConfig
from bot.core.effects import Effect, Notify, OpenForm, Post, Reply, Update
from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    DeliveryFailed,
    Event,
    FormSubmitted,
    MessageDelivered,
    MessagePosted,
    TimerFired,
)
from bot.core.i18n import t
from bot.core.model import Incident, PageMark
from bot.core.platform import DEFAULT_COMMAND
from bot.core.redaction import contains_my_number, scrub
from bot.core.views import Card, Form, strip_tokens
from flows import (
    away,
    channel,
    checklist,
    coalesce,
    commands,
    drafting,
    drill,
    escalation,
    facts_form,
    filing,
    intake,
    measure_view,
    measures,
    notice,
    paging,
    principal_notice,
    reminders,
    template_switch,
)
from flows.common import Ctx, Need, Report, State, clean_text, labelled, refuse, say

__all__ = ["Need", "Report", "State", "handle", "needs", "precheck", "prechecked"]


def precheck(event: Event, now: datetime, config: OrgConfig, command: str = DEFAULT_COMMAND) -> tuple[bool, Form | None]:
    """Decide a form submission without loading anything, when its form allows: (decided, the form
    shown back with errors or None). A report is checked here so that the platform can be answered
    at once — the incident is then created in the background. Other forms need their incident."""
    decided, form, _ = prechecked(event, now, config, command)
    return decided, form


def prechecked(event: Event, now: datetime, config: OrgConfig, command: str = DEFAULT_COMMAND) -> tuple[bool, Form | None, Report | None]:
    """:func:`precheck`, with the report as read when it was accepted: handed to :func:`handle` in
    ``State.report``, the form is read once per event."""
    if isinstance(event, FormSubmitted) and event.form_id == intake.FORM_ID:
        ctx = Ctx(now, config, event.lang or config.language, command)
        found, clean, errors, masked = intake.validate(event.values, ctx)
        if found is None:
            return True, intake.report_form(ctx, clean, errors), None
        return True, None, (found, clean, masked)
    return False, None, None


def _split(value: str) -> tuple[str, str]:
    inc, _, item = value.partition("|")
    return inc.strip().upper(), item.strip()


def needs(event: Event) -> Need:
    """What the runtime must load before :func:`handle` can decide on ``event``."""
    if isinstance(event, TimerFired | DeliveryFailed):
        pages = event.kind in (escalation.KIND, paging.ROUTE_KIND) if isinstance(event, TimerFired) else event.final
        return Need(incident_id=event.incident_id, marks=pages)
    if isinstance(event, MessageDelivered):
        return Need(incident_id=event.incident_id)
    if isinstance(event, ButtonPressed):
        return Need(incident_id=_split(event.value)[0] or None, marks=event.action in ("page", "ack"))
    if isinstance(event, FormSubmitted):
        if event.form_id == intake.FORM_ID:
            return Need(new_id=True, marks=True)
        return Need(incident_id=_split(event.context)[0] or None)
    if isinstance(event, CommandInvoked):
        verb, words = commands.parse(event.text)
        target = commands.incident_arg(words)
        if verb in ("status", "close", "page", "repost") and target:
            return Need(incident_id=target, marks=verb == "page")
        if verb in ("list", "status"):
            return Need(summaries=True)
        if verb == "drill":
            return Need(new_id=True, drill=True, marks=True)
        if verb == "away":
            return Need(away=True)
    return Need()


def handle(
    state: State,
    event: Event,
    now: datetime,
    config: OrgConfig,
    command: str = DEFAULT_COMMAND,
    commands: Mapping[str, str] | None = None,
    invites: Mapping[str, str] | None = None,
) -> tuple[Incident | None, list[Effect]]:
    """Decide what ``event`` does. Returns the incident as it should now be stored (or ``None`` when
    no incident changed) and the effects to carry out. ``command``: how the person who caused the
    event gives the bot commands on their platform (help and error texts show it); ``commands`` and
    ``invites``: per platform, the same and how to let the bot into a channel (messages to others)."""
    ctx = Ctx(now, config, event.lang or config.language, command, config.away + state.away, commands or {}, invites or {})
    if isinstance(event, MessagePosted):
        if contains_my_number(event.text):
            return None, [refuse(event.actor, "intake.masked_message", ctx, event.place)]
        return None, []
    new, effects = _decide(state, _sanitised(event), ctx)
    if isinstance(event, CommandInvoked) and (effects or new is not None):
        effects = effects + _masked_notice(event, new, ctx)
    current = new or state.incident
    followed, effects = channel.follow(current, effects, ctx)  # DM copies while the channel is unreachable
    if followed is not current:
        new = followed
    return new, label_drill(new or state.incident, effects)


def _masked_notice(event: CommandInvoked, new: Incident | None, ctx: Ctx) -> list[Effect]:
    """A command's text was masked before any flow saw it (a closing reason, say): tell the person,
    as the report form and chat do: saved masked when it closed an incident with that reason, else not
    kept. (Nothing is added while a command is only looked at before its number is drawn: no effects.)"""
    masked = scrub(strip_tokens(clean_text(event.text)))[1]
    if not masked:
        return []
    if new is not None and commands.parse(event.text)[0] == "close":
        return [say(event.actor, "intake.masked", ctx, event.place, n=masked)]
    return [refuse(event.actor, "intake.masked_message", ctx, event.place)]


def _decide(state: State, event: Event, ctx: Ctx) -> tuple[Incident | None, list[Effect]]:
    inc = state.incident
    if isinstance(event, CommandInvoked):
        return _command(state, event, ctx)
    if isinstance(event, FormSubmitted) and event.form_id == intake.FORM_ID:
        return intake.submit(state, event, ctx)
    if inc is None:
        if isinstance(event, TimerFired | DeliveryFailed | MessageDelivered):
            return None, []
        return None, [refuse(event.actor, "incident.not_found", ctx, getattr(event, "place", None), id="")]
    new, effects = _on_incident(inc, event, ctx, state.marks)
    return (new if new is not inc else None), effects


def label_drill(inc: Incident | None, effects: list[Effect]) -> list[Effect]:
    """Everything a drill sends says 訓練/DRILL, whatever flow made it."""
    if inc is None or not inc.drill:
        return effects
    mark = t("drill.label", inc.lang)
    out: list[Effect] = []
    for e in effects:
        if isinstance(e, OpenForm) and mark not in e.form.title:
            e = replace(e, form=replace(e.form, title=f"{mark} {e.form.title}".strip()))
        elif isinstance(e, Notify | Post | Update | Reply) and isinstance(e.view, Card):  # a card drawn later: then (flows.later)
            e = replace(e, view=labelled(e.view, mark))
        out.append(e)
    return out


def _sanitised(event: Event) -> Event:
    """Mask My Numbers in every free-text part of an event before any flow can echo it: control
    characters and mention brackets go first, so that nothing removed later can join the pieces of
    a number back together. (Form values are masked by the flow that reads them, which counts them.)"""
    if isinstance(event, CommandInvoked):
        return replace(event, text=scrub(strip_tokens(clean_text(event.text)))[0])
    if isinstance(event, ButtonPressed):
        return replace(event, action=scrub(event.action)[0], value=scrub(event.value)[0])
    if isinstance(event, FormSubmitted):
        return replace(event, context=scrub(event.context)[0])
    return event


Step = tuple[Incident, list[Effect]]
# the incident's own timers, buttons and forms that need nothing but (incident, event, ctx)
_TIMERS: dict[str, Callable[[Incident, TimerFired, Ctx], Step]] = {
    reminders.KIND: reminders.on_timer,
    facts_form.KIND: facts_form.on_timer,
    notice.KIND: notice.on_timer,
    principal_notice.KIND: principal_notice.on_timer,
}
_BUTTONS: dict[str, Callable[[Incident, ButtonPressed, Ctx], Step]] = {
    "remind:snooze": reminders.snooze,
    reminders.CARD_ACTION: reminders.show_card,
    "facts:edit": facts_form.edit,
    filing.ACTION: filing.open_form,
    notice.ACTION: notice.open_form,
    principal_notice.ACTION: principal_notice.open_form,
    measure_view.ADD_ACTION: measures.open_form,
    template_switch.ACTION: template_switch.open_form,
}
_FORMS: dict[str, Callable[[Incident, FormSubmitted, Ctx], Step]] = {
    facts_form.FORM_ID: facts_form.submit,
    template_switch.FORM_ID: template_switch.submit,
    measures.FORM_ID: measures.submit,
    filing.FORM_ID: filing.submit,
    notice.FORM_ID: notice.submit,
    principal_notice.FORM_ID: principal_notice.submit,
}


def _on_incident(inc: Incident, event: Event, ctx: Ctx, marks: tuple[PageMark, ...] | None) -> tuple[Incident, list[Effect]]:
    if isinstance(event, TimerFired):
        if event.kind == escalation.KIND:
            return escalation.on_timer(inc, event, ctx, marks)
        if event.kind == paging.ROUTE_KIND:
            return paging.on_route_timer(inc, event, ctx, marks)
        on_timer = _TIMERS.get(event.kind)
        return on_timer(inc, event, ctx) if on_timer else (inc, [])
    if isinstance(event, MessageDelivered):
        return channel.on_delivered(inc, event, ctx)
    if isinstance(event, DeliveryFailed):
        if event.blocked:
            return channel.on_blocked(inc, event, ctx)
        if not event.tag.startswith(("page:", "digest:")):
            return inc, []
        return escalation.on_failed(inc, event, ctx, marks)
    if isinstance(event, ButtonPressed):
        _, item_id = _split(event.value)
        if event.action == "ack":
            new, effects = escalation.acknowledge(inc, event, ctx)
            if new is not inc and new.escalation.status == "acked":  # flood digests listing it say so
                effects += coalesce.on_ack(new, marks, ctx)
            return new, effects
        if event.action == "page":
            return escalation.restart(inc, event, ctx, marks)
        if (on_button := _BUTTONS.get(event.action)) is not None:
            return on_button(inc, event, ctx)
        if event.action == "draft":
            return drafting.post_draft(inc, item_id, event, ctx)
        if event.action.startswith("item:"):
            return checklist.press(inc, item_id, event, ctx)
        return inc, [refuse(event.actor, "command.unknown_action", ctx, event.place)]
    if isinstance(event, FormSubmitted) and event.form_id in (checklist.NA_FORM, checklist.NOTE_FORM, checklist.ASSIGN_FORM):
        return checklist.submit(inc, _split(event.context)[1], event, ctx)
    if isinstance(event, FormSubmitted) and (on_form := _FORMS.get(event.form_id)) is not None:
        return on_form(inc, event, ctx)
    return inc, []


def _command(state: State, event: CommandInvoked, ctx: Ctx) -> tuple[Incident | None, list[Effect]]:
    verb, words = commands.parse(event.text)
    if verb == "report":
        return None, intake.open_report_form(event, ctx)
    if verb == "drill":
        return drill.start(state, event, ctx)
    if verb == "help":
        return None, [say(event.actor, "help.text", ctx, event.place)]
    if verb == "away":
        return None, away.command(event, words, ctx)
    if verb == "status":
        return None, commands.status(state, event, words, ctx)
    if verb == "list":
        return None, commands.list_incidents(state, event, words, ctx)
    if verb == "close":
        if state.incident is None:
            key = "close.usage" if not words else "incident.not_found"
            return None, [refuse(event.actor, key, ctx, event.place, id=(words or [""])[0][:30])]
        inc, effects = commands.close(state.incident, event, words, ctx)
        return (inc if inc is not state.incident else None), effects
    if verb == "repost":
        if state.incident is None:
            key = "chan.repost_usage" if not words else "incident.not_found"
            return None, [refuse(event.actor, key, ctx, event.place, id=(words or [""])[0][:30])]
        _, effects = channel.repost(state.incident, event, ctx)
        return None, effects
    if verb == "page":
        if state.incident is None:
            key = "page.usage" if not words else "incident.not_found"
            return None, [refuse(event.actor, key, ctx, event.place, id=(words or [""])[0][:30])]
        inc, effects = escalation.restart(state.incident, event, ctx, state.marks)
        return (inc if inc is not state.incident else None), effects
    return None, [refuse(event.actor, "command.unknown", ctx, event.place, verb=verb[:30])]
