"""The chain of responsible people (Grafana OnCall's discipline).

Step 1 is paged at once; if nobody acknowledges before the step's wait ends, the next step is paged;
the last step is repeated ``repeat_last`` more times. The chain was snapshotted onto the incident when
it started, so config edits do not change a running escalation. Every timer carries the escalation's
key (id, step, attempt); a timer whose key is not the current one does nothing, and every step checks
acknowledged / closed first. An ack by anyone in the chain (or a responder) stops it everywhere.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.effects import Audit, CancelMessages, CancelTimers, Effect, Notify, Post, StartTimer, Update
from bot.core.events import ButtonPressed, TimerFired
from bot.core.i18n import t
from bot.core.model import Incident
from flows.cards import incident_card, note, page_card, page_done_card
from flows.common import Ctx, refuse, say

KIND = "escalate"


def _page(inc: Incident, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """Page the current step and arm its timer."""
    esc = inc.escalation
    step = esc.chain[esc.step]
    tags = tuple(f"page:{esc.id}:{esc.step}:{esc.attempt}:{i}" for i in range(len(step.people)))
    effects: list[Effect] = [Notify(u, page_card(inc, ctx, esc.attempt), tag) for u, tag in zip(step.people, tags, strict=True)]
    names = "、".join(u.name or u.key for u in step.people)
    key = "page.thread_repeat" if esc.attempt else "page.thread"
    effects.append(Post(note(t(key, inc.lang, step=esc.step + 1, names=names, n=esc.attempt + 1), "warning"), thread_of="card"))
    due = ctx.now + timedelta(minutes=step.wait_minutes)
    effects.append(StartTimer(KIND, esc.timer_key(), due, {"escalation": str(esc.id)}))
    effects.append(Audit("escalation.paged", {"step": esc.step + 1, "attempt": esc.attempt + 1, "people": [u.key for u in step.people]}))
    return replace(inc, escalation=replace(esc, pages=esc.pages + tags)), effects


def start(inc: Incident, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if not inc.escalation.chain:
        esc = replace(inc.escalation, status="exhausted")
        return replace(inc, escalation=esc), [Post(note(t("escalation.no_chain", inc.lang), "danger"), thread_of="card")]
    return _page(inc, ctx)


def on_timer(inc: Incident, event: TimerFired, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    esc = inc.escalation
    if inc.status != "open" or esc.status != "paging" or event.key != esc.timer_key():
        return inc, []  # acknowledged, closed, or a stale timer: do nothing
    if esc.step + 1 < len(esc.chain):
        nxt = replace(esc, step=esc.step + 1, attempt=0)
    elif esc.attempt < esc.repeat_last:
        nxt = replace(esc, attempt=esc.attempt + 1)
    else:
        done = replace(inc, escalation=replace(esc, status="exhausted"))
        return done, [
            Post(note(t("escalation.exhausted", inc.lang), "danger"), thread_of="card"),
            Update("card", incident_card(done, ctx)),
            Audit("escalation.exhausted"),
        ]
    return _page(replace(inc, escalation=nxt), ctx)


def acknowledge(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    esc = inc.escalation
    if not inc.is_responder(actor):
        return inc, [refuse(event.actor, "perm.ack", ctx, event.place, id=inc.id)]
    if inc.status != "open":
        return inc, [say(event.actor, "incident.already_closed", ctx, event.place, id=inc.id)]
    if esc.status == "acked" and esc.acked_by:
        who = esc.acked_by.name or esc.acked_by.key
        return inc, [say(event.actor, "escalation.already_acked", ctx, event.place, name=who, at=ctx.hm(esc.acked_at or ctx.now))]
    responders = inc.responders if any(actor.same(r) for r in inc.responders) else inc.responders + (actor,)
    acked = replace(inc, responders=responders, escalation=replace(esc, status="acked", acked_by=actor, acked_at=ctx.now))
    effects: list[Effect] = [CancelTimers((KIND,)), CancelMessages("page:")]
    effects += [Update(tag, page_done_card(acked, ctx)) for tag in esc.pages]
    effects.append(Update("card", incident_card(acked, ctx)))
    text = t("escalation.acked_thread", inc.lang, name=actor.name or actor.key, at=ctx.hm(ctx.now))
    effects.append(Post(note(text, "success"), thread_of="card"))
    effects.append(
        Notify(
            inc.reporter,
            note(t("escalation.acked_reporter", inc.lang, id=inc.id, name=actor.name or actor.key, at=ctx.hm(ctx.now)), "success"),
            "reporter:acked",
        )
    )
    effects.append(Audit("escalation.acked", {"by": actor.key, "step": esc.step + 1, "attempt": esc.attempt + 1}))
    return acked, effects
