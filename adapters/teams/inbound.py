"""Pure translators: a Bot Framework activity from Teams (JSON, as posted) → ``bot.core.events``.

A person is keyed by their Entra (AAD) object id when Teams sends it, else by their channel account
id; the organisation file lists people by that key. A place is the conversation id as Teams gives it
(a channel thread keeps its ``;messageid=`` suffix, so replies stay in the thread). The dedup key is
the activity id: Teams retries a delivery with the same id.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from adapters.teams.render import DATE, META, TIME
from bot.core.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, MessagePosted
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.redaction import contains_my_number

PLATFORM = "teams"
_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# Slack's habit typed to the bot in Teams ("/mynaleak status"): the word after it is the command
_SLASH = re.compile(r"^[/／]mynaleak(?:\s+|$)", re.IGNORECASE)
MAX_FIELDS = 60
MAX_VALUE = 20_000


class BadActivity(ValueError):
    """The activity lacks what we need (no sender, no conversation): refused with a log line."""


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, Mapping):
            return None
        d = d.get(p)
    return d


def user_key(account: Mapping[str, Any] | None) -> str:
    """The key of a person: their Entra object id when known, else their channel account id."""
    account = account or {}
    key = account.get("aadObjectId") or account.get("id")
    if not key or not isinstance(key, str):
        raise BadActivity("activity without a sender id")
    return key


def actor(activity: Mapping[str, Any]) -> UserRef:
    sender = activity.get("from") or {}
    return UserRef(PLATFORM, user_key(sender), str(sender.get("name") or ""))


def conversation_id(activity: Mapping[str, Any]) -> str:
    cid = _get(activity, "conversation", "id")
    if not cid or not isinstance(cid, str):
        raise BadActivity("activity without a conversation id")
    return cid


def base_conversation(cid: str) -> str:
    """A channel thread's conversation id without its ``;messageid=…`` suffix."""
    return cid.split(";messageid=", 1)[0]


def conversation_type(activity: Mapping[str, Any]) -> str:
    """``personal``, ``channel`` or ``groupChat``."""
    return str(
        _get(activity, "conversation", "conversationType") or ("channel" if _get(activity, "channelData", "channel", "id") else "personal")
    )


def tenant(activity: Mapping[str, Any]) -> str | None:
    got = _get(activity, "conversation", "tenantId") or _get(activity, "channelData", "tenant", "id")
    return str(got) if got else None


def place(activity: Mapping[str, Any]) -> PlaceRef:
    return PlaceRef(PLATFORM, conversation_id(activity))


def lang(activity: Mapping[str, Any]) -> str | None:
    loc = str(activity.get("locale") or "").lower()
    return "en" if loc.startswith("en") else "ja" if loc.startswith("ja") else None


def dedup(activity: Mapping[str, Any]) -> str | None:
    aid = activity.get("id")
    return f"teams:{aid}" if aid else None


def command_text(activity: Mapping[str, Any]) -> str:
    """The text with @mentions of the bot, HTML and non-breaking spaces removed."""
    raw = str(activity.get("text") or "")
    bot_id = _get(activity, "recipient", "id")
    bot_mentions = {
        str(e.get("text") or "")
        for e in activity.get("entities") or []
        if isinstance(e, Mapping) and e.get("type") == "mention" and _get(e, "mentioned", "id") == bot_id
    }
    for m in bot_mentions:
        if m:
            raw = raw.replace(m, " ")
    if not bot_mentions:  # a mention without an entity (older clients): drop the first <at> tag
        raw = _AT.sub(" ", raw, count=1) if raw.lstrip().lower().startswith("<at") else raw
    raw = _AT.sub(lambda m: m.group(1), raw)
    text = html.unescape(_TAG.sub(" ", raw)).replace("\xa0", " ")
    return _SLASH.sub("", " ".join(text.split()), count=1)


def _one_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)[:MAX_VALUE]
    return ""


