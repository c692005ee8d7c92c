"""Neutral UI. No Block Kit, no Adaptive Card JSON: adapters' ``render`` modules translate these.

A mention of a person inside any text is written with :func:`mention`; renderers replace the token
with the platform's own mention syntax (``MENTION_RE`` finds them). Text a person typed has these
brackets stripped at intake, so a reporter cannot forge a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.core.model import UserRef

Tone = Literal["info", "warning", "danger", "success", "muted"]
MENTION_RE = re.compile(r"⟦@([^|⟦⟧]+)\|([^|⟦⟧]*)\|([^⟦⟧]*)⟧")


def mention(user: UserRef) -> str:
    """A neutral mention token for ``user``."""
    return f"⟦@{user.platform}|{user.key}|{user.name}⟧"


def strip_tokens(text: str) -> str:
    """Remove the mention brackets from text a person typed."""
    return text.replace("⟦", "").replace("⟧", "")


LINK = "link"  # a button that opens a link to a message (``value``: the tag of that message; see :func:`link_button`)


@dataclass(frozen=True)
class Button:
    """``url``: a button that opens this address instead of sending ``action`` back (a link)."""

    label: str
    action: str
    value: str
    style: Literal["default", "primary", "danger"] = "default"
    url: str = ""


def link_button(label: str, tag: str) -> Button:
    """A button that will open the message tagged ``tag`` (the incident card): the delivery fills in
    its address from the platform, or drops it while that message is not posted yet."""
    return Button(label, LINK, tag)


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class CheckItem:
    id: str
    text: str
    state: Literal["open", "done", "na"]
    detail: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    text: str = ""
    items: tuple[CheckItem, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a message (a draft report): Slack uploads it into the thread, Teams
    attaches it, the playground offers it for download. ``data`` is base64."""

    name: str
    mime: str
    data: str


@dataclass(frozen=True)
class Card:
    """``summary``: the few fields that say where things stand (status, duty, next deadline, who is
    paged), rendered first and prominently — a header; ``fields``: the full detail below it."""

    title: str
    tone: Tone = "info"
    text: str = ""
    fields: tuple[Field, ...] = ()
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    attachments: tuple[Attachment, ...] = ()
    summary: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    kind: Literal["text", "textarea", "number", "datetime", "select", "multiselect"] = "text"
    required: bool = False
    options: tuple[Option, ...] = ()
    initial: str | tuple[str, ...] = ""
    hint: str = ""
    max_length: int = 3000


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    submit_label: str
    inputs: tuple[Input, ...]
    context: str = ""
    intro: str = ""
    errors: dict[str, str] = field(default_factory=dict)


View = Card | Form
