"""How each person is paged (the organisation file's ``email:`` and ``page:``), read and validated here.

``page: [{via: chat}, {via: email, after_minutes: 0}]`` lists the channels a person is paged through and
how many minutes after their step is paged each one starts. Without ``page:`` a person is paged by chat
and (when they have an address) by e-mail at once. An acknowledgement through any channel stops all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.model import UserRef

EMAIL = "email"  # the e-mail notifier's channel (a person's ``email:`` address is their key there)
VIA = ("chat", EMAIL)
_ADDRESS = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+")


@dataclass(frozen=True)
class PageRule:
    via: str
    after_minutes: float = 0


DEFAULT_POLICY = (PageRule("chat"), PageRule(EMAIL))


def parse_email(value: Any, where: str, problems: list[str]) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value.strip()):
        problems.append(f"{where}.email: not an e-mail address: {value!r}")
        return ""
    return value.strip()


def parse_policy(value: Any, where: str, email: str, problems: list[str]) -> tuple[PageRule, ...]:
    """A person's ``page:`` list; every mistake is added to ``problems`` with its path."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        problems.append(f"{where}.page: expected a list like [{{via: chat}}, {{via: email, after_minutes: 5}}]")
        return ()
    rules: list[PageRule] = []
    for i, entry in enumerate(value):
        here = f"{where}.page[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{here}: expected a mapping with via (and after_minutes)")
            continue
        problems += [f"{here}.{k}: unknown setting (use via, after_minutes)" for k in entry if k not in ("via", "after_minutes")]
        via = entry.get("via")
        after = entry.get("after_minutes", 0)
        if via not in VIA:
            problems.append(f"{here}.via: expected one of {', '.join(VIA)}, got {via!r}")
            continue
        if isinstance(after, bool) or not isinstance(after, int | float) or not 0 <= after <= 24 * 60:
            problems.append(f"{here}.after_minutes: expected a number of minutes 0–1440, got {after!r}")
            continue
        if any(r.via == via for r in rules):
            problems.append(f"{here}.via: {via} is listed twice")
            continue
        if via == EMAIL and not email:
            problems.append(f"{here}: via email needs the person's email: address")
            continue
        rules.append(PageRule(str(via), float(after)))
    return tuple(rules)


def routes_of(chat: UserRef | None, email: str, name: str, policy: tuple[PageRule, ...]) -> tuple[tuple[str, UserRef, float], ...]:
    """The (via, address, after_minutes) a person is paged through on one platform (``chat``: their id
    there, if any); the default policy when ``policy`` is empty."""
    out: list[tuple[str, UserRef, float]] = []
    for rule in policy or DEFAULT_POLICY:
        if rule.via == "chat" and chat is not None:
            out.append(("chat", chat, rule.after_minutes))
        elif rule.via == EMAIL and email:
            out.append((EMAIL, UserRef(EMAIL, email, name), rule.after_minutes))
    return tuple(out)
