"""The outgoing row: what a flow's message effects become in the outbox, and how a row is sent.

``encode`` turns an effect into an :class:`Outgoing` (one function); ``send`` hands a row to the
adapter of its channel (one function). A row is routed by its RECIPIENT's channel — the person's or
the place's platform (and, with the paging issue, a person's e-mail or paging service) — not by the
incident's. :class:`Kind` knows which kinds are urgent: a person is waiting for pages, private
replies and forms, so those are claimed in the event's own transaction and sent the moment it
commits; channel posts and card updates go through the background worker.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.core import serde
from bot.core.effects import Effect, Notify, OpenForm, Post, Reply, Update
from bot.core.model import Incident, MessageRef, PlaceRef, UserRef
from bot.core.platform import Adapter, DeliveryError, Linking, Notifier, Resolving
from bot.core.views import LINK, Card, Form

log = logging.getLogger("mynaleak.outbox")


class Kind(StrEnum):
    NOTIFY = "notify"  # a direct message to one person (a page)
    POST = "post"  # a channel message or a thread reply; may be tagged for later updates
    UPDATE = "update"  # replaces the message tagged ``tag``
    REPLY = "reply"  # a private reply
    FORM = "form"  # a form opened for one person

    @property
    def urgent(self) -> bool:
        return self in (Kind.NOTIFY, Kind.REPLY, Kind.FORM)

    @property
    def creates_target(self) -> bool:
        """A row of this kind makes a message that later updates and thread replies can refer to."""
        return self in (Kind.NOTIFY, Kind.POST)


URGENT = tuple(k.value for k in Kind if k.urgent)
BACKGROUND = tuple(k.value for k in Kind if not k.urgent)


class Defer(Exception):
    """The message this row refers to is not delivered yet: try again shortly."""


class Skip(Exception):
    """Nothing to do (the message to update was never delivered, or a newer update supersedes it)."""


@dataclass(frozen=True)
class Outgoing:
    kind: Kind
    channel: str  # the recipient's platform (or notifier channel)
    tag: str
    payload: dict[str, Any]

    def row(self, idem_key: str, incident_id: str | None) -> dict[str, Any]:
        """The outbox row (storage's columns; ``platform`` holds the channel)."""
        return {"idem_key": idem_key, "incident_id": incident_id, "platform": self.channel, "kind": self.kind.value,
                "tag": self.tag, "payload": self.payload}  # fmt: skip


def encode(effect: Effect, inc: Incident | None, fallback: str) -> Outgoing | None:
    """The row for a message effect (``None`` for effects that are not messages). ``fallback`` is the
    channel when the recipient names none (an update goes where the incident's messages are)."""
    home = inc.channel.platform if inc else fallback
    if isinstance(effect, Notify):
        return Outgoing(
            Kind.NOTIFY, effect.user.platform, effect.tag, {"user": serde.dump(effect.user), "view": serde.view_payload(effect.view)}
        )
    if isinstance(effect, Post):
        place = effect.place or (inc.channel if inc else None)
        payload = {"place": serde.dump(place) if place else None, "thread_of": effect.thread_of, "view": serde.view_payload(effect.view)}
        return Outgoing(Kind.POST, place.platform if place else home, effect.tag, payload)
    if isinstance(effect, Update):
        return Outgoing(Kind.UPDATE, home, effect.tag, {"view": serde.view_payload(effect.view)})
    if isinstance(effect, Reply):
        payload = {"user": serde.dump(effect.user), "place": _place(effect.place), "view": serde.view_payload(effect.view)}
        return Outgoing(Kind.REPLY, effect.user.platform, "", payload)
    if isinstance(effect, OpenForm):
        payload = {
            "user": serde.dump(effect.user),
            "trigger": effect.trigger,
            "place": _place(effect.place),
            "view": serde.view_payload(effect.form),
        }
        return Outgoing(Kind.FORM, effect.user.platform, "", payload)
    return None


def _place(place: PlaceRef | None) -> Any:
    return serde.dump(place) if place else None


def message_ref(stored: str | None) -> MessageRef | None:
    return serde.load(MessageRef, json.loads(stored)) if stored else None


def _adapter(adapters: Mapping[str, Adapter], channel: str) -> Adapter:
    adapter = adapters.get(channel)
    if adapter is None:
        raise DeliveryError(f"no adapter for platform {channel!r}", permanent=True)
    return adapter


async def send(
    out: Outgoing,
    adapters: Mapping[str, Adapter],
    target: Callable[[str], MessageRef | None],
    notifiers: Mapping[str, Notifier] | None = None,
) -> MessageRef | None:
    """Deliver one row through the adapter of its channel (an update: of the message it replaces), or a
    page through the notifier of its channel (e-mail). ``target(tag)`` is the delivered message a tag
    names (``None``: never delivered; raises :class:`Defer` while it is still on its way)."""
    p = out.payload
    notifiers = notifiers or {}
    if out.kind is Kind.NOTIFY and out.channel in notifiers:
        card = await with_links(_card(serde.view_from(p["view"])), adapters, target)
        return await notifiers[out.channel].notify(serde.load(UserRef, p["user"]), card)
    if out.kind is Kind.UPDATE:
        message = target(out.tag)
        if message is not None and isinstance(resolving := notifiers.get(message.platform), Resolving):
            await resolving.resolve(message, _card(serde.view_from(p["view"])))  # a paging service's alert resolved
            return None
        if message is None or message.platform in notifiers:
            raise Skip  # the original was never delivered (cancelled, failed), or was a mail: nothing to update
        # a page updated once the card exists gains its link (flows.channel.link_pages)
        await _adapter(adapters, message.platform).update(message, await with_links(_card(serde.view_from(p["view"])), adapters, target))
        return None
    adapter = _adapter(adapters, out.channel)
    view = serde.view_from(p["view"])
    if out.kind is Kind.NOTIFY:
        return await adapter.notify(serde.load(UserRef, p["user"]), await with_links(_card(view), adapters, target))
    if out.kind is Kind.POST:
        thread = target(p["thread_of"]) if p.get("thread_of") else None
        if p.get("place") is None:
            raise DeliveryError("no place to post in", permanent=True)
        return await adapter.post(serde.load(PlaceRef, p["place"]), _card(view), thread)
    place = serde.load(PlaceRef, p["place"]) if p.get("place") else None
    user = serde.load(UserRef, p["user"])
    if out.kind is Kind.REPLY:
        await adapter.reply(user, place, _card(view))
    else:
        if not isinstance(view, Form):
            raise DeliveryError("a form row without a form", permanent=True)
        await adapter.open_form(user, p.get("trigger") or "", view, place)
    return None


def link_tags(payload: Mapping[str, Any]) -> set[str]:
    """The tags of the messages a row's link buttons lead to (the incident card)."""
    buttons = ((payload.get("view") or {}).get("data") or {}).get("buttons") or ()
    return {str(b.get("value") or "") for b in buttons if isinstance(b, dict) and b.get("action") == LINK} - {""}


async def with_links(card: Card, adapters: Mapping[str, Adapter], target: Callable[[str], MessageRef | None]) -> Card:
    """``card`` with each link button's address filled in from the platform of the message it leads to;
    a link that cannot be had (the card is not posted yet, the platform gives no links, the call failed)
    is dropped — a page is never held up or refused for its link."""
    buttons = []
    for b in card.buttons:
        if b.action != LINK or b.url:
            buttons.append(b)
            continue
        try:
            message = target(b.value)
        except Defer:  # the card is on its way: the page does not wait for it
            message = None
        adapter = adapters.get(message.platform) if message else None
        url = None
        if message is not None and isinstance(adapter, Linking):
            try:
                url = await adapter.link(message)
            except DeliveryError as exc:
                log.info("no link to the incident for this page", extra={"error": str(exc)[:200]})
        if url:
            buttons.append(replace(b, url=url))
    return replace(card, buttons=tuple(buttons))


def _card(view: Card | Form) -> Card:
    if not isinstance(view, Card):
        raise DeliveryError("a message row without a card", permanent=True)
    return view
