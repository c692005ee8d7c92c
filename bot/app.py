"""The composition root: settings → store → runtime → deliverer → ticker → adapters → web app."""

from __future__ import annotations

import logging
from collections.abc import Callable
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
# Platform plug-ins: name -> factory(app) returning the adapter (and mounting routes on app.web).
PlatformFactory = Callable[["App"], Adapter]


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


def enabled_platforms(settings: Settings) -> list[str]:
    env = settings.env
    names = []
    if env.get("SLACK_BOT_TOKEN"):
        names.append("slack")
    if env.get("MICROSOFT_APP_ID") or env.get("MYNALEAK_TEAMS") == "1":
        names.append("teams")
    if not names or env.get("MYNALEAK_PLAYGROUND") == "1":
        names.append("playground")
    return names


def platform_factories() -> dict[str, PlatformFactory]:
    """Each platform package that exists registers itself here (imported lazily)."""
    import importlib

    found: dict[str, PlatformFactory] = {}
    for name in ("playground", "slack", "teams"):
        try:
            module = importlib.import_module(f"adapters.{name}.adapter")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"adapters.{name}"):
                continue
            raise
        found[name] = module.install
    return found


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
    factories = platform_factories()
    for name in platforms if platforms is not None else enabled_platforms(settings):
        if name in all_adapters or name not in factories:
            continue
        all_adapters[name] = factories[name](app)
    return app
