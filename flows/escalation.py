"""The chain of responsible people (Grafana OnCall's discipline).

Step 1 is paged at once; if nobody acknowledges before the step's wait ends, the next step is paged;
the last step is repeated ``repeat_last`` more times. The chain was snapshotted onto the incident when
it started, so config edits do not change a running escalation. Every timer carries the escalation's
key (id, step, attempt); a timer whose key is not the current one does nothing, and every step checks
acknowledged / closed first. An ack by anyone in the chain (or a responder) stops it everywhere.

When the chain ran out and nobody acknowledged, a responder or the reporter may page again (the card's
button, or ``/mynaleak page ML-…``): a new escalation with the next id starts at step 1. The timers of
the previous one carry the old id in their key, so they do nothing; the pages' tags carry it too, so
the new pages are new messages (an ack still updates every page ever sent). An incident keeps id 1
until its first restart, so timers stored before restarts existed (``e1-s0-a0``) still match. The
timer key is all a timer needs: it carries no payload.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.effects import Audit, CancelMessages, CancelTimers, Effect, Notify, Post, StartTimer, Update
from bot.core.events import ButtonPressed, CommandInvoked, DeliveryFailed, TimerFired
from bot.core.i18n import t
from bot.core.model import Incident, PageMark
from bot.core.views import person
from flows import away, coalesce, paging
from flows.cards import incident_card, note, page_done_card
from flows.common import Ctx, people, refuse, say

KIND = "escalate"


def _page(inc: Incident, ctx: Ctx, marks: tuple[PageMark, ...] | None = None) -> tuple[Incident, list[Effect]]:
    """Page the current step (each person through their policy's channels, or their digest:
    flows.coalesce) and arm its timer."""
    inc = away.as_paged(inc, ctx)  # deputies for whoever is away now (the step as planned, re-checked at every page)
    esc = inc.escalation
    step = esc.chain[esc.step]
    if not step.people:  # everyone of the step is away without a deputy: the next step at once
        note_ = Post(note("\n".join(away.thread_lines(step, esc.step + 1, inc.lang)), "danger"), thread_of="card")
        new, rest = _advance(inc, ctx, marks, unreachable=True)
        return new, [note_, Audit("escalation.skipped", {"step": esc.step + 1, "away": list(step.skipped)}), *rest]
    pages, later = paging.first_pages(inc, ctx)
    routed = coalesce.route(inc, pages, marks, ctx)
    effects: list[Effect] = list(routed.effects)
    lines = away.thread_lines(step, esc.step + 1, inc.lang)
    if routed.paged:
        names = people(routed.paged, inc.lang)
        key = "page.thread_repeat" if esc.attempt else "page.thread"
        lines.append(t(key, inc.lang, step=esc.step + 1, names=names, n=esc.attempt + 1))
    if routed.folded:
        names = people(routed.folded, inc.lang)
        minutes = coalesce.minutes(ctx.config.coalesce_window_minutes)
        lines.append(t("page.thread_folded", inc.lang, step=esc.step + 1, names=names, n=ctx.config.coalesce_after, minutes=minutes))
    if lines:
        effects.append(Post(note("\n".join(lines), "warning"), thread_of="card"))
    due = ctx.now + timedelta(minutes=step.wait_minutes)
    effects.append(StartTimer(KIND, esc.timer_key(), due))
    effects += later
    detail: dict[str, object] = {"step": esc.step + 1, "attempt": esc.attempt + 1, "people": [u.key for u in step.people]}
    if routed.folded:
        detail["folded"] = [u.key for u in routed.folded]  # told in their digest instead of a page
    effects.append(Audit("escalation.paged", detail))
    paged = replace(esc, pages=esc.pages + tuple(routed.sent), paged_at=ctx.now, next_at=due, unreachable=())
    return replace(inc, escalation=paged), effects


def start(inc: Incident, ctx: Ctx, marks: tuple[PageMark, ...] | None = None) -> tuple[Incident, list[Effect]]:
    if not inc.escalation.chain:
        esc = replace(inc.escalation, status="exhausted")
        return replace(inc, escalation=esc), [Post(note(t("escalation.no_chain", inc.lang), "danger"), thread_of="card")]
    new, effects = _page(inc, ctx, marks)
    if inc.escalation.off_hours:  # the report came off hours: the off-hours chain is paged (flows.away)
        effects.insert(0, Post(note(t("away.thread_off_hours", inc.lang), "warning"), thread_of="card"))
    return new, effects


def on_timer(inc: Incident, event: TimerFired, ctx: Ctx, marks: tuple[PageMark, ...] | None = None) -> tuple[Incident, list[Effect]]:
    esc = inc.escalation
    if inc.status != "open" or esc.status != "paging" or event.key != esc.timer_key():
        return inc, []  # acknowledged, closed, or a stale timer: do nothing
    return _advance(inc, ctx, marks)


def _advance(inc: Incident, ctx: Ctx, marks: tuple[PageMark, ...] | None, unreachable: bool = False) -> tuple[Incident, list[Effect]]:
    """The next step (or the last one again); the end of the chain when there is none. A step nobody
    can be reached on is not repeated: repeating it cannot reach anyone."""
    esc = inc.escalation
    if esc.step + 1 < len(esc.chain):
        nxt = replace(esc, step=esc.step + 1, attempt=0)
    elif esc.attempt < esc.repeat_last and not unreachable:
        nxt = replace(esc, attempt=esc.attempt + 1)
    else:
        done = replace(inc, escalation=replace(esc, status="exhausted", next_at=None))
        return done, [
            Post(note(t("escalation.exhausted", inc.lang), "danger"), thread_of="card"),
            Update("card", incident_card(done, ctx)),
            Audit("escalation.exhausted"),
        ]
    new, effects = _page(replace(inc, escalation=nxt), ctx, marks)
    return new, [*effects, Update("card", incident_card(new, ctx))]


def on_failed(inc: Incident, event: DeliveryFailed, ctx: Ctx, marks: tuple[PageMark, ...] | None = None) -> tuple[Incident, list[Effect]]:
    """A page that failed (for good, or for now): the thread is told; once every person of the current
    step failed for good on every channel, the next step is paged at once instead of after the wait."""
    who = person(event.recipient)
    key = "delivery.page_failed" if event.final else "delivery.page_delayed"
    told: list[Effect] = [Post(note(t(key, inc.lang, name=who, error=event.error[:200]), "danger"), thread_of="card")]
    esc = inc.escalation
    if not event.final or inc.status != "open" or esc.status != "paging" or not event.tag.startswith(paging.step_prefix(esc)):
        return inc, told
    failed = tuple(dict.fromkeys((*esc.unreachable, event.tag)))
    inc = replace(inc, escalation=replace(esc, unreachable=failed))
    if not paging.unreachable(esc.chain[esc.step], failed, esc):
        return inc, told
    skipped = Post(note(t("paging.step_skipped", inc.lang, step=esc.step + 1), "danger"), thread_of="card")
    audit = Audit("escalation.skipped", {"step": esc.step + 1, "attempt": esc.attempt + 1, "unreachable": list(failed)})
    new, effects = _advance(inc, ctx, marks, unreachable=True)
    # the skipped step's timers would do nothing (their key is stale): cancelled first, before the next step's are armed
    return new, [*told, skipped, audit, CancelTimers((KIND, paging.ROUTE_KIND)), *effects]


def acknowledge(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    esc = inc.escalation
    if not inc.is_responder(actor):
        return inc, [refuse(event.actor, "perm.ack", ctx, event.place, id=inc.id)]
    if inc.status != "open":
        return inc, [say(event.actor, "incident.already_closed", ctx, event.place, id=inc.id)]
    if esc.status == "acked" and esc.acked_by:
        who = person(esc.acked_by)
        return inc, [say(event.actor, "escalation.already_acked", ctx, event.place, name=who, at=ctx.hm(esc.acked_at or ctx.now))]
    responders = inc.responders if any(actor.same(r) for r in inc.responders) else inc.responders + (actor,)
    acked = replace(inc, responders=responders, escalation=replace(esc, status="acked", acked_by=actor, acked_at=ctx.now))
    effects: list[Effect] = [CancelTimers((KIND, paging.ROUTE_KIND)), CancelMessages("page:")]
    effects += [Update(tag, page_done_card(acked, ctx)) for tag in esc.pages]
    effects.append(Update("card", incident_card(acked, ctx)))
    text = t("escalation.acked_thread", inc.lang, name=person(actor), at=ctx.hm(ctx.now))
    effects.append(Post(note(text, "success"), thread_of="card"))
    effects.append(
        Notify(
            inc.reporter,
            note(t("escalation.acked_reporter", inc.lang, id=inc.id, name=person(actor), at=ctx.hm(ctx.now)), "success"),
            "reporter:acked",
        )
    )
    effects.append(Audit("escalation.acked", {"by": actor.key, "step": esc.step + 1, "attempt": esc.attempt + 1}))
    return acked, effects


def restart(
    inc: Incident, event: ButtonPressed | CommandInvoked, ctx: Ctx, marks: tuple[PageMark, ...] | None = None
) -> tuple[Incident, list[Effect]]:
    """Page the chain again from step 1 after it was exhausted: the escalation gets the next id, so
    the previous one's timers are stale. Refused privately while it is still paging or acknowledged."""
    actor = ctx.config.display(event.actor)
    esc = inc.escalation
    if not (inc.is_responder(actor) or inc.reporter.same(actor)):
        return inc, [refuse(event.actor, "perm.page", ctx, event.place, id=inc.id)]
    if inc.status != "open":
        return inc, [say(event.actor, "incident.already_closed", ctx, event.place, id=inc.id)]
    if esc.status == "acked":
        who = person(esc.acked_by)
        return inc, [
            refuse(event.actor, "escalation.repage_acked", ctx, event.place, id=inc.id, name=who, at=ctx.hm(esc.acked_at or ctx.now))
        ]
    if esc.status == "paging":
        return inc, [refuse(event.actor, "escalation.repage_paging", ctx, event.place, id=inc.id, step=esc.step + 1, steps=len(esc.chain))]
    if not esc.chain:
        return inc, [refuse(event.actor, "escalation.repage_no_chain", ctx, event.place, id=inc.id)]
    fresh = replace(esc, id=esc.id + 1, step=0, attempt=0, status="paging", acked_by=None, acked_at=None)
    new, pages = _page(replace(inc, escalation=fresh), ctx, marks)
    text = t("escalation.repaged_thread", inc.lang, name=person(actor), n=fresh.id)
    effects: list[Effect] = [
        CancelTimers((KIND, paging.ROUTE_KIND)),  # none should be pending once exhausted; a restart leaves nothing of the last run
        Audit("escalation.restarted", {"by": actor.key, "escalation": fresh.id, "previous": esc.id}),
        *(e for e in pages if isinstance(e, Notify)),  # the pages first: they are the critical path
        Post(note(text, "warning"), thread_of="card"),
        *(e for e in pages if not isinstance(e, Notify)),
        Update("card", incident_card(new, ctx)),
        say(event.actor, "escalation.repaged", ctx, event.place, id=inc.id),
    ]
    return new, effects
