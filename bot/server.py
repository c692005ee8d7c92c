"""The one aiohttp application: platforms mount their routes (Slack at /slack/events, Teams at
/api/messages, the playground at /); this module adds /healthz and /metrics and runs it all."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.i18n import t

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("mynaleak.server")


def make_web(app: App) -> web.Application:
    w = app.web

    async def healthz(_: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(app.store.ping(), timeout=3)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("health check: database unreachable", extra={"error": str(exc)[:200]})
            return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
        return web.json_response({"status": "ok", "database": "ok", "platforms": sorted(app.adapters)})

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=app.runtime.metrics.render(), content_type="text/plain", charset="utf-8")

    async def freeze_startup_objects(_: web.Application) -> None:
        # everything loaded at start-up lives for the whole process: keep it out of the garbage
        # collector's full passes, which otherwise stall the event loop (and every ack) ~150 ms
        gc.collect()
        gc.freeze()

    w.on_startup.append(freeze_startup_objects)
    w.router.add_get("/healthz", healthz)
    w.router.add_get("/metrics", metrics)
    return w


async def serve(app: App, host: str, port: int, tick_seconds: float) -> None:
    """Run until SIGINT/SIGTERM: the web app plus the ticker."""
    runner = web.AppRunner(app.web, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port  # port 0: the one the OS chose
    url = f"http://{host}:{bound}"
    lang = app.settings.lang
    print(t("cli.playground_at" if "playground" in app.adapters else "cli.listening", lang, url=url), flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(t("cli.exposed", lang, host=host), flush=True)
    app.ticker.start(tick_seconds)
    await app.ticker.tick()
    log.info("listening", extra={"url": url, "platforms": sorted(app.adapters)})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    await app.close()
