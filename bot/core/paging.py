"""How each person is paged (the organisation file's ``email:``, ``pagerduty:``, ``webhook:`` and ``page:``),
read and validated here.

``page: [{via: chat}, {via: email, after_minutes: 0}]`` lists the channels a person is paged through and
how many minutes after their step is paged each one starts. Without ``page:`` a person is paged at once
through every channel they have (chat; e-mail with an address; PagerDuty with a routing key; the webhook
with a URL). An acknowledgement through any channel stops all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.model import UserRef

EMAIL = "email"  # the e-mail notifier's channel (a person's ``email:`` address is their key there)
PAGERDUTY = "pagerduty"  # PagerDuty Events API v2 (a person's ``pagerduty:`` routing key is their key there)
WEBHOOK = "webhook"  # the signed JSON webhook (a person's ``webhook:`` URL is their key there)
VIA = ("chat", EMAIL, PAGERDUTY, WEBHOOK)
SERVICES = (PAGERDUTY, WEBHOOK)  # the paging services: a person's entry names their key there
_ROUTING_KEY = re.compile(r"[A-Za-z0-9_\-]{8,128}")
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_ADDRESS = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+")


@dataclass(frozen=True)
class PageRule:
    via: str
    after_minutes: float = 0


DEFAULT_POLICY = (PageRule("chat"), PageRule(EMAIL), PageRule(PAGERDUTY), PageRule(WEBHOOK))


def parse_email(value: Any, where: str, problems: list[str]) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value.strip()):
        problems.append(f"{where}.email: not an e-mail address: {value!r}")
        return ""
    return value.strip()


def parse_service(via: str, value: Any, where: str, problems: list[str]) -> str:
    """A person's ``pagerduty:`` routing key (an Events API v2 integration key) or ``webhook:`` URL
    (https://, or http:// to this machine only)."""
    if value in (None, ""):
        return ""
    text = value.strip() if isinstance(value, str) else ""
    if via == PAGERDUTY and not _ROUTING_KEY.fullmatch(text):
        problems.append(
            f"{where}.pagerduty: expected the routing key of a PagerDuty Events API v2 integration (letters and digits), got {value!r}"
        )
        return ""
    if via == WEBHOOK:
        host = text.partition("://")[2].split("/")[0].rpartition("@")[2]
        local = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if not (text.startswith("https://") and host) and not (text.startswith("http://") and local in _LOOPBACK):
            problems.append(f"{where}.webhook: expected an https:// URL (http:// only to 127.0.0.1 or localhost), got {value!r}")
            return ""
    return text


def parse_policy(value: Any, where: str, email: str, problems: list[str], services: dict[str, str] | None = None) -> tuple[PageRule, ...]:
    """A person's ``page:`` list; every mistake is added to ``problems`` with its path."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        problems.append(f"{where}.page: expected a list like [{{via: chat}}, {{via: pagerduty, after_minutes: 5}}]")
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
        if via in SERVICES and not (services or {}).get(str(via)):
            what = "routing key" if via == PAGERDUTY else "URL"
            problems.append(f"{here}: via {via} needs the person's {via}: {what}")
            continue
        rules.append(PageRule(str(via), float(after)))
    return tuple(rules)


def routes_of(
    chat: UserRef | None, email: str, name: str, policy: tuple[PageRule, ...], services: dict[str, str] | None = None
) -> tuple[tuple[str, UserRef, float], ...]:
    """The (via, address, after_minutes) a person is paged through on one platform (``chat``: their id
    there, if any; ``services``: their key per paging service); the default policy when ``policy`` is empty."""
    out: list[tuple[str, UserRef, float]] = []
    for rule in policy or DEFAULT_POLICY:
        if rule.via == "chat" and chat is not None:
            out.append(("chat", chat, rule.after_minutes))
        elif rule.via == EMAIL and email:
            out.append((EMAIL, UserRef(EMAIL, email, name), rule.after_minutes))
        elif rule.via in SERVICES and (key := (services or {}).get(rule.via)):
            out.append((rule.via, UserRef(rule.via, key, name), rule.after_minutes))
    return tuple(out)
