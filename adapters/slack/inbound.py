"""Slack payloads → neutral events. Pure: no I/O; the adapter looks up names and passes them in.

Every event carries a ``dedup`` key that is the same when Slack retries the same delivery
(``X-Slack-Retry-Num``) or a double click submits the same modal twice:
- slash command: its ``trigger_id``;
- block_actions: its ``trigger_id`` (``action_ts`` when there is none);
- view_submission: the view's id and hash plus a digest of the submitted values with every My
  Number masked (a corrected resubmission of a form shown back with errors is a new event, a double
  click is not; a key never depends on a number typed);
- Events API: ``event_id``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from adapters.slack.render import ACTION_SEP, action_of
from bot.core.events import ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.redaction import scrub
from bot.core.views import LINK

T = TypeVar("T")

PLATFORM = "slack"
USER_SUBTYPES = {"file_share", "thread_broadcast"}  # message subtypes that are still a person speaking


@dataclass(frozen=True)
class Who:
    """What the adapter knows of the person (from users.info, cached)."""

    name: str = ""
    lang: str | None = None


def locale_lang(locale: str | None) -> str | None:
    """A Slack locale (``ja-JP``, ``en-US``) as a catalogue language, or None for the default."""
    if not locale:
        return None
    head = locale.split("-")[0].lower()
    return head if head in ("ja", "en") else None


def message_key(channel: str, ts: str) -> str:
    return json.dumps({"channel": channel, "ts": ts}, sort_keys=True, separators=(",", ":"))


def parse_message_key(key: str) -> tuple[str, str]:
    """(channel, ts) of a MessageRef key; ValueError when it is not one of ours."""
    try:
        data = json.loads(key)
        return str(data["channel"]), str(data["ts"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a Slack message reference: {key[:80]!r}") from exc


def tolerant(fn: Callable[..., T]) -> Callable[..., T]:
    """A payload of an unexpected shape is a ValueError naming the translator, never a crash."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> T:
        try:
            return fn(*args, **kw)
        except (AttributeError, TypeError, KeyError, IndexError) as exc:
            raise ValueError(f"malformed Slack payload for {fn.__name__}: {type(exc).__name__}") from None

    return wrapper


_IDS = ("user", "team", "enterprise", "channel")  # an object or its id
_OBJECTS = ("container", "message", "view", "event", "state")


def malformed(body: Any) -> str | None:
    """Why Bolt could not read ``body`` (its matchers index into it without checking), or None.
    Checked after the signature and before Bolt, so a payload of the wrong shape is a 400."""
    if not isinstance(body, Mapping):
        return "body is not an object"
    for key in _IDS:
        if body.get(key) is not None and not isinstance(body[key], Mapping | str):
            return f"{key} is neither an object nor an id"
    for key in _OBJECTS:
        if body.get(key) is not None and not isinstance(body[key], Mapping):
            return f"{key} is not an object"
    view, event = body.get("view"), body.get("event")
    if view is not None and not (isinstance(view.get("type"), str) and isinstance(view.get("callback_id"), str)):
        return "view without type or callback_id"
    if event is not None and not isinstance(event.get("type"), str):
        return "event without type"
    for key in ("actions", "authorizations"):
        got = body.get(key)
        if got is not None and (not isinstance(got, list) or not all(isinstance(x, Mapping) for x in got)):
            return f"{key} is not a list of objects"
    if any(not isinstance(a.get("action_id", ""), str) or not isinstance(a.get("type", ""), str) for a in body.get("actions") or []):
        return "action without action_id"
    for key in ("type", "command", "callback_id", "trigger_id"):
        if body.get(key) is not None and not isinstance(body[key], str):
            return f"{key} is not a string"
    return None


def _user(user_id: str, who: Who, fallback: str = "") -> UserRef:
    return UserRef(PLATFORM, user_id, who.name or fallback)


@tolerant
def command(body: Mapping[str, Any], who: Who = Who()) -> CommandInvoked | None:
    """A slash command (form fields ``user_id``, ``channel_id``, ``text``, ``trigger_id``)."""
    user_id, channel = body.get("user_id"), body.get("channel_id")
    if not user_id or not channel:
        return None
    trigger = body.get("trigger_id") or None
    return CommandInvoked(
        actor=_user(str(user_id), who, str(body.get("user_name") or "")),
        place=PlaceRef(PLATFORM, str(channel)),
        text=str(body.get("text") or ""),
        trigger=trigger,
        dedup=f"slack:command:{trigger}" if trigger else None,
        lang=who.lang,
    )


