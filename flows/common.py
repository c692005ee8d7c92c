"""Small helpers the flows share: the context they run in, formatting, refusals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.away import Away
from bot.core.config import OrgConfig
from bot.core.effects import Reply
from bot.core.i18n import join, t
from bot.core.model import Facts, Incident, IncidentSummary, Item, PageMark, PlaceRef, UserRef
from bot.core.platform import DEFAULT_COMMAND
from bot.core.redaction import clean_text
from bot.core.views import Card, Tone, person

__all__ = ["Ctx", "Need", "Report", "State", "clean_text", "fmt_dt", "guard", "in_incident", "people", "refuse", "say", "who"]


@dataclass(frozen=True)
class State:
    """What the runtime loaded for one event (see :func:`flows.needs`)."""

    incident: Incident | None = None
    new_id: str | None = None
    summaries: tuple[IncidentSummary, ...] = ()
    # the recent-paging log (flood control, flows.coalesce), when the event may page; None: not loaded
    marks: tuple[PageMark, ...] | None = None
    away: tuple[Away, ...] = ()  # the stored away periods not over yet (flows.away), when the event may page
    # a report form already read and accepted by :func:`flows.prechecked` for this very event (facts,
    # redacted values, numbers masked): the flow does not read it again
    report: Report | None = None


Report = tuple[Facts, dict[str, object], int]


@dataclass(frozen=True)
class Need:
    incident_id: str | None = None
    new_id: bool = False
    drill: bool = False
    summaries: bool = False
    marks: bool = False  # the recent-paging log (since now - 2 × the coalescing window), locked for paging
    away: bool = False  # the stored away periods (also loaded whenever ``marks`` is: every event that may page)


@dataclass(frozen=True)
class Ctx:
    now: datetime
    config: OrgConfig
    lang: str  # the language of the person this event came from
    command: str = DEFAULT_COMMAND  # how that person gives the bot a command on their platform
    away: tuple[Away, ...] = ()  # the away periods in force or to come: the organisation file's and the stored ones
    # per platform: how people give commands there, and the catalogue key saying how to let the bot into
    # a channel (the registry's ``Platform.command`` / ``Platform.invite``), for messages to other people
    commands: Mapping[str, str] = field(default_factory=dict)
    invites: Mapping[str, str] = field(default_factory=dict)

    def command_on(self, platform: str) -> str:
        return self.commands.get(platform, DEFAULT_COMMAND)

    def hm(self, dt: datetime) -> str:
        return dt.astimezone(self.config.tz).strftime("%H:%M")


def in_incident(ctx: Ctx, inc: Incident) -> Ctx:
    """``ctx`` speaking the incident's language: for everything shared (the card, the thread, pages),
    whoever's event it was; private answers keep the person's (``ctx.lang``)."""
    return ctx if ctx.lang == inc.lang else replace(ctx, lang=inc.lang)


def who(user: UserRef | None, lang: str) -> str:
    """A person in a chat view where the text has no honorific of its own: their mention
    (:func:`bot.core.views.person`), with さん in Japanese."""
    return t("cardux.person", lang, name=person(user)) if user is not None else t("common.unknown", lang)


def people(users: Iterable[UserRef], lang: str) -> str:
    """Several people (each once), as :func:`who` names them, joined in ``lang``."""
    return join(dict.fromkeys(who(u, lang) for u in users), lang)


def fmt_dt(dt: datetime | None, ctx: Ctx) -> str:
    if dt is None:
        return t("common.unknown", ctx.lang)
    return dt.astimezone(ctx.config.tz).strftime("%Y-%m-%d %H:%M")


def say(user: UserRef, key: str, ctx: Ctx, place: PlaceRef | None = None, tone: Tone = "info", **fields: object) -> Reply:
    """A private message to ``user`` from the catalogue."""
    return Reply(user, Card(title="", tone=tone, text=t(key, ctx.lang, cmd=ctx.command, **fields)), place)


def refuse(user: UserRef, key: str, ctx: Ctx, place: PlaceRef | None = None, **fields: object) -> Reply:
    return say(user, key, ctx, place, tone="warning", **fields)


def guard(inc: Incident, event: Any, ctx: Ctx, refusal: str = "perm.checklist") -> list[Reply] | None:
    """Only the chain and the incident's responders may act on an open incident: the private
    answer for anyone else (or for a closed incident), or None when the actor may go on."""
    if not inc.is_responder(ctx.config.display(event.actor)):
        return [refuse(event.actor, refusal, ctx, event.place, id=inc.id)]
    if inc.status != "open":
        return [say(event.actor, "incident.already_closed", ctx, event.place, id=inc.id)]
    return None


def item_for(inc: Incident, role: str, config: OrgConfig) -> Item | None:
    """The incident's checklist item tagged ``role`` (``bot.core.model.ITEM_ROLES``), or None when its
    template has no such item. An incident stored before items carried roles has no item tagged: its
    item is the one the current template tags with ``role``, matched by id."""
    if (found := inc.item_for(role)) is not None or any(i.role for i in inc.items):
        return found
    ids = {it.id for st in config.checklist for it in st.items if it.role == role}
    return next((i for i in inc.items if i.id in ids), None)


def labelled(view: Card, mark: str) -> Card:
    """A drill's card: its title (or, without one, its text) starts with 訓練/DRILL."""
    if view.title and mark not in view.title:
        return replace(view, title=f"{mark} {view.title}")
    if not view.title and mark not in view.text:
        return replace(view, text=f"{mark} {view.text}")
    return view
