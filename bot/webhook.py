"""Webhook pages: the :class:`bot.core.platform.Notifier` for the ``webhook`` channel — a signed JSON POST
to the person's ``webhook:`` URL, so a company's own phone/SMS paging can reach people.

Body (UTF-8 JSON): ``{"event": "page"|"resolve", "incident", "severity" (high|medium|low), "step",
"attempt", "summary" (the incident id and severity, as the DM's title), "ack_url" (the signed
acknowledge link; null on resolve or without MYNALEAK_PUBLIC_URL), "at" (ISO 8601 with offset)}``.
Headers: ``X-Mynaleak-Event``, ``X-Mynaleak-Timestamp`` (Unix seconds) and ``X-Mynaleak-Signature:
sha256=<hex>`` — HMAC-SHA256 keyed with ``MYNALEAK_WEBHOOK_KEY`` over ``<timestamp>.<body>``; the receiver
recomputes it and refuses old timestamps. The acknowledgement (from any channel) or the closing of the
incident sends ``resolve``. 2xx is accepted; 408, 429 and 5xx are retried with backoff; other 4xx is
refused for good (the page counts as unreachable).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from bot.core.model import MessageRef, UserRef
from bot.core.paging import WEBHOOK
from bot.core.views import Card
from bot.paging_http import AckLinks, ServiceConfigError, ServicePage, encode, post_bytes

MIN_KEY = 16  # characters of MYNALEAK_WEBHOOK_KEY


def webhook_key(env: Mapping[str, str]) -> bytes | None:
    """``MYNALEAK_WEBHOOK_KEY``; ``None`` when not set (no webhook pages)."""
    key = env.get("MYNALEAK_WEBHOOK_KEY", "").strip()
    if not key:
        return None
    if len(key) < MIN_KEY:
        raise ServiceConfigError(
            f"MYNALEAK_WEBHOOK_KEY: use a random secret of at least {MIN_KEY} characters (e.g. `openssl rand -hex 32`)"
        )
    return key.encode()


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    channel = WEBHOOK

    def __init__(self, key: bytes, links: AckLinks):
        self._key = key
        self.links = links

    async def _send(self, url: str, body: dict[str, object]) -> None:
        data = encode(body)
        stamp = str(int(self.links.clock().timestamp()))
        headers = {
            "X-Mynaleak-Event": str(body["event"]),
            "X-Mynaleak-Timestamp": stamp,
            "X-Mynaleak-Signature": signature(self._key, stamp, data),
        }
        await post_bytes("webhook", url, data, headers)

    def body(self, event: str, page: ServicePage, ack_url: str | None) -> dict[str, object]:
        return {"event": event, **page.fields(), "summary": page.summary, "ack_url": ack_url, "at": self.links.clock().isoformat()}

    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        page = ServicePage.of(view)
        await self._send(user.key, self.body("page", page, self.links.url(view, user)))
        return MessageRef(WEBHOOK, json.dumps({"url": user.key, **page.fields(), "summary": page.summary}))

    async def resolve(self, message: MessageRef, view: Card) -> None:
        sent = json.loads(message.key)
        page = ServicePage(sent["incident"], sent["severity"], sent["step"], sent["attempt"], sent["summary"])
        await self._send(sent["url"], self.body("resolve", page, None))