def _value(v: Mapping[str, Any]) -> str | tuple[str, ...]:
    kind = v.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        return str((v.get("selected_option") or {}).get("value") or "")
    if kind in ("multi_static_select", "checkboxes", "multi_external_select"):
        return tuple(str(o.get("value")) for o in v.get("selected_options") or [])
    if kind == "datetimepicker":  # Unix seconds → the neutral ISO form the flows read
        got = v.get("selected_date_time")
        if isinstance(got, bool) or not isinstance(got, int | float | str) or not str(got).isdigit() or len(str(got)) > 11:
            return "" if got in (None, "") else str(got)[:64]
        return datetime.fromtimestamp(int(got), UTC).isoformat()
    if kind == "datepicker":
        return str(v.get("selected_date") or "")
    return str(v.get("value") or "")


@tolerant
def form_values(state: Mapping[str, Any]) -> dict[str, str | tuple[str, ...]]:
    """``view.state.values`` as {input name: value}; the action_id is the input's name."""
    out: dict[str, str | tuple[str, ...]] = {}
    for block in state.values():
        for name, v in (block or {}).items():
            out[str(name)] = _value(v or {})
    return out


@tolerant
def private_metadata(view: Mapping[str, Any]) -> dict[str, str]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, TypeError):
        return {}
    return {k: str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}


def _masked(values: Mapping[str, str | tuple[str, ...]]) -> dict[str, str | list[str]]:
    """The values as the bot will keep them (every My Number masked): what the dedup key digests, so
    that no stored key is a hash of a raw number (an unsalted hash of 12 digits is easily reversed)."""
    return {k: scrub(v)[0] if isinstance(v, str) else [scrub(x)[0] for x in v] for k, v in values.items()}


@tolerant
def view_submission(body: Mapping[str, Any], who: Who = Who()) -> FormSubmitted | None:
    view = body.get("view") or {}
    user = body.get("user") or {}
    if not user.get("id") or not view:
        return None
    meta = private_metadata(view)
    form_id = meta.get("f") or str(view.get("callback_id") or "")
    if not form_id:
        return None
    values = form_values((view.get("state") or {}).get("values") or {})
    digest = hashlib.sha256(json.dumps(_masked(values), sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return FormSubmitted(
        actor=_user(str(user["id"]), who, str(user.get("name") or user.get("username") or "")),
        form_id=form_id,
        values=values,
        context=meta.get("c", ""),
        place=PlaceRef(PLATFORM, meta["p"]) if meta.get("p") else None,
        dedup=f"slack:view:{view.get('id')}:{view.get('hash')}:{digest}",
        lang=who.lang,
    )


@tolerant
def block_action(body: Mapping[str, Any], who: Who = Who()) -> ButtonPressed | None:
    """A button (or an overflow option) of one of our messages."""
    actions = body.get("actions") or []
    user = body.get("user") or {}
    if not actions or not user.get("id"):
        return None
    a = actions[0]
    if a.get("type") == "overflow":
        action, sep, value = str((a.get("selected_option") or {}).get("value") or "").partition(ACTION_SEP)
        if not sep:
            return None
    elif a.get("type") == "button":
        action, value = action_of(str(a.get("action_id") or "")), str(a.get("value") or "")
        if action == LINK:  # a link button: Slack opened the address and tells us; nothing to do
            return None
    else:
        return None
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    message = None
    if channel and ts and not container.get("is_ephemeral"):
        message = MessageRef(PLATFORM, message_key(str(channel), str(ts)))
    trigger = body.get("trigger_id") or None
    key = trigger or a.get("action_ts")
    return ButtonPressed(
        actor=_user(str(user["id"]), who, str(user.get("name") or user.get("username") or "")),
        action=action,
        value=value,
        place=PlaceRef(PLATFORM, str(channel)) if channel else None,
        message=message,
        trigger=trigger,
        dedup=f"slack:action:{key}" if key else None,
        lang=who.lang,
    )


@tolerant
def message_event(body: Mapping[str, Any], who: Who = Who()) -> MessagePosted | None:
    """A person's message in a channel the bot is in, or in its DM (Events API ``message``)."""
    ev = body.get("event") or {}
    subtype = ev.get("subtype")
    if ev.get("type") != "message" or (subtype and subtype not in USER_SUBTYPES) or ev.get("bot_id"):
        return None
    if not ev.get("user") or not ev.get("channel"):
        return None
    event_id = body.get("event_id")
    return MessagePosted(
        actor=_user(str(ev["user"]), who),
        place=PlaceRef(PLATFORM, str(ev["channel"])),
        text=str(ev.get("text") or ""),
        dedup=f"slack:event:{event_id}" if event_id else None,
        lang=who.lang,
    )
