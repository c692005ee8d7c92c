"""The recording adapter: an in-memory (optionally file-backed) platform for tests and harnesses,
shipped in-repo like httpx's MockTransport. It implements the adapter contract faithfully: every
message gets a reference, updates must name a message it sent, and failures can be scripted."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core import serde
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.platform import DeliveryError
from bot.core.views import Card, Form


@dataclass
class Sent:
    op: str
    ref: str
    to: str
    view: Card | Form
    thread: str | None = None


@dataclass
class RecordingAdapter:
    platform: str = "playground"
    log_path: Path | None = None
    sent: list[Sent] = field(default_factory=list)
    fail: dict[str, list[DeliveryError]] = field(default_factory=dict)  # op -> errors to raise next
    delay: float = 0.0  # seconds each send takes (a slow platform)
    _n: int = 0
    # file-backed, the log is the platform several processes share: references unique across them
    _prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def _record(self, op: str, to: str, view: Card | Form, thread: str | None = None, ref: str | None = None) -> MessageRef:
        if self.fail.get(op):
            raise self.fail[op].pop(0)
        if ref is None:
            self._n += 1
            ref = f"m{self._n}" if self.log_path is None else f"{self._prefix}-m{self._n}"
        s = Sent(op, ref, to, view, thread)
        self.sent.append(s)
        if self.log_path is not None:
            line = {"op": op, "ref": ref, "to": to, "thread": thread, "view": serde.dump(view)}
            with self.log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return MessageRef(self.platform, ref)

    async def _slow(self) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)

    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        await self._slow()
        return self._record("notify", f"user:{user.key}", view)

    async def post(self, place: PlaceRef, view: Card, thread: MessageRef | None = None) -> MessageRef:
        await self._slow()
        return self._record("post", f"place:{place.key}", view, thread.key if thread else None)

    def _known(self, ref: str) -> bool:
        """A message this platform holds: sent by this adapter, or (file-backed) by any process sharing the log."""
        if any(s.ref == ref and s.op in ("notify", "post") for s in self.sent):
            return True
        if self.log_path is None or not self.log_path.exists():
            return False
        lines = (json.loads(x) for x in self.log_path.read_text(encoding="utf-8").splitlines() if x.strip())
        return any(x.get("ref") == ref and x.get("op") in ("notify", "post") for x in lines)

    async def update(self, message: MessageRef, view: Card) -> None:
        if not self._known(message.key):
            raise DeliveryError(f"message_not_found: {message.key}", permanent=True)
        self._record("update", f"message:{message.key}", view, ref=message.key)

    async def link(self, message: MessageRef) -> str | None:
        """A link to a message this adapter sent (under ``https://recording.invalid/``), None for any other."""
        return f"https://recording.invalid/{message.key}" if self._known(message.key) and message.platform == self.platform else None

    async def reply(self, user: UserRef, place: PlaceRef | None, view: Card) -> None:
        self._record("reply", f"user:{user.key}", view)

    async def open_form(self, user: UserRef, trigger: str, form: Form, place: PlaceRef | None) -> None:
        self._record("form", f"user:{user.key}", form)

    # ---- what tests ask ------------------------------------------------------------------------
    def ops(self, op: str, to: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.op == op and (to is None or s.to == to)]

    def latest(self, ref: str) -> Card | Form:
        """The current content of a message (its last update, or the original)."""
        return [s for s in self.sent if s.ref == ref][-1].view

    def texts(self) -> list[str]:
        return [_flat(s.view) for s in self.sent]


def _flat(view: Any) -> str:
    return json.dumps(serde.dump(view), ensure_ascii=False)
