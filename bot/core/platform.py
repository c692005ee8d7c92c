"""The contracts between the core and the platforms (after botbuilder's ``BotAdapter``: send / update /
continue_conversation — the smallest set that covers proactive messages).

- :class:`Adapter` — what the runtime asks of a chat platform: DM, post, update, private reply, form.
- :class:`Notifier` — a channel that can only deliver a page (e-mail, a paging service's webhook).
- :class:`Platform` — how a platform package is found and mounted: ``name``, ``configured(env)``,
  ``install(host) -> Adapter``. The registry in ``adapters/__init__.py`` lists them; nothing else
  names a platform.
- :class:`Host` — everything a platform may use of the application: the organisation file, the
  environment, the web router, the clock, ``dispatch`` / ``precheck`` of neutral events, and the two
  stores a platform may need (conversation references; a transcript for a platform that keeps no
  history of its own, like the playground).

Each platform implements these once; the core never sees a platform type. References come back as
opaque ``MessageRef`` values that the runtime stores, so any replica can update a message later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bot.core.config import OrgConfig
from bot.core.events import Event
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.views import Card, Form

if TYPE_CHECKING:
    from aiohttp import web

Clock = Callable[[], datetime]
DEFAULT_COMMAND = "/mynaleak "  # a slash command; a platform where people just type the word says ""


class DeliveryError(Exception):
    """Sending failed. ``permanent``: retrying cannot help (user unreachable, channel gone).
    ``retry_after``: the platform asked us to wait this many seconds (HTTP 429). ``blocked``: the bot
    may not post in this channel (not a member, removed from the team, the channel archived) — it
    works again once a person adds the bot back, so the outbox keeps the message and retries slowly
    (``bot.delivery``) while the people concerned are told how to fix it (``flows.channel``)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None, blocked: bool = False):
        super().__init__(message)
        self.permanent = permanent or blocked
        self.retry_after = retry_after
        self.blocked = blocked


class PlatformRefused(Exception):
    """A platform will not start as configured (its message tells the operator why and what to set)."""


class Unavailable(ConnectionError):
    """The database cannot be reached: nothing was recorded; the person should try again shortly."""


@dataclass(frozen=True)
class Outcome:
    """What a platform needs to answer a request synchronously, after :meth:`Host.dispatch`."""

    duplicate: bool = False
    form: Form | None = None  # a rejected form, to show back with its errors
    incident_id: str | None = None
    messages: tuple[Any, ...] = ()  # the outgoing rows claimed for immediate delivery (the shell's)


class Adapter(Protocol):
    platform: str

    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        """A direct message to one person (proactive: works after a restart)."""
        ...

    async def post(self, place: PlaceRef, view: Card, thread: MessageRef | None = None) -> MessageRef:
        """A message in a channel, or a reply in the thread of ``thread``."""
        ...

    async def update(self, message: MessageRef, view: Card) -> None:
        """Replace a message in place."""
        ...

    async def reply(self, user: UserRef, place: PlaceRef | None, view: Card) -> None:
        """A private reply to one person (ephemeral where the platform has it, else a DM)."""
        ...

    async def open_form(self, user: UserRef, trigger: str, form: Form, place: PlaceRef | None) -> None:
        """Show a form to one person (a Slack modal, a Teams card, a playground dialog)."""
        ...


class Notifier(Protocol):
    """A channel that only delivers pages to people (no threads, no forms): e-mail, a paging service.
    ``channel`` names it in a person's entry of the organisation file (``email:``, ``pagerduty:``)."""

    channel: str

    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        """Deliver one page to ``user`` (whose key is this channel's address for them)."""
        ...


@runtime_checkable
class Resolving(Notifier, Protocol):
    """A notifier whose pages can be taken back (a paging service's alert resolved): once the page is
    answered — acknowledged, or the incident closed — its update is sent here instead of being dropped."""

    async def resolve(self, message: MessageRef, view: Card) -> None:
        """Resolve the page ``message`` (the :class:`MessageRef` its :meth:`notify` returned)."""
        ...


