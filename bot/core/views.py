"""Neutral UI. No Block Kit, no Adaptive Card JSON: adapters' ``render`` modules translate these.

How people are named — one rule, here (README, "How people are named"): every person in a chat view
(cards, checklists, thread notes, digests, replies, App Home, the playground) is written with
:func:`person`, a neutral mention token carrying their key and their name (the organisation file's
name when it knows them, else the platform's display name). Each renderer turns the token into a
mention where its platform has them (Slack ``<@U…>``, a Teams ``<at>`` mention entity, the
playground's name chip) and into that name where it has not. Where mentions do not belong — drafts,
e-mail, paging services, the audit, a form's choices — the name is written plainly (:func:`name_of`,
:func:`plain`). Text a person typed has the token brackets stripped at intake, so nobody can forge one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.core.model import UserRef
from bot.core.paging import EMAIL, SERVICES

Tone = Literal["info", "warning", "danger", "success", "muted"]
NOTIFIERS = (EMAIL, *SERVICES)  # people there are reached by an address or a key, not in a chat
MENTION_RE = re.compile(r"⟦@([^|⟦⟧]+)\|([^|⟦⟧]*)\|([^⟦⟧]*)⟧")


def mention(user: UserRef) -> str:
    """A neutral mention token for ``user``."""
    return f"⟦@{user.platform}|{user.key}|{user.name}⟧"


def person(user: UserRef | None) -> str:
    """How a chat view names ``user`` (the one rule above): a mention token; "?" for nobody."""
    if user is None or not (user.key or user.name):
        return "?"
    if user.platform in NOTIFIERS:  # an e-mail address or a paging service's key: never shown, never a mention
        return strip_tokens(user.name) or "?"
    clean = UserRef(user.platform, strip_tokens(user.key).replace("|", " "), strip_tokens(user.name).replace("|", " "))
    return mention(clean)


def name_of(user: UserRef | None) -> str:
    """A person's name where mentions do not belong: the name we know, else their key (never a
    notifier's key: an address or a paging service's key)."""
    if user is None:
        return "?"
    return user.name or ("" if user.platform in NOTIFIERS else user.key) or "?"


def plain(text: str) -> str:
    """``text`` with every mention token written as the person's name (e-mail, paging services, drafts)."""
    return MENTION_RE.sub(lambda m: m.group(3) or m.group(2), text)


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


@dataclass(frozen=True)
class Later:
    """A card drawn when its message is sent, from the incident as it stands then (``what``: ``card``
    or ``step:N``): a new incident's card and checklist are not drawn on the report's critical path —
    the page goes first (``flows.later``)."""

    what: str


def plain_card(card: Card) -> Card:
    """``card`` with every mention written as a name (:func:`plain`): for e-mail and paging services."""
    fields = lambda fs: tuple(Field(plain(f.label), plain(f.value)) for f in fs)  # noqa: E731
    return replace(card, title=plain(card.title), text=plain(card.text), footer=plain(card.footer),
                   fields=fields(card.fields), summary=fields(card.summary))  # fmt: skip
