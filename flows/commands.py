"""`/mynaleak help | status [id] | list [all] | close <id> [reason]` (report is in ``intake``, drill in
``drill``, page <id> — paging again after nobody acknowledged — in ``escalation``)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.effects import Audit, CancelMessages, CancelTimers, Effect, Post, Reply, Update
from bot.core.events import CommandInvoked
from bot.core.i18n import t
from bot.core.model import Incident, IncidentSummary
from bot.core.redaction import redact
from bot.core.views import Card, Field, person, strip_tokens
from flows import list_info
from flows.cards import incident_card, note, page_done_card, private_card, step_card
from flows.common import Ctx, State, fmt_dt, refuse, say

# every verb flows._command answers, as a person types it (help and the Slack manifest list them all)
VERBS = ("report", "status", "list", "page", "repost", "close", "drill", "away", "help")
# the Japanese words a person may type instead (on every platform)
ALIASES = {
    "報告": "report",
    "状況": "status",
    "一覧": "list",
    "再呼び出し": "page",
    "クローズ": "close",
    "訓練": "drill",
    "ヘルプ": "help",
    "不在": "away",
    "再投稿": "repost",
}

SHOWN = 20  # open items named when a close is refused; the rest are counted

ID_RE = re.compile(r"^ML-(?:DRILL-)?\d{4}-\d{4,}$", re.IGNORECASE)


def parse(text: str) -> tuple[str, list[str]]:
    """Split command text into a verb and its words; unknown verbs come back as they are."""
    words = strip_tokens(text).split()
    if not words:
        return "help", []
    verb = words[0].lower()
    return ALIASES.get(verb, verb), words[1:]


def incident_arg(words: list[str]) -> str | None:
    return words[0].upper() if words and ID_RE.match(words[0]) else None


def may_see(inc: Incident, event: CommandInvoked, ctx: Ctx) -> bool:
    actor = ctx.config.display(event.actor)
    return inc.is_responder(actor) or ctx.config.is_staff(actor) or inc.reporter.same(actor)


def status(state: State, event: CommandInvoked, words: list[str], ctx: Ctx) -> list[Effect]:
    inc = state.incident
    if inc is None:
        if words:
            return [refuse(event.actor, "incident.not_found", ctx, event.place, id=words[0][:30])]
        if not state.summaries:
            return [say(event.actor, "list.empty", ctx, event.place)]
        return list_incidents(state, event, [], ctx)
    if not may_see(inc, event, ctx):
        return [refuse(event.actor, "perm.view", ctx, event.place, id=inc.id)]
    return [Reply(event.actor, private_card(inc, ctx), event.place)]


def _summary_field(s: IncidentSummary, ctx: Ctx) -> Field:
    state = t("list.acked" if s.acked else "list.unacked", ctx.lang) if s.status == "open" else t("list.closed", ctx.lang)
    value = t(
        "list.line", ctx.lang, severity=t(f"severity.{s.severity}", ctx.lang), state=state, open=s.open_items, at=fmt_dt(s.created_at, ctx)
    )
    for more in list_info.extras(s.incident, ctx):
        value = t("homeinfo.more", ctx.lang, line=value, more=more)
    return Field((t("drill.label", ctx.lang) + " " if s.drill else "") + s.id, value)  # the label is bracketed already


def list_incidents(state: State, event: CommandInvoked, words: list[str], ctx: Ctx) -> list[Effect]:
    actor = ctx.config.display(event.actor)
    if not ctx.config.is_staff(actor):
        return [refuse(event.actor, "perm.list", ctx, event.place)]
    show_all = bool(words) and words[0].lower() in ("all", "drill", "すべて")
    rows = [s for s in state.summaries if (show_all or (s.status == "open" and not s.drill))]
    if not rows:
        return [say(event.actor, "list.empty_all" if show_all else "list.empty", ctx, event.place)]
    return [
        Reply(
            event.actor,
            Card(
                title=t("list.title_all" if show_all else "list.title", ctx.lang, n=len(rows)),
                fields=tuple(_summary_field(s, ctx) for s in rows[:50]),
            ),
            event.place,
        )
    ]


def close(inc: Incident, event: CommandInvoked, words: list[str], ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if not inc.is_responder(actor):
        return inc, [refuse(event.actor, "perm.close", ctx, event.place, id=inc.id)]
    if inc.status != "open":
        return inc, [say(event.actor, "incident.already_closed", ctx, event.place, id=inc.id)]
    reason, masked = redact(" ".join(words[1:])[:1000])
    still_open = inc.open_required()
    if still_open and not reason.strip():
        ids = ", ".join(i.id for i in still_open[:SHOWN])
        if len(still_open) > SHOWN:
            ids = t("close.more", ctx.lang, items=ids, n=len(still_open) - SHOWN)
        return inc, [refuse(event.actor, "close.refused_open", ctx, event.place, id=inc.id, n=len(still_open), items=ids)]
    esc = inc.escalation
    closed = replace(
        inc,
        status="closed",
        closed_at=ctx.now,
        closed_by=actor,
        close_reason=reason.strip(),
        escalation=replace(esc, status="stopped") if esc.status == "paging" else esc,
    )
    lang = inc.lang
    text = t("close.thread", lang, name=person(actor))
    if reason.strip():
        text += "\n" + t("close.thread_reason", lang, reason=reason.strip(), n=len(still_open))
    effects: list[Effect] = [CancelTimers(), CancelMessages("page:"), Update("card", incident_card(closed, ctx))]
    effects += [Update(f"step:{st.step}", step_card(closed, st.step, ctx)) for st in ctx.config.checklist]
    if esc.status == "paging":  # the pages of an unanswered chain say it is closed (a paging service's alert resolves)
        effects += [Update(tag, page_done_card(closed, ctx)) for tag in esc.pages]
    effects.append(Post(note(text, "success"), thread_of="card"))
    if masked:
        effects.append(say(event.actor, "intake.masked", ctx, event.place, n=masked))
    effects.append(say(event.actor, "close.done", ctx, event.place, tone="success", id=inc.id))
    effects.append(Audit("incident.closed", {"reason": reason.strip(), "open_items": [i.id for i in still_open]}))
    return closed, effects
