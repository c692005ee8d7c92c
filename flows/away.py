"""Deputies and time: away periods (``/mynaleak away``, the organisation file's ``away:``) and the
off-hours chain (``escalation.off_hours``).

- An away period is applied when a step is paged (not when the incident is reported): an away set
  during an incident takes effect at the next step. The step as paged is stored on the incident's
  chain snapshot (its deputies, with whom they stand in for), so the card, the acks and the
  channel timers of the step all see the same people.
- Anyone named in the organisation file may set or end their own away period; only the chain's
  people (normal or off-hours) and the standing responders may set or end someone else's.
- The off-hours chain is chosen when the report arrives outside business hours, on a weekend, a
  national holiday or the year-end closure (flows.calendar), if the organisation file has one.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from bot.core.away import Away, ClearAway, SetAway, active, parse_when
from bot.core.config import OrgConfig, Person
from bot.core.effects import Effect, Reply
from bot.core.events import CommandInvoked
from bot.core.i18n import join, t
from bot.core.model import ChainStep, Escalation, Incident, Route, UserRef
from bot.core.views import Card, Field, person
from flows import calendar
from flows.common import Ctx, fmt_dt, refuse, say, who

OFF_WORDS = ("off", "clear", "end", "解除", "終了")
LIST_WORDS = ("list", "一覧")
DATEISH = re.compile(r"^\d{4}[-/]")


# ---- the off-hours chain ---------------------------------------------------------------------------
def is_off_hours(cfg: OrgConfig, at: datetime) -> bool:
    """Outside business hours, or a closed day of the Japanese calendar (weekend, holiday, year end)."""
    local = at.astimezone(cfg.tz)
    return calendar.is_closed_day(local.date()) or not cfg.business_start <= local.time() < cfg.business_end


def new_escalation(cfg: OrgConfig, platform: str, at: datetime) -> Escalation:
    """The escalation an incident reported at ``at`` starts with: the off-hours chain when one is
    configured and ``at`` is off hours, else the normal one."""
    off = bool(cfg.off_hours) and is_off_hours(cfg, at)
    chain = cfg.chain_for(platform, off_hours=off)
    return Escalation(id=1, chain=chain, repeat_last=cfg.off_hours_repeat if off else cfg.repeat_last, off_hours=off)


# ---- deputies ----------------------------------------------------------------------------------------
def substitute(step: ChainStep, platform: str, ctx: Ctx) -> ChainStep:
    """``step`` as it is paged now: each person away replaced by their deputy, or left out without one."""
    cfg = ctx.config
    people: list[UserRef] = []
    routes: list[Route] = []
    covers: list[str] = []
    skipped = list(step.skipped)
    own = step.covers or ("",) * len(step.people)
    later: list[tuple[UserRef, str]] = []  # (deputy, the away person's name): the deputy is paged later in this step anyway

    def paged_as(user: UserRef) -> int | None:
        return next((k for k, u in enumerate(people) if u.same(user)), None)

    for i, user in enumerate(step.people):
        person = cfg.person(user)
        away = active(ctx.away, person.handle, ctx.now) if person is not None and not own[i] else None
        sub = cfg.step_for((away.deputy,), step.wait_minutes, platform) if away and away.deputy else None
        if away is not None and person is not None:
            if sub is None:  # no deputy (or one who cannot be paged here)
                skipped.append(person.name)
                continue
            if (j := paged_as(sub.people[0])) is not None:  # the deputy is paged in this step already (for someone else, or as themselves)
                covers[j] = _more(covers[j], person.name)
                continue
            if any(sub.people[0].same(u) for u in step.people):
                later.append((sub.people[0], person.name))
                continue
        src, who = (sub, person.name if person else "") if sub is not None else (step, own[i])
        index = 0 if sub is not None else i
        routes += [replace_person(r, len(people)) for r in src.paths() if r.person == index]
        people.append(src.people[index])
        covers.append(who)
    for deputy, name in later:
        if (j := paged_as(deputy)) is None:
            skipped.append(name)  # the deputy was left out of the step themselves
        else:
            covers[j] = _more(covers[j], name)
    covered = any(covers)
    return ChainStep(tuple(people), step.wait_minutes, tuple(routes), tuple(covers) if covered else (), tuple(skipped))


COVERS_SEP = "\n"  # one deputy standing in for several away people: their names in one ``covers`` entry


def _more(covers: str, name: str) -> str:
    return f"{covers}{COVERS_SEP}{name}" if covers else name


def _covered(covers: str, name: str, lang: str, one: str, many: str, **fields: object) -> str:
    """``one`` for a deputy standing in for one person, ``many`` (their names listed, each with さん in
    Japanese) for several."""
    aways = covers.split(COVERS_SEP)
    if len(aways) == 1:
        return t(one, lang, away=covers, name=name, **fields)
    return t(many, lang, aways=join([t("chan.name", lang, name=a) for a in aways], lang), name=name, **fields)


def as_paged(inc: Incident, ctx: Ctx) -> Incident:
    """``inc`` with its current step as it is paged now (from the step as planned, so a person back
    from leave is paged again at a repeat or a re-page). The planned chain is kept only once it differs."""
    esc = inc.escalation
    planned = esc.planned or esc.chain
    step = substitute(planned[esc.step], inc.platform, ctx)
    chain = tuple(step if i == esc.step else s for i, s in enumerate(esc.chain))
    return replace(inc, escalation=replace(esc, chain=chain, planned=planned if chain != planned else esc.planned))


def replace_person(route: Route, index: int) -> Route:
    return Route(index, route.via, route.to, route.after_minutes)


def names(step: ChainStep, lang: str) -> str:
    """Who the step pages, a deputy shown as 「佐藤 さん（不在・代理 鈴木 さん）」."""
    covers = step.covers or ("",) * len(step.people)
    shown = [
        _covered(c, person(u), lang, "away.as_deputy", "away.as_deputy_many") if c else who(u, lang)
        for u, c in zip(step.people, covers, strict=True)
    ]
    return join(dict.fromkeys(shown), lang)


def thread_lines(step: ChainStep, number: int, lang: str) -> list[str]:
    """The page's thread note: who stands in for whom, who was left out."""
    covers = step.covers or ("",) * len(step.people)
    lines = [
        _covered(c, person(u), lang, "away.thread_deputy", "away.thread_deputy_many", step=number)
        for u, c in zip(step.people, covers, strict=True)
        if c
    ]
    if step.skipped:
        lines.append(t("away.thread_skipped", lang, names=join(step.skipped, lang), step=number))
    return lines