@runtime_checkable
class Linking(Protocol):
    """An adapter that can give a link to one of its messages (a Slack permalink, a Teams deep link,
    the playground's anchor), so a page can lead to the incident thread. Optional: without it, no link."""

    async def link(self, message: MessageRef) -> str | None:
        """An address that opens ``message``, or None when there is none."""
        ...


class References(Protocol):
    """Stored conversation references: how to reach a person or a place proactively, on any replica,
    after any restart. ``ref`` is an opaque JSON object that only the platform's adapter understands."""

    async def save(self, platform: str, key: str, ref: dict[str, Any], now: datetime) -> None: ...

    async def load(self, platform: str, key: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class StoredMessage:
    """One message of a transcript (see :class:`Transcript`)."""

    id: int
    key: str
    place: str
    thread: str | None
    audience: str | None
    kind: str
    author: str
    body: dict[str, Any]
    status: str
    version: int
    created_at: datetime
    updated_at: datetime

    def visible_to(self, persona: str) -> bool:
        if self.place.startswith("dm:") and self.place != f"dm:{persona}":
            return False
        return self.audience is None or self.audience == persona


class Transcript(Protocol):
    """The messages of a platform that keeps no history of its own (the playground): addressed by
    ``key`` (the ``MessageRef`` key), so updates and thread replies work on any replica."""

    async def add(self, *, place: str, kind: str, author: str, body: dict[str, Any], now: datetime,
                  thread: str | None = None, audience: str | None = None) -> StoredMessage: ...  # fmt: skip

    async def get(self, key: str) -> StoredMessage | None: ...

    async def replace(self, key: str, body: dict[str, Any], now: datetime, *, status: str | None = None) -> StoredMessage | None: ...

    async def close_form(self, key: str, now: datetime) -> StoredMessage | None: ...

    async def visible(self, persona: str, limit: int = 1000) -> list[StoredMessage]: ...


class Host(Protocol):
    """What a platform may use of the application (the composition root implements it)."""

    @property
    def config(self) -> OrgConfig: ...

    @property
    def env(self) -> Mapping[str, str]: ...

    @property
    def bind_host(self) -> str:
        """The address the server listens on (a loopback-only platform checks it)."""
        ...

    @property
    def web(self) -> web.Application:
        """The one aiohttp app: routes, start-up and clean-up hooks."""
        ...

    @property
    def references(self) -> References: ...

    @property
    def transcript(self) -> Transcript: ...

    def clock(self) -> datetime: ...

    async def dispatch(self, event: Event) -> Outcome:
        """Handle one neutral event (raises :class:`Unavailable` when the database is down)."""
        ...

    def precheck(self, event: Event) -> tuple[bool, Form | None]:
        """Decide a form submission without the database when its form allows: (decided, the form
        shown back with errors or None)."""
        ...

    async def once(self, key: str, within: timedelta) -> bool:
        """True for the first caller of ``key`` in ``within`` — on any replica, across restarts (a
        durable row): for courtesies said once, like a welcome. Raises :class:`Unavailable` when the
        database is down."""
        ...

    def download_url(self, file_name: str) -> str | None:
        """A signed, expiring link to an attached file the bot can make again (a draft), or None
        when this bot offers no links (no public URL)."""
        ...


@dataclass(frozen=True)
class Platform:
    """A platform package's entry in the registry (``adapters/__init__.py``)."""

    name: str
    configured: Callable[[Mapping[str, str]], bool]  # are its credentials in the environment?
    install: Callable[[Host], Adapter]  # mount its routes on the host and return its adapter
    # how a person gives the bot a command there, as help and error texts show it ({cmd} in the catalogue)
    command: str = DEFAULT_COMMAND
    # the catalogue key saying how to let the bot post in a channel again (Slack: /invite; Teams: add the app)
    invite: str = "chan.fix_default"
