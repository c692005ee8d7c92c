"""The playground's side of the adapter contract: the chat log is the platform. Sending a message
stores it (``storage.playground_store``) and pushes it to the open pages; updates replace it in place;
private replies and forms are addressed to one persona. ``install(app)`` mounts the page and its API
(``adapters.playground.web``) and returns the adapter."""

from __future__ import annotations

import logging
import re
import secrets
from typing import TYPE_CHECKING, Any

from adapters.playground.hub import Hub
from adapters.playground.inbound import KEY_RE, split_place
from adapters.playground.personas import PLATFORM, channel_key, personas
from adapters.playground.render import card_html, form_html, message_html, text_html
from bot.core.i18n import t
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.platform import Clock, DeliveryError, StoredMessage, Transcript
from bot.core.serde import view_from, view_payload
from bot.core.views import Card, Form

if TYPE_CHECKING:
    from bot.core.config import OrgConfig

log = logging.getLogger("mynaleak.playground")
USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PLACE_RE = re.compile(r"^[^\s#]{1,100}$")


class PlaygroundAdapter:
    platform = PLATFORM

    def __init__(self, store: Transcript, config: OrgConfig, clock: Clock):
        self.store = store
        self.config = config
        self.clock = clock
        self.channel = channel_key(config)
        self.personas = {p.id: p for p in personas(config)}
        self.hub = Hub(self.envelope)
        self.token = secrets.token_urlsafe(32)  # the page's API token (per process)

    # ---- the contract --------------------------------------------------------------------------
    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        key = self._user(user)
        m = await self.store.add(place=f"dm:{key}", kind="card", author="bot", body=view_payload(view), now=self.clock())
        self.hub.publish("message", m)
        return MessageRef(PLATFORM, m.key)

    async def post(self, place: PlaceRef, view: Card, thread: MessageRef | None = None) -> MessageRef:
        base, in_thread = self._place(place)
        parent_key = thread.key if thread else in_thread
        if parent_key is not None:
            parent = await self.store.get(parent_key) if KEY_RE.match(parent_key) else None
            if parent is None or parent.place != base:
                raise DeliveryError(f"thread_not_found: {parent_key[:40]}", permanent=True)
            parent_key = parent.thread or parent.key  # a reply to a reply stays in the same thread
        m = await self.store.add(place=base, thread=parent_key, kind="card", author="bot", body=view_payload(view), now=self.clock())
        self.hub.publish("message", m)
        return MessageRef(PLATFORM, m.key)

    async def update(self, message: MessageRef, view: Card) -> None:
        if message.platform != PLATFORM or not KEY_RE.match(message.key):
            raise DeliveryError(f"message_not_found: {message.key[:40]}", permanent=True)
        m = await self.store.replace(message.key, view_payload(view), self.clock())
        if m is None:
            raise DeliveryError(f"message_not_found: {message.key[:40]}", permanent=True)
        self.hub.publish("update", m)

    async def link(self, message: MessageRef) -> str | None:
        """The page's anchor that opens the message's thread in the channel (``#thread=<key>``)."""
        if message.platform != PLATFORM or not KEY_RE.match(message.key):
            return None
        return f"/#thread={message.key}"

    async def reply(self, user: UserRef, place: PlaceRef | None, view: Card) -> None:
        key = self._user(user)
        base, thread = self._place(place) if place is not None else (f"dm:{key}", None)
        if base.startswith("dm:"):
            base, thread = f"dm:{key}", None
        m = await self.store.add(
            place=base, thread=thread, audience=key, kind="card", author="bot", body=view_payload(view), now=self.clock()
        )
        self.hub.publish("message", m)

    async def open_form(self, user: UserRef, trigger: str, form: Form, place: PlaceRef | None) -> None:
        key = self._user(user)
        base = self._place(place)[0] if place is not None else f"dm:{key}"
        if base.startswith("dm:"):
            base = f"dm:{key}"
        m = await self.store.add(place=base, audience=key, kind="form", author="bot", body=view_payload(form), now=self.clock())
        self.hub.publish("form", m)

    # ---- checks --------------------------------------------------------------------------------
    def _user(self, user: UserRef) -> str:
        if user.platform != PLATFORM or not USER_RE.match(user.key):
            raise DeliveryError(f"user_not_found: {user.platform}:{user.key[:40]}", permanent=True)
        return user.key

    def _place(self, place: PlaceRef) -> tuple[str, str | None]:
        if place.platform != PLATFORM:
            raise DeliveryError(f"channel_not_found: {place.platform}", permanent=True)
        base, thread = split_place(place.key)
        ok = USER_RE.match(base[3:]) if base.startswith("dm:") else PLACE_RE.match(base)
        if not ok:
            raise DeliveryError(f"channel_not_found: {base[:40]}", permanent=True)
        return base, thread

    # ---- what the page gets --------------------------------------------------------------------
    def name_of(self, key: str, lang: str = "ja") -> str:
        p = self.personas.get(key)
        if p is None:
            return key
        return t(f"playground.{p.role}_name", lang) if p.role in ("reporter", "outsider") else p.name

    def envelope(self, m: StoredMessage, persona: str, lang: str) -> dict[str, Any]:
        """One message as the page receives it (its HTML rendered for ``lang``)."""
        out: dict[str, Any] = {"id": m.id, "key": m.key, "place": m.place, "thread": m.thread, "kind": m.kind,
                               "private": m.audience is not None, "version": m.version, "status": m.status,
                               "author": m.author}  # fmt: skip
        if m.kind == "form":
            form = view_from(m.body)
            out |= {"form_id": getattr(form, "id", ""), "html": form_html(form, m.key, lang) if isinstance(form, Form) else ""}
            return out
        time = m.created_at.astimezone(self.config.tz).strftime("%H:%M")
        if m.kind == "text":
            body = f'<div class="msg-text">{text_html(str(m.body.get("text", "")))}</div>'
            p = self.personas.get(m.author)
            role = p.role_label(lang) if p else ""
            author, is_bot = self.name_of(m.author, lang), False
        else:
            view = view_from(m.body)
            body = card_html(view, lang, lambda k: self.name_of(k, lang)) if isinstance(view, Card) else ""
            author, is_bot, role = "mynaleak", True, ""
        out["html"] = message_html(author=author, is_bot=is_bot, time=time, body=body, lang=lang, edited=m.version > 1,
                                   private=m.audience is not None, role=role)  # fmt: skip
        return out
