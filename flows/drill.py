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


def _handles(ctx: Ctx) -> list[str]:
    handles = (ctx.config.extra.get("drill") or {}).get("participants") or []
    return [h for h in handles if h in ctx.config.people]


def participants(ctx: Ctx, starter: UserRef) -> tuple[UserRef, ...]:
    people = tuple(u for h in _handles(ctx) if (u := ctx.config.people[h].acting(starter.platform)))
    return people or (ctx.config.display(starter),)


def drill_chain(ctx: Ctx, starter: UserRef) -> tuple[ChainStep, ...]:
    """The configured chain limited to the participants, each paged by their own policy; participants
    who are in no step of it are paged in the first step (a drill pages every participant)."""
    cfg, platform = ctx.config, starter.platform
    mine = _handles(ctx)
    if not mine:
        return (ChainStep(participants(ctx, starter), 5),)
    steps = [(tuple(h for h in handles if h in mine), wait) for handles, wait in cfg.escalation]
    steps = [(handles, wait) for handles, wait in steps if handles]
    placed = {h for handles, _ in steps for h in handles}
    rest = tuple(h for h in mine if h not in placed)
    if rest:
        steps = [(steps[0][0] + rest, steps[0][1]), *steps[1:]] if steps else [(rest, 5.0)]
    chain = tuple(s for handles, wait in steps if (s := cfg.step_for(handles, wait, platform)))
    return chain or (ChainStep(participants(ctx, starter), 5),)


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
