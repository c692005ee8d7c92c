"""The PagerDuty notifier's contract driver: a fake Events API v2 on loopback (port 0) that checks the
documented required fields; what a person's routing key received; the acknowledge link an event carries."""

from __future__ import annotations

import json

from tests.contract.notifier_email import PUBLIC, Page
from tests.support.paging_fake import FakeServiceDriver

CHANNEL = "pagerduty"


def routing_key(handle: str) -> str:
    return f"R0UTE{handle}KEY"


class PagerDutyNotifierDriver(FakeServiceDriver):
    channel = CHANNEL

    def env(self) -> dict[str, str]:
        return {"MYNALEAK_PAGERDUTY_URL": f"{self.fake.url}/v2/enqueue", "MYNALEAK_PUBLIC_URL": PUBLIC}

    def person(self, handle: str) -> dict[str, str]:
        return {"pagerduty": routing_key(handle)}

    def pages(self, handle: str) -> list[Page]:
        out = []
        for event in self.fake.pd_events(routing_key(handle), "trigger"):
            href = next((link["href"] for link in event.get("links", [])), "")
            out.append(Page(event["payload"]["summary"], json.dumps(event, ensure_ascii=False), href.removeprefix(PUBLIC)))
        return out

    def unreachable(self, handle: str) -> None:
        self.fake.refuse.add(routing_key(handle))


NOTIFIER = PagerDutyNotifierDriver
