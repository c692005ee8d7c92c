"""What arrives, in past tense, each with its actor. Adapters translate raw payloads into these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.model import MessageRef, PlaceRef, UserRef


@dataclass(frozen=True)
class CommandInvoked:
    """`/mynaleak <text>` (Slack), "report" (Teams), the playground composer."""

    actor: UserRef
    place: PlaceRef
    text: str
    trigger: str | None = None  # what an adapter needs to open a form in reply
    dedup: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class FormSubmitted:
    actor: UserRef
    form_id: str
    values: Mapping[str, str | tuple[str, ...]]
    context: str = ""  # opaque context the form carried (incident id, item id)
    place: PlaceRef | None = None
    dedup: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class ButtonPressed:
    actor: UserRef
    action: str
    value: str
    place: PlaceRef | None = None
    message: MessageRef | None = None
    trigger: str | None = None
    dedup: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class MessagePosted:
    actor: UserRef
    place: PlaceRef
    text: str
    dedup: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class TimerFired:
    """A durable timer came due. ``key`` carries the escalation id and step for stale checks."""

    incident_id: str
    kind: str
    key: str
    payload: Mapping[str, str] = field(default_factory=dict)
    actor: UserRef = UserRef("system", "timer", "mynaleak")
    dedup: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class DeliveryFailed:
    """A message could not be delivered at all (after retries, or permanently)."""

    incident_id: str
    tag: str
    recipient: UserRef | None
    error: str
    final: bool = True  # False: still being retried
    actor: UserRef = UserRef("system", "delivery", "mynaleak")
    dedup: str | None = None
    lang: str | None = None
    blocked: bool = False  # the incident's channel refused the bot (not a member, removed, archived): retried slowly


@dataclass(frozen=True)
class MessageDelivered:
    """A channel message was delivered: the incident card's first post (its pages gain their link to
    it), or a post or update that had failed before (the channel works again)."""

    incident_id: str
    tag: str
    kind: str  # the outgoing row's kind: post | update
    actor: UserRef = UserRef("system", "delivery", "mynaleak")
    dedup: str | None = None
    lang: str | None = None


Event = CommandInvoked | FormSubmitted | ButtonPressed | MessagePosted | TimerFired | DeliveryFailed | MessageDelivered