def form_values(data: Mapping[str, Any]) -> dict[str, str | tuple[str, ...]]:
    """The submitted inputs, with Date+Time pairs joined (ISO) and multi-selects split."""
    info = data.get(META) if isinstance(data.get(META), Mapping) else {}
    dts = [str(n) for n in info.get("dt") or [] if isinstance(n, str)]  # type: ignore[union-attr]
    multi = {str(n) for n in info.get("multi") or [] if isinstance(n, str)}  # type: ignore[union-attr]
    skip = {"form", "context", META, *(n + DATE for n in dts), *(n + TIME for n in dts)}
    values: dict[str, str | tuple[str, ...]] = {}
    for name, value in list(data.items())[: MAX_FIELDS * 2]:
        if name in skip or not isinstance(name, str) or len(values) >= MAX_FIELDS:
            continue
        text = _one_value(value)
        values[name] = tuple(x.strip() for x in text.split(",") if x.strip()) if name in multi else text
    for name in multi:
        values.setdefault(name, ())
    for name in dts:
        date, clock = _one_value(data.get(name + DATE)).strip(), _one_value(data.get(name + TIME)).strip()
        values[name] = f"{date}T{clock or '00:00'}" if date else clock
    return values


def message_ref(activity: Mapping[str, Any], activity_id: str | None) -> MessageRef | None:
    if not activity_id:
        return None
    key = {"conversation": conversation_id(activity), "activity_id": activity_id, "service_url": activity.get("serviceUrl") or ""}
    return MessageRef(PLATFORM, json.dumps(key, separators=(",", ":")))


def is_submit(activity: Mapping[str, Any]) -> bool:
    return activity.get("type") == "message" and isinstance(activity.get("value"), Mapping)


def translate(activity: Mapping[str, Any]) -> Event | None:
    """The event an activity stands for, or ``None`` when it is not one we act on.
    Raises :class:`BadActivity` when a card submission cannot be read."""
    if activity.get("type") != "message":
        return None
    who, where, key, lng = actor(activity), place(activity), dedup(activity), lang(activity)
    value = activity.get("value")
    if isinstance(value, Mapping):
        if isinstance(value.get("form"), str):
            context = value.get("context")
            return FormSubmitted(who, value["form"], form_values(value), context if isinstance(context, str) else "",
                                 where, key, lng)  # fmt: skip
        if isinstance(value.get("action"), str):
            v = value.get("value")
            msg = message_ref(activity, activity.get("replyToId"))
            return ButtonPressed(who, value["action"], v if isinstance(v, str) else "", where, msg,
                                 str(activity.get("id") or ""), key, lng)  # fmt: skip
        raise BadActivity("card submission without form or action")
    text = command_text(activity)
    if not text and value is None and not activity.get("text"):
        return None  # attachments only, reactions …
    if contains_my_number(text):
        return MessagePosted(who, where, text, key, lng)
    return CommandInvoked(who, where, text, str(activity.get("id") or ""), key, lng)


def installation(activity: Mapping[str, Any]) -> str | None:
    """``"add"`` / ``"remove"`` when the bot was installed into or removed from this conversation."""
    kind = activity.get("type")
    if kind == "installationUpdate":
        action = str(activity.get("action") or "")
        return "remove" if action.startswith("remove") else "add"
    if kind == "conversationUpdate":
        bot = _get(activity, "recipient", "id")
        if any(_get(m, "id") == bot for m in activity.get("membersAdded") or []):
            return "add"
        if any(_get(m, "id") == bot for m in activity.get("membersRemoved") or []):
            return "remove"
    return None


def welcome(activity: Mapping[str, Any]) -> bool:
    """The bot was just added to this conversation (a personal install, a team, a group chat): not an
    upgrade of an installed app, not a person joining a team the bot is already in."""
    if activity.get("type") == "installationUpdate":
        return activity.get("action") == "add"
    return activity.get("type") == "conversationUpdate" and installation(activity) == "add"
