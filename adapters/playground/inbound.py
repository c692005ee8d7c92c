"""Pure translators: the page's JSON requests → ``bot.core.events``. No I/O; anything malformed raises
:class:`InboundError` (the web layer answers 400 with its code). Every request carries a client
generated ``id``; it becomes the event's ``dedup`` key, so a retried request is dropped."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from adapters.playground.personas import PLATFORM, Persona
from bot.core.events import ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted
from bot.core.model import MessageRef, PlaceRef

REQ_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
KEY_RE = re.compile(r"^[0-9a-f]{1,32}$")
COMMAND = "/mynaleak"
TEXT_LIMIT = 4000
VALUE_LIMIT = 10000
THREAD_SEP = "#thread="


class InboundError(Exception):
    """A request the playground cannot take; ``code`` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InboundError("bad_json", "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise InboundError("bad_json", "the body must be a JSON object")
    return data


def text_field(payload: Mapping[str, Any], name: str, limit: int, *, required: bool = True) -> str:
    value = payload.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InboundError("bad_field", f"{name} must be a string")
    if len(value) > limit:
        raise InboundError("too_long", f"{name} is longer than {limit} characters")
    if required and not value.strip():
        raise InboundError("missing_field", f"{name} is required")
    return value


def lang_of(payload: Mapping[str, Any]) -> str:
    lang = payload.get("lang") or "ja"
    if lang not in ("ja", "en"):
        raise InboundError("bad_lang", "lang must be ja or en")
    return str(lang)


def persona_of(payload: Mapping[str, Any], personas: Mapping[str, Persona]) -> Persona:
    pid = payload.get("persona")
    if not isinstance(pid, str) or pid not in personas:
        raise InboundError("unknown_persona", "persona is not one of the playground's people")
    return personas[pid]


def dedup_of(payload: Mapping[str, Any]) -> str:
    rid = payload.get("id")
    if not isinstance(rid, str) or not REQ_ID_RE.match(rid):
        raise InboundError("bad_id", "id must be 8-64 letters, digits, - or _ (a fresh one per request)")
    return f"{PLATFORM}:{rid}"


def message_key(payload: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    key = payload.get(name)
    if key in (None, "") and not required:
        return None
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise InboundError("bad_key", f"{name} is not a message key")
    return key


def place_key(channel: str, thread: str | None) -> str:
    """The place of an event: the channel, or the channel with the thread it happened in."""
    return f"{channel}{THREAD_SEP}{thread}" if thread else channel


def split_place(key: str) -> tuple[str, str | None]:
    """``place_key`` reversed: (channel or DM, thread key or None)."""
    base, sep, thread = key.rpartition(THREAD_SEP)
    return (base, thread or None) if sep else (key, None)


def where(payload: Mapping[str, Any], persona: Persona, channel: str) -> tuple[str, str | None]:
    """The place a person typed in: the incident channel or their own DM (and a thread, if any)."""
    place = payload.get("place") or channel
    if place not in (channel, f"dm:{persona.id}"):
        raise InboundError("bad_place", "place must be the incident channel or your own DM")
    return str(place), message_key(payload, "thread")


def command(payload: Mapping[str, Any], personas: Mapping[str, Persona], channel: str) -> CommandInvoked | MessagePosted:
    """What a person typed into the composer: ``/mynaleak …`` is a command, anything else a message."""
    persona = persona_of(payload, personas)
    dedup, lang = dedup_of(payload), lang_of(payload)
    place, thread = where(payload, persona, channel)
    text = text_field(payload, "text", TEXT_LIMIT).strip()
    ref = PlaceRef(PLATFORM, place_key(place, thread))
    first, *more = text.split(maxsplit=1)  # any white space, the full-width 「　」 of a Japanese keyboard too
    rest = more[0] if more else ""
    if first.lower() == COMMAND:
        return CommandInvoked(persona.user(), ref, rest.strip(), trigger=persona.id, dedup=dedup, lang=lang)
    if first.startswith("/"):
        raise InboundError("unknown_command", f"only {COMMAND} commands exist here")
    return MessagePosted(persona.user(), ref, text, dedup=dedup, lang=lang)


def press(payload: Mapping[str, Any], personas: Mapping[str, Persona], place: str | None) -> ButtonPressed:
    """A button on a message (``place``: where that message is, looked up by the caller)."""
    persona = persona_of(payload, personas)
    dedup, lang = dedup_of(payload), lang_of(payload)
    action = text_field(payload, "action", 64)
    value = text_field(payload, "value", 200, required=False)
    key = message_key(payload, "message")
    return ButtonPressed(
        persona.user(),
        action,
        value,
        place=PlaceRef(PLATFORM, place) if place else None,
        message=MessageRef(PLATFORM, key) if key else None,
        trigger=persona.id,
        dedup=dedup,
        lang=lang,
    )


def form_values(payload: Mapping[str, Any]) -> dict[str, str | tuple[str, ...]]:
    raw = payload.get("values")
    if not isinstance(raw, dict) or len(raw) > 50:
        raise InboundError("bad_values", "values must be an object of at most 50 fields")
    values: dict[str, str | tuple[str, ...]] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or len(name) > 64:
            raise InboundError("bad_values", "field names must be short strings")
        if isinstance(value, str) and len(value) <= VALUE_LIMIT:
            values[name] = value
        elif isinstance(value, list) and len(value) <= 50 and all(isinstance(v, str) and len(v) <= 200 for v in value):
            values[name] = tuple(value)
        else:
            raise InboundError("bad_values", f"{name}: a field is a string or a list of strings")
    return values


def submit(payload: Mapping[str, Any], personas: Mapping[str, Persona], form_id: str, context: str, place: str | None) -> FormSubmitted:
    """A submitted form (``form_id`` and ``context`` as the form carried them)."""
    persona = persona_of(payload, personas)
    return FormSubmitted(
        persona.user(),
        form_id,
        form_values(payload),
        context=context,
        place=PlaceRef(PLATFORM, place) if place else None,
        dedup=dedup_of(payload),
        lang=lang_of(payload),
    )
