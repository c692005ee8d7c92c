"""A whole bot minus the platform: store + runtime + deliverer + ticker + a recording adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.recording import RecordingAdapter
from bot.core.config import OrgConfig
from bot.core.events import ButtonPressed, CommandInvoked, Event, FormSubmitted
from bot.core.model import PlaceRef, UserRef
from bot.delivery import Deliverer
from bot.runtime import Outcome, Runtime
from bot.scheduler import Ticker
from storage.store import Store
from tests.contract.drivers import REPORT_VALUES


class Harness:
    def __init__(
        self,
        db_url: str,
        config: OrgConfig,
        clock: Any,
        log_path: Path | None = None,
        me: str | None = None,
        audit_key: bytes | None = None,
    ):
        self.store = Store.open(db_url)
        self.config = config
        self.clock = clock
        self.runtime = Runtime(self.store, config, clock=clock, me=me, audit_key=audit_key)
        self.adapter = RecordingAdapter("playground", log_path)
        self.deliverer = Deliverer(self.runtime, {"playground": self.adapter})
        self.ticker = Ticker(self.runtime, self.deliverer)

    async def send(self, event: Event) -> Outcome:
        out = await self.runtime.dispatch(event)
        await self.runtime.drain()
        return out

    async def tick(self) -> int:
        return await self.ticker.tick()

    async def close(self) -> None:
        await self.runtime.drain()
        await self.deliverer.close()
        await self.store.close()

    # ---- conveniences ------------------------------------------------------------------------------
    @staticmethod
    def user(key: str) -> UserRef:
        return UserRef("playground", key)

    async def report(self, reporter: str = "yamada", dedup: str | None = None, **values: Any) -> Outcome:
        form = {**REPORT_VALUES, "summary": "USBメモリを紛失", "discovered_at": self.clock().isoformat(), **values}
        return await self.send(
            FormSubmitted(self.user(reporter), "report", form, place=PlaceRef("playground", f"dm:{reporter}"), dedup=dedup)
        )

    async def press(self, who: str, action: str, value: str, dedup: str | None = None) -> Outcome:
        return await self.send(ButtonPressed(self.user(who), action, value, dedup=dedup))

    async def command(self, who: str, text: str) -> Outcome:
        return await self.send(CommandInvoked(self.user(who), PlaceRef("playground", f"dm:{who}"), text))

    def pages_to(self, who: str) -> list:
        return [s for s in self.adapter.ops("notify", f"user:{who}") if "page" in str(getattr(s.view, "buttons", ""))]
