"""The webhook notifier's contract driver: fake receivers on loopback (port 0), one URL per person; what a
person's URL received; the acknowledge link a page carries."""

from __future__ import annotations

from tests.contract.notifier_email import PUBLIC, Page
from tests.support.paging_fake import FakeServiceDriver

CHANNEL = "webhook"
KEY = "contract-webhook-key-0123456789"


class WebhookNotifierDriver(FakeServiceDriver):
    channel = CHANNEL

    def env(self) -> dict[str, str]:
        return {"MYNALEAK_WEBHOOK_KEY": KEY, "MYNALEAK_PUBLIC_URL": PUBLIC}

    def person(self, handle: str) -> dict[str, str]:
        return {"webhook": f"{self.fake.url}/hook/{handle}"}

    def pages(self, handle: str) -> list[Page]:
        return [
            Page(r.body["summary"], r.raw.decode(), (r.body.get("ack_url") or "").removeprefix(PUBLIC))
            for r in self.fake.hooks(handle, "page")
        ]

    def unreachable(self, handle: str) -> None:
        self.fake.refuse.add(handle)


NOTIFIER = WebhookNotifierDriver
