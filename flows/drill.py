"""`/mynaleak drill`: the leaflet's worked example (a USB stick lost on the way home) as a training
incident — labelled 訓練 everywhere, paging only the drill's participants, numbered apart
(ML-DRILL-…), and left out of `list` unless asked for."""

from __future__ import annotations

from dataclasses import replace

from bot.core.effects import Effect
from bot.core.events import CommandInvoked
from bot.core.i18n import t
from bot.core.model import ChainStep, Facts, Incident, UserRef
from flows import intake
from flows.common import Ctx, State, refuse


def participants(ctx: Ctx, starter: UserRef) -> tuple[UserRef, ...]:
    handles = (ctx.config.extra.get("drill") or {}).get("participants") or []
    people = tuple(u for h in handles if h in ctx.config.people and (u := ctx.config.people[h].on(starter.platform)))
    return people or (ctx.config.display(starter),)


def drill_chain(ctx: Ctx, starter: UserRef) -> tuple[ChainStep, ...]:
    """The configured chain limited to the participants; the participants alone if none is in it."""
    who = participants(ctx, starter)
    steps = []
    for step in ctx.config.chain_for(starter.platform):
        people = tuple(p for p in step.people if any(p.same(w) for w in who))
        if people:
            steps.append(ChainStep(people, step.wait_minutes))
    return tuple(steps) or (ChainStep(who, 5),)


def start(state: State, event: CommandInvoked, ctx: Ctx) -> tuple[Incident | None, list[Effect]]:
    if not ctx.config.is_staff(ctx.config.display(event.actor)):
        return None, [refuse(event.actor, "perm.drill", ctx, event.place)]
    if state.new_id is None:  # permitted, but the runtime has not drawn a number yet: it asks again with one
        return None, []
    facts = Facts(
        summary=t("drill.summary", ctx.config.language),
        discovered_at=ctx.now,
        medium="removable",
        people_max=50,
        data_items=("mynumber", "name", "address"),
        whose="employees",
        exposed_online="no",
        outsourcee="no",
    )
    inc = intake.new_incident(state.new_id, event, facts, ctx, drill=True)  # type: ignore[arg-type]
    chain = drill_chain(ctx, event.actor)
    inc = replace(inc, escalation=replace(inc.escalation, chain=chain), responders=participants(ctx, event.actor))
    return intake.opened(inc, event, ctx, marks=state.marks)
