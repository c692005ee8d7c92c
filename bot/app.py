"""The composition root: settings → store → runtime → deliverer → ticker → adapters → web app."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.adapter import Adapter
from bot.config import OrgConfig, Settings, load_org
from bot.delivery import Deliverer
from bot.runtime import Clock, Runtime, utcnow
from bot.scheduler import Ticker
from storage.migrate import require_migrated
from storage.store import Store

log = logging.getLogger("mynaleak.app")


@dataclass
class App:
    settings: Settings
    config: OrgConfig
    store: Store
    runtime: Runtime
    deliverer: Deliverer
    ticker: Ticker
    web: web.Application
    adapters: dict[str, Adapter] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        self.ticker.stop()
        await self.runtime.drain()
        await self.deliverer.close()
        for adapter in self.adapters.values():
            closer = getattr(adapter, "close", None)
            if closer is not None:
                await closer()
        await self.store.close()


PLATFORMS = ("slack", "teams", "playground")


def enabled_platforms(settings: Settings) -> list[str]:
    """The platforms whose credentials are set (each package says what it needs); the playground
    when there are none."""
    names = [n for n in PLATFORMS if importlib.import_module(f"adapters.{n}").configured(settings.env)]
    return names if names else ["playground"]


def install(name: str, app: App) -> Adapter:
    """Mount platform ``name`` (its heavy modules are imported only now)."""
    return importlib.import_module(f"adapters.{name}.adapter").install(app)


async def build(
    settings: Settings,
    *,
    config: OrgConfig | None = None,
    clock: Clock = utcnow,
    adapters: dict[str, Adapter] | None = None,
    platforms: list[str] | None = None,
    check_migrated: bool = True,
) -> App:
    """Assemble the application. ``adapters`` replaces platform adapters (tests); ``platforms``
    chooses which platform packages to mount (default: from the credentials in the environment)."""
    config = config or load_org(settings.config_path)
    store = Store.open(settings.database_url)
    if check_migrated:
        await require_migrated(store.engine)
    runtime = Runtime(store, config, clock=clock)
    all_adapters: dict[str, Adapter] = dict(adapters or {})
    deliverer = Deliverer(runtime, all_adapters)
    ticker = Ticker(runtime, deliverer)
    from bot.server import make_web

    app = App(settings, config, store, runtime, deliverer, ticker, web.Application())
    app.adapters = all_adapters
    make_web(app)
    for name in platforms if platforms is not None else enabled_platforms(settings):
        if name not in all_adapters:
            all_adapters[name] = install(name, app)
    return app