# ---- /mynaleak away ------------------------------------------------------------------------------------
def _who(word: str, cfg: OrgConfig, platform: str) -> Person | None:
    word = word.lstrip("@＠")
    if word in cfg.people:
        return cfg.people[word]
    return cfg.person(UserRef(platform, word)) or next((p for p in cfg.people.values() if p.name.replace(" ", "") == word), None)


def command(event: CommandInvoked, words: list[str], ctx: Ctx) -> list[Effect]:
    cfg, actor = ctx.config, event.actor
    me = cfg.person(actor)
    if me is None:
        return [refuse(actor, "away.not_in_org", ctx, event.place)]
    if not words or words[0].lower() in LIST_WORDS:
        return [_list(event, ctx)]
    off = words[0].lower() in OFF_WORDS
    rest = words[1:] if off else words
    target = me
    if rest and (off or not DATEISH.match(rest[0])):  # a first word that is no date names the person
        found = _who(rest[0], cfg, actor.platform)
        if found is None:
            return [refuse(actor, "away.unknown_person", ctx, event.place, who=rest[0][:30])]
        target, rest = found, rest[1:]
    if target.handle != me.handle and not cfg.is_staff(actor):
        return [refuse(actor, "away.perm_other", ctx, event.place, name=target.name)]
    if off:
        return _clear(event, target, ctx)
    return _set(event, target, me, rest, ctx)


def _set(event: CommandInvoked, target: Person, me: Person, rest: list[str], ctx: Ctx) -> list[Effect]:
    cfg, actor = ctx.config, event.actor
    if len(rest) < 2 or len(rest) > 3:
        return [refuse(actor, "away.usage", ctx, event.place)]
    start, end = parse_when(rest[0], cfg.tz), parse_when(rest[1], cfg.tz, end=True)
    for word, when in ((rest[0], start), (rest[1], end)):
        if when is None:
            return [refuse(actor, "away.bad_date", ctx, event.place, word=word[:30])]
    assert start is not None and end is not None
    if start >= end:
        return [refuse(actor, "away.bad_order", ctx, event.place)]
    if end <= ctx.now:
        return [refuse(actor, "away.over", ctx, event.place, to=fmt_dt(end, ctx))]
    deputy = _who(rest[2], cfg, actor.platform) if len(rest) == 3 else None
    if len(rest) == 3 and deputy is None:
        return [refuse(actor, "away.unknown_person", ctx, event.place, who=rest[2][:30])]
    if deputy is not None and deputy.handle == target.handle:
        return [refuse(actor, "away.self_deputy", ctx, event.place)]
    period = Away(target.handle, start, end, deputy.handle if deputy else "", f"{actor.platform}:{actor.key}")
    key = "away.set_deputy" if deputy else "away.set_skip"
    span = dict(start=fmt_dt(start, ctx), end=fmt_dt(end, ctx))
    return [SetAway(period), say(actor, key, ctx, event.place, "success", name=target.name, deputy=deputy.name if deputy else "", **span)]


def _clear(event: CommandInvoked, target: Person, ctx: Ctx) -> list[Effect]:
    mine = [p for p in ctx.away if p.person == target.handle and p.end > ctx.now and p.by]
    if not mine:
        return [say(event.actor, "away.none", ctx, event.place, name=target.name)]
    return [ClearAway(target.handle, ctx.now), say(event.actor, "away.cleared", ctx, event.place, "success", name=target.name)]


def _list(event: CommandInvoked, ctx: Ctx) -> Reply:
    cfg = ctx.config
    rows = sorted((p for p in ctx.away if p.end > ctx.now), key=lambda p: (p.start, p.person))
    fields = []
    for p in rows[:50]:
        name = cfg.people[p.person].name if p.person in cfg.people else p.person
        deputy = cfg.people[p.deputy].name if p.deputy in cfg.people else ""
        text = t(
            "away.line_deputy" if deputy else "away.line_skip", ctx.lang, start=fmt_dt(p.start, ctx), end=fmt_dt(p.end, ctx), deputy=deputy
        )
        source = t("away.from_command" if p.by else "away.from_file", ctx.lang)
        fields.append(Field(f"{name} — {source}", text))
    if not fields:
        return say(event.actor, "away.list_empty", ctx, event.place)
    return Reply(event.actor, Card(title=t("away.list_title", ctx.lang, n=len(rows)), fields=tuple(fields)), event.place)
