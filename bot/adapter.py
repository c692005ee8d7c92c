"""The adapter contract: the smallest set of operations that covers the whole flow, proactive
messages included (after botbuilder's ``BotAdapter``: send / update / continue_conversation).

Each platform implements it once; the core never sees a platform type. References come back as
opaque ``MessageRef`` values that the runtime stores, so any replica can update a message later.
"""

from __future__ import annotations

from typing import Protocol

from bot.model import MessageRef, PlaceRef, UserRef
from bot.views import Card, Form


class DeliveryError(Exception):
    """Sending failed. ``permanent``: retrying cannot help (user unreachable, channel gone).
    ``retry_after``: the platform asked us to wait this many seconds (HTTP 429)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


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
