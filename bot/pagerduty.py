"""PagerDuty pages: the :class:`bot.core.platform.Notifier` for the ``pagerduty`` channel, over the Events
API v2 (``POST MYNALEAK_PAGERDUTY_URL``, by default https://events.pagerduty.com/v2/enqueue).

A page is a ``trigger`` event to the person's routing key (``pagerduty:`` in the organisation file) with
``dedup_key`` = the incident id, so every page of one incident is one PagerDuty alert per service; the
acknowledgement (from any channel) or the closing of the incident sends ``resolve`` with the same key.
The event says as little as the DM: the summary is the incident id and severity; ``custom_details`` the
incident id, severity, step and attempt; ``links`` the signed acknowledge link (with
``MYNALEAK_PUBLIC_URL``). Severity: high → critical, medium → error, low → warning. 202 is accepted; 429
and 5xx are retried with backoff; 400 (and other 4xx) is refused for good, the page counts as unreachable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.i18n import t
from bot.core.model import MessageRef, UserRef
from bot.core.paging import PAGERDUTY
from bot.core.views import Card
from bot.paging_http import AckLinks, ServiceConfigError, ServicePage, post_json

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"
SEVERITY = {"high": "critical", "medium": "error", "low": "warning"}


@dataclass(frozen=True)
class PagerDutySettings:
    url: str
    source: str  # payload.source: the bot's public host name, or "mynaleak"

    @classmethod
    def from_env(cls, env: Mapping[str, str], public_url: str) -> PagerDutySettings:
        url = env.get("MYNALEAK_PAGERDUTY_URL", "").strip() or DEFAULT_URL
        if not url.startswith(("https://", "http://")) or not urlsplit(url).hostname:
            raise ServiceConfigError(f"MYNALEAK_PAGERDUTY_URL: expected the Events API v2 URL (default {DEFAULT_URL})")
        return cls(url, urlsplit(public_url).hostname or "mynaleak")


class PagerDutyNotifier:
    channel = PAGERDUTY

    def __init__(self, settings: PagerDutySettings, links: AckLinks, lang: str):
        self.settings = settings
        self.links = links
        self.lang = lang

    def trigger(self, user: UserRef, view: Card) -> dict[str, object]:
        """The trigger event of a page to ``user`` (whose key is the routing key)."""
        page = ServicePage.of(view)
        ack = self.links.url(view, user)
        details: dict[str, object] = {**page.fields(), "ack_url": ack}
        event: dict[str, object] = {
            "routing_key": user.key,
            "event_action": "trigger",
            "dedup_key": page.incident,
            "payload": {
                "summary": page.summary,
                "source": self.settings.source,
                "severity": SEVERITY.get(page.severity, "error"),
                "timestamp": self.links.clock().isoformat(),
                "component": "mynaleak",
                "class": "my_number_leak",
                "custom_details": details,
            },
            "client": "mynaleak",
        }
        if ack:
            event["links"] = [{"href": ack, "text": t("paging.mail_link", self.lang)}]
        if self.links.public_url:
            event["client_url"] = self.links.public_url
        return event

    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        event = self.trigger(user, view)
        await post_json("pagerduty", self.settings.url, event)
        return MessageRef(PAGERDUTY, json.dumps({"routing_key": user.key, "dedup_key": event["dedup_key"]}))

    async def resolve(self, message: MessageRef, view: Card) -> None:
        sent = json.loads(message.key)
        event = {"routing_key": sent["routing_key"], "event_action": "resolve", "dedup_key": sent["dedup_key"]}
        await post_json("pagerduty", self.settings.url, event)
