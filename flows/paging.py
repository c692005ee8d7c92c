"""The pages of one escalation step, by each person's policy (``bot.core.paging``): chat and e-mail at
once, or a channel some minutes later (its own timer, which — like every escalation timer — carries
the escalation's key and does nothing once the step moved on, someone acknowledged or the incident
closed). A page's tag names its step and route: ``page:<esc>:<step>:<attempt>:<person>`` for chat (as
before policies existed), ``…:<person>:<via>`` for other channels.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.effects import Audit, Effect, Notify, Post, StartTimer
from bot.core.events import TimerFired
from bot.core.i18n import t
from bot.core.model import ChainStep, Escalation, Incident, PageMark, Route
from bot.core.paging import EMAIL
from bot.core.views import person as named
from flows import coalesce
from flows.cards import note, page_card
from flows.common import Ctx
from flows.paging_card import mail_page_card, service_page_card

ROUTE_KIND = "page_route"  # a channel of a step paged some minutes after the step (after_minutes > 0)


def tag(esc: Escalation, route: Route) -> str:
    base = f"page:{esc.id}:{esc.step}:{esc.attempt}:{route.person}"
    return base if route.via == "chat" else f"{base}:{route.via}"


def step_prefix(esc: Escalation) -> str:
    return f"page:{esc.id}:{esc.step}:{esc.attempt}:"


def _notify(inc: Incident, step: ChainStep, route: Route, ctx: Ctx) -> Notify:
    esc = inc.escalation
    if route.via == "chat":
        return Notify(route.to, page_card(inc, ctx, esc.attempt), tag(esc, route))
    if route.via == EMAIL:
        return Notify(route.to, mail_page_card(inc, ctx, step.people[route.person]), tag(esc, route))
    return Notify(route.to, service_page_card(inc, ctx, step.people[route.person]), tag(esc, route))


def first_pages(inc: Incident, ctx: Ctx) -> tuple[list[Notify], list[StartTimer]]:
    """The pages due as the step is paged (chat first: it is the fastest) and a timer for each
    channel of a later minute."""
    esc = inc.escalation
    step = esc.chain[esc.step]
    now = [r for r in step.paths() if r.after_minutes <= 0]
    now.sort(key=lambda r: r.via != "chat")
    later = [
        StartTimer(ROUTE_KIND, f"{esc.timer_key()}-p{r.person}-{r.via}", ctx.now + timedelta(minutes=r.after_minutes))
        for r in step.paths()
        if r.after_minutes > 0
    ]
    return [_notify(inc, step, r, ctx) for r in now], later


def on_route_timer(inc: Incident, event: TimerFired, ctx: Ctx, marks: tuple[PageMark, ...] | None) -> tuple[Incident, list[Effect]]:
    """A channel of the current step whose minute has come: page through it, unless the step moved on,
    someone acknowledged or the incident closed."""
    esc = inc.escalation
    prefix = esc.timer_key() + "-p"
    if inc.status != "open" or esc.status != "paging" or not event.key.startswith(prefix):
        return inc, []
    person, _, via = event.key.removeprefix(prefix).partition("-")
    step = esc.chain[esc.step]
    route = next((r for r in step.paths() if str(r.person) == person and r.via == via), None)
    if route is None:
        return inc, []
    routed = coalesce.route(inc, [_notify(inc, step, route, ctx)], marks, ctx)
    who = step.people[route.person]
    effects: list[Effect] = list(routed.effects)
    text = t("paging.thread_later", inc.lang, step=esc.step + 1, name=named(who), via=t(f"paging.via_{via}", inc.lang))
    effects.append(Post(note(text, "warning"), thread_of="card"))
    effects.append(Audit("escalation.paged", {"step": esc.step + 1, "attempt": esc.attempt + 1, "people": [who.key], "via": via}))
    return replace(inc, escalation=replace(esc, pages=esc.pages + tuple(routed.sent))), effects


def unreachable(step: ChainStep, failed: tuple[str, ...], esc: Escalation) -> bool:
    """Every person of the step has failed for good on every one of their channels."""
    gone = set(failed)
    return all(all(tag(esc, r) in gone for r in step.paths() if r.person == i) for i in range(len(step.people)))
