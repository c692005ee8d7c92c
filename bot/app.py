"""The composition root: settings → store → runtime → deliverer → ticker → platforms → web app.

:class:`App` is the :class:`bot.core.platform.Host` the platforms are installed on: they see the
organisation file, the environment, the web router, the clock, ``dispatch`` / ``precheck`` and the two
stores a platform may need — nothing of the runtime, the database or the flows."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

import adapters as registry
from bot import pager
from bot.core.config import OrgConfig, Settings, load_org
from bot.core.events import Event
from bot.core.http import is_loopback
from bot.core.i18n import t
from bot.core.platform import Adapter, Clock, Outcome, Unavailable
from bot.core.views import Form
from bot.delivery import Deliverer
from bot.downloads import Downloads
from bot.downloads import install as install_downloads
from bot.runtime import Runtime, utcnow
from bot.scheduler import Ticker
from bot.server import make_web, metrics_route
from bot.witness import Witness
from storage.conversations import StoredReferences
from storage.migrate import require_migrated
from storage.playground_store import PlaygroundStore
from storage.store import Store

log = logging.getLogger("mynaleak.app")
SHUTDOWN_SECONDS = 20.0  # on SIGTERM, how long requests and deliveries under way may take (MYNALEAK_SHUTDOWN_SECONDS)


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
    references: StoredReferences = field(init=False)
    transcript: PlaygroundStore = field(init=False)
    downloads: Downloads | None = None

    def __post_init__(self) -> None:
        self.references = StoredReferences(self.store)
        self.transcript = PlaygroundStore(self.store)

    # ---- the Host contract ---------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        return self.settings.env

    @property
    def bind_host(self) -> str:
        return self.settings.host

    def clock(self) -> datetime:
        return self.runtime.clock()

    async def dispatch(self, event: Event) -> Outcome:
        return await self.runtime.dispatch(event)

    def precheck(self, event: Event) -> tuple[bool, Form | None]:
        return self.runtime.precheck(event)

    def download_url(self, file_name: str) -> str | None:
        return self.downloads.url(file_name) if self.downloads is not None else None

    async def once(self, key: str, within: timedelta) -> bool:
        try:
            async with self.store.tx() as tx:
                return await tx.once(key, self.clock(), within)
        except (SQLAlchemyError, OSError) as exc:
            raise Unavailable(str(type(exc).__name__)) from exc

    # ---- running -------------------------------------------------------------------------------
    async def close(self) -> None:
        self.ticker.stop()
        await self.runtime.drain()
        await self.deliverer.close()
        for adapter in self.adapters.values():
            closer = getattr(adapter, "close", None)
            if closer is not None:
                await closer()
        await self.store.close()

    async def quiesce(self, grace: float) -> bool:
        """The graceful half of a shutdown, once no request is being served: the tick under way
        finishes (its unfired timers go back), every platform's listeners and every delivery started
        after a commit finish (nothing new is claimed), then every row this process still holds is
        released, so another replica takes it at once. Past ``grace`` seconds, what is still under way
        keeps its rows until their lease runs out (never sent twice); returns whether all finished."""
        self.deliverer.stopping = True
        try:
            await asyncio.wait_for(self._finish(), grace)
        except TimeoutError:
            log.error("shutdown: work still under way after the grace period; its rows wait for their lease",
                      extra={"grace_seconds": grace})  # fmt: skip
            return False
        try:
            async with self.store.tx() as tx:
                timers, messages = await tx.release_claims(self.runtime.me)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("shutdown: could not release claims; they wait for their lease", extra={"error": type(exc).__name__})
            return False
        log.info("shutdown: in-flight work finished", extra={"released_timers": timers, "released_messages": messages})
        return True

    async def _finish(self) -> None:
        await self.ticker.shutdown()
        for adapter in self.adapters.values():
            idle = getattr(adapter, "idle", None)  # platforms whose listeners outlive the HTTP answer (Slack)
            if idle is not None:
                await idle()
        await self.runtime.drain()

    async def serve(self, host: str, port: int, tick_seconds: float, sock: socket.socket | None = None) -> None:
        """Run until SIGINT/SIGTERM: the web app plus the ticker. On the signal: stop listening, let the
        requests under way finish, :meth:`quiesce` (before the platforms close their HTTP sessions),
        then close. ``sock``: a listening socket to serve on instead (``mynaleak run --workers``)."""
        grace = float(self.env.get("MYNALEAK_SHUTDOWN_SECONDS") or SHUTDOWN_SECONDS)
        loop = asyncio.get_running_loop()
        deadline = [0.0]  # set when the signal comes: requests and deliveries share one grace period
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):  # first of all: a signal from now on is a graceful stop
            loop.add_signal_handler(sig, stop.set)
        # on_cleanup runs after the requests under way finished, and in order: ours before the platforms'
        self.web.on_cleanup.insert(0, lambda _: self.quiesce(max(1.0, deadline[0] - loop.time())))
        # keepalive_timeout also closes a connection whose request headers never complete (slowloris)
        runner = web.AppRunner(self.web, access_log=None, keepalive_timeout=self.settings.idle_seconds, lingering_time=1.0,
                               shutdown_timeout=grace)  # fmt: skip
        await runner.setup()
        site = web.SockSite(runner, sock) if sock is not None else web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port  # port 0: the one the OS chose
        url = f"http://{host}:{bound}"
        lang = self.settings.lang
        print(t("cli.playground_at" if registry.DEFAULT in self.adapters else "cli.listening", lang, url=url), flush=True)
        if not is_loopback(host):
            print(t("cli.exposed", lang, host=host), flush=True)
        metrics_runner = None
        if self.settings.metrics_port is not None:
            metrics_app = web.Application()
            metrics_route(metrics_app, self.runtime.metrics, host)
            metrics_runner = web.AppRunner(metrics_app, access_log=None, keepalive_timeout=self.settings.idle_seconds)
            await metrics_runner.setup()
            worker = int(self.env.get("MYNALEAK_WORKER") or 0)  # with --workers N: worker n on metrics port + n
            await web.TCPSite(metrics_runner, host, self.settings.metrics_port + worker if self.settings.metrics_port else 0).start()
            mport = metrics_runner.addresses[0][1] if metrics_runner.addresses else self.settings.metrics_port
            print(t("cli.metrics_at", lang, url=f"http://{host}:{mport}/metrics"), flush=True)
        self.ticker.witness = Witness(self.runtime, lambda: self.adapters)
        self.ticker.start(tick_seconds)
        first = asyncio.ensure_future(self.ticker.tick(wait_background=False))  # at once, in the background: a signal may come meanwhile
        log.info("listening", extra={"url": url, "platforms": sorted(self.adapters)})
        await stop.wait()
        deadline[0] = loop.time() + grace
        log.info("shutting down: no new requests", extra={"grace_seconds": grace})
        await runner.cleanup()  # quiesce (on_cleanup) waits for the ticker, so for ``first`` too
        await asyncio.gather(first, return_exceptions=True)
        if metrics_runner is not None:
            await metrics_runner.cleanup()
        await self.close()


def enabled_platforms(settings: Settings) -> list[str]:
    """The platforms whose credentials are set (each package says what it needs); the playground
    when there are none."""
    names = [p.name for p in registry.PLATFORMS if p.configured(settings.env)]
    return names if names else [registry.DEFAULT]


def audit_key_refusal(settings: Settings, platforms: list[str]) -> str | None:
    """The catalogue key of why the bot must not start with this audit key (a key that cannot be read,
    or none at all while a real chat platform is served), or ``None``."""
    if settings.audit_key_problem:
        return settings.audit_key_problem
    if not settings.audit_key and any(p != registry.DEFAULT for p in platforms):
        return "cli.audit_key_required"
    return None


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
    config = pager.channels(config or load_org(settings.config_path, registry.names()), settings.env)
    store = Store.open(settings.database_url)
    if check_migrated:
        await require_migrated(store.engine)
    runtime = Runtime(
        store,
        config,
        clock=clock,
        audit_key=settings.audit_key_bytes,
        commands={p.name: p.command for p in registry.PLATFORMS},
        invites={p.name: p.invite for p in registry.PLATFORMS},
    )
    all_adapters: dict[str, Adapter] = dict(adapters or {})
    deliverer = Deliverer(runtime, all_adapters)
    ticker = Ticker(runtime, deliverer)
    app = App(settings, config, store, runtime, deliverer, ticker, web.Application(), all_adapters)
    make_web(app.web, store, runtime.metrics, lambda: sorted(all_adapters), settings.host, settings.metrics_port is None,
             settings.body_seconds, runtime.busy_with_urgent)  # fmt: skip
    pager.install(app.web, runtime, deliverer, settings.env, settings.audit_key_bytes)  # e-mail pages, /ack links
    app.downloads = install_downloads(app.web.router, store, config, settings, lambda: runtime.clock())
    for name in platforms if platforms is not None else enabled_platforms(settings):
        if name not in all_adapters:
            all_adapters[name] = registry.get(name).install(app)
    return app
