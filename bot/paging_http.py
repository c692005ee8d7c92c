"""What the two paging services (``bot.pagerduty``, ``bot.webhook``) share: the page read off its card
(``flows.paging_card.service_page_card``), its signed acknowledge link, and one JSON POST whose failure is
classified like the chat adapters': 2xx accepted; 408, 429 and 5xx, a timeout or a refused connection
retried by the outbox with backoff (``Retry-After`` honoured); any other answer refused for good (the page
counts as unreachable). Error messages name the service and the status, never the URL or the key."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot import links
from bot.core.model import UserRef
from bot.core.platform import DeliveryError, PlatformRefused
from bot.core.views import Card, plain
from bot.mail import _acting

TIMEOUT = 10.0  # seconds for one request: a hung service must not hold the next page for long


class ServiceConfigError(PlatformRefused):
    """A paging service's setting is wrong (the message says which and how to fix it)."""


@dataclass(frozen=True)
class ServicePage:
    incident: str
    severity: str  # high, medium, low
    step: int
    attempt: int
    summary: str  # the card's title: the incident id and severity, nothing personal

    @classmethod
    def of(cls, view: Card) -> ServicePage:
        fields = {f.label: f.value for f in view.fields}
        try:
            return cls(fields["incident"], fields["severity"], int(fields["step"]), int(fields["attempt"]), plain(view.title))
        except (KeyError, ValueError) as exc:  # not a service page: a bug upstream, never worth a retry
            raise DeliveryError(f"not a paging-service page ({exc})", permanent=True) from exc

    def fields(self) -> dict[str, Any]:
        return {"incident": self.incident, "severity": self.severity, "step": self.step, "attempt": self.attempt}


@dataclass(frozen=True)
class AckLinks:
    """Signed, expiring, single-use acknowledge links under ``public_url`` (``bot.links``; none without it)."""

    key: bytes
    public_url: str
    clock: Callable[[], datetime]
    ttl: timedelta = links.TTL

    def url(self, view: Card, user: UserRef) -> str | None:
        acting = _acting(view, user)
        if acting is None or not self.public_url:
            return None
        return f"{self.public_url}/ack/{links.sign(self.key, links.new_link(acting[0], acting[1], self.clock(), self.ttl))}"


def public_url(env: Mapping[str, str]) -> str:
    url = env.get("MYNALEAK_PUBLIC_URL", "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ServiceConfigError("MYNALEAK_PUBLIC_URL: expected where the bot is reachable (https://…)")
    return url


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


async def post_json(service: str, url: str, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> bytes:
    """POST ``body`` as JSON and classify the answer (see the module's docstring)."""
    return await post_bytes(service, url, encode(body), headers or {})


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


async def post_bytes(service: str, url: str, data: bytes, headers: Mapping[str, str]) -> bytes:
    """POST ``data`` (JSON, exactly these bytes: a signature may cover them) and classify the answer."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
            async with session.post(url, data=data, headers={"Content-Type": "application/json", **headers}) as r:
                status, answer, retry_after = r.status, await r.read(), r.headers.get("Retry-After")
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:  # down, unreachable, timed out: retried
        raise DeliveryError(f"{service}: {type(exc).__name__}") from exc
    if 200 <= status < 300:
        return answer
    if status in (408, 429) or status >= 500:
        raise DeliveryError(f"{service}: HTTP {status}", retry_after=_seconds(retry_after))
    raise DeliveryError(f"{service}: refused (HTTP {status})", permanent=True)
