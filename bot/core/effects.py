"""What a flow asks for. The runtime turns each into a row (outbox, timer, audit) in the same
transaction as the state change; messages are delivered after commit.

Messages are addressed by *tag* within their incident (``card``, ``step:3``, ``page:…``): the runtime
records the platform's reference for each tag when it is delivered, so a later ``Update`` or a thread
reply finds its target on any replica, after any restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.away import ClearAway, SetAway
from bot.core.model import PlaceRef, UserRef
from bot.core.views import Card, Form, Later


@dataclass(frozen=True)
class Notify:
    """A direct message to one person (a page)."""

    user: UserRef
    view: Card
    tag: str = ""


@dataclass(frozen=True)
class Post:
    """A message in a channel, or in the thread of the message tagged ``thread_of``."""

    view: Card | Later
    place: PlaceRef | None = None
    thread_of: str = ""
    tag: str = ""


@dataclass(frozen=True)
class Update:
    """Replace the message tagged ``tag`` in place; ``incident_id``: the incident whose message it is,
    when not this one (a digest page lives with the incident that first sent it)."""

    tag: str
    view: Card
    incident_id: str = ""


@dataclass(frozen=True)
class Reply:
    """A private reply to one person where they spoke (ephemeral in Slack)."""

    user: UserRef
    view: Card
    place: PlaceRef | None = None


@dataclass(frozen=True)
class OpenForm:
    user: UserRef
    trigger: str
    form: Form
    place: PlaceRef | None = None


@dataclass(frozen=True)
class RejectForm:
    """A submitted form was invalid: show it back, with the errors, synchronously."""

    form: Form


@dataclass(frozen=True)
class StartTimer:
    kind: str
    key: str
    due_at: datetime
    payload: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CancelTimers:
    kinds: tuple[str, ...] = ()  # empty: every kind


@dataclass(frozen=True)
class CancelMessages:
    """Drop messages not yet delivered whose tag starts with ``prefix`` (pages after an ack)."""

    prefix: str


@dataclass(frozen=True)
class Requeue:
    """Send again now this incident's channel messages not delivered yet (posts and updates waiting for
    a retry, or given up): ``/mynaleak repost``. The same rows, so nothing is posted twice."""


@dataclass(frozen=True)
class Mark:
    """Record a row of the recent-paging log (``bot.core.model.PageMark``, with this event's time and
    incident): what flood control counts, in the same transaction as the pages themselves."""

    kind: str
    who: str
    tag: str = ""
    name: str = ""


@dataclass(frozen=True)
class Audit:
    action: str
    detail: Mapping[str, object] = field(default_factory=dict)


Effect = (
    Notify
    | Post
    | Update
    | Reply
    | OpenForm
    | RejectForm
    | StartTimer
    | CancelTimers
    | CancelMessages
    | Requeue
    | Audit
    | Mark
    | SetAway
    | ClearAway  # away periods (bot.core.away), stored by the runtime
)
MESSAGE_EFFECTS = (Notify, Post, Update, Reply, OpenForm)
