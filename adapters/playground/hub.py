"""Live updates: every open page holds a server-sent-events stream; the hub hands each stream the
changes its persona may see, already rendered for its language."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.platform import StoredMessage

log = logging.getLogger("mynaleak.playground")
QUEUE_LIMIT = 500
Envelope = Callable[[StoredMessage, str, str], dict[str, Any]]  # (message, persona, lang) -> JSON


@dataclass(eq=False)
class Subscriber:
    persona: str
    lang: str
    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    queued: int = 0
    written: int = 0


class Hub:
    def __init__(self, envelope: Envelope):
        self.envelope = envelope
        self.subscribers: set[Subscriber] = set()
        self.published = 0

    def subscribe(self, persona: str, lang: str) -> Subscriber:
        sub = Subscriber(persona, lang)
        self.subscribers.add(sub)
        return sub

    def drop(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    def publish(self, op: str, msg: StoredMessage) -> None:
        """Queue ``op`` (message | update | form | form_closed) for every page that may see ``msg``."""
        self.published += 1
        for sub in list(self.subscribers):
            if not msg.visible_to(sub.persona):
                continue
            try:
                sub.queue.put_nowait({"type": op, "message": self.envelope(msg, sub.persona, sub.lang)})
                sub.queued += 1
            except asyncio.QueueFull:  # a stalled page: end its stream; it reloads its state on reconnect
                log.warning("playground: live stream fell behind; dropping it", extra={"persona": sub.persona})
                self.drop(sub)
                sub.queue = asyncio.Queue(1)
                sub.queue.put_nowait(None)

    def close(self) -> None:
        """End every stream (shutdown)."""
        for sub in list(self.subscribers):
            self.drop(sub)
            try:
                sub.queue.put_nowait(None)
            except asyncio.QueueFull:
                sub.queue = asyncio.Queue(1)
                sub.queue.put_nowait(None)

    def idle(self) -> bool:
        """Every queued change has been written to its stream (tests wait for this)."""
        return all(s.written >= s.queued for s in self.subscribers)
