"""Slack's message shortcut 「マイナンバー事案として報告」 ("Report as a My Number incident"): the report
form, the same one ``/mynaleak report`` opens, pre-filled with the message's text — masked here at the
boundary (a My Number in the message never reaches the form, the log or the database) — and headed by
a reference to the message (its channel and ts), so the incident says where it was
declared from. The flow cuts the summary to the form's limit."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from adapters.slack.inbound import PLATFORM, Who, tolerant
from bot.core.events import CommandInvoked
from bot.core.i18n import t
from bot.core.model import PlaceRef, UserRef
from bot.core.redaction import clean_text, redact

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


class Listening(Protocol):
    """What a listener here needs of the SlackAdapter (named structurally: adapter.py imports this module)."""

    lang: str

    async def who(self, user_id: str, timeout: float = 1.5) -> Who: ...

    async def tell(self, user: UserRef, place: PlaceRef | None, key: str, lang: str | None = None) -> None: ...

    def tracked(self, fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]: ...


log = logging.getLogger("mynaleak.slack")
CALLBACK_ID = "mynaleak_report_message"  # manifest.yml features.shortcuts
_NAME = re.compile(r"^[\w.-]{1,80}$")
_TS = re.compile(r"^\d{1,12}\.\d{1,8}$")


def reference(channel: str, ts: str, name: str = "") -> str:
    """Where the message is: ``#name (C0123) ts=1700000000.000100`` — the channel and the message's ts,
    which find it again. (Not its permalink: the 16 digits of ``p1700000000000100`` are masked by the
    redaction, which takes any long run of digits for a possible My Number.)"""
    channel = channel if _NAME.match(channel) else "?"
    where = f"#{name} ({channel})" if _NAME.match(name) and name != channel else channel
    return f"{where} ts={ts if _TS.match(ts) else '?'}"


@tolerant
def message_report(body: Mapping[str, Any], who: Who, lang: str = "ja") -> tuple[CommandInvoked, int] | None:
    """A ``message_action`` payload → ``report`` with the masked text (and how many numbers were masked)."""
    user_id = str((body.get("user") or {}).get("id") or "")
    channel = str((body.get("channel") or {}).get("id") or "")
    msg = body.get("message") or {}
    ts = str(msg.get("ts") or body.get("message_ts") or "")
    if not user_id or not channel:
        return None
    lang = who.lang or lang
    text, masked = redact(clean_text(str(msg.get("text") or "")).strip())
    ref = t("slackux.declared_from", lang, ref=reference(channel, ts, str((body.get("channel") or {}).get("name") or "")))
    trigger = str(body.get("trigger_id") or "") or None
    event = CommandInvoked(
        actor=UserRef(PLATFORM, user_id, who.name or str((body.get("user") or {}).get("name") or "")),
        place=PlaceRef(PLATFORM, channel),
        text=f"report {ref}\n{text}".rstrip(),
        trigger=trigger,
        dedup=f"slack:shortcut:{trigger}" if trigger else None,
        lang=who.lang,
    )
    return event, masked


def register(bolt: AsyncApp, adapter: Listening, act: Callable[[Any], Awaitable[None]]) -> None:
    """The listener: ack at once, open the form (through the flow, as ``/mynaleak report`` does), then
    tell the person privately if a number was masked out of the message."""

    async def on_message_shortcut(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        user_id = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None
        who = await adapter.who(str(user_id or ""), timeout=0.5)  # the trigger lasts 3 s
        try:
            got = message_report(body, who, adapter.lang)
        except ValueError as exc:
            log.warning("unreadable Slack payload", extra={"error": str(exc)[:200]})
            return
        if got is None:
            log.warning("unreadable Slack payload", extra={"error": "message shortcut without user or channel"})
            return
        event, masked = got
        await act(event)
        if masked:
            log.info("masked a My Number in a message declared as an incident", extra={"masked": masked})
            await adapter.tell(event.actor, event.place, "slackux.shortcut_masked", event.lang)

    bolt.message_shortcut(CALLBACK_ID)(adapter.tracked(on_message_shortcut))
