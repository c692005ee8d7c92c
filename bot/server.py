"""The one aiohttp application's own routes: platforms mount theirs (Slack at /slack/events, Teams at
/api/messages, the playground at /); this module adds /healthz and /metrics."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.metrics import Metrics
from storage.store import Store

log = logging.getLogger("mynaleak.server")


@web.middleware
async def quiet_disconnects(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """A client that goes away mid-request is routine, not an error: a DEBUG line, no traceback.
    (aiohttp would log its ConnectionResetError at ERROR with the whole traceback.)"""
    try:
        return await handler(request)
    except ConnectionResetError as exc:
        log.debug("client disconnected", extra={"path": request.path, "error": type(exc).__name__})
        return web.Response(status=400)  # nobody reads it; aiohttp drops it quietly


def make_web(w: web.Application, store: Store, metrics: Metrics, platforms: Callable[[], list[str]]) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(store.ping(), timeout=3)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("health check: database unreachable", extra={"error": str(exc)[:200]})
            return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
        return web.json_response({"status": "ok", "database": "ok", "platforms": platforms()})

    async def render_metrics(_: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")

    async def freeze_startup_objects(_: web.Application) -> None:
        # everything loaded at start-up lives for the whole process: keep it out of the garbage
        # collector's full passes, which otherwise stall the event loop (and every ack) ~150 ms
        gc.collect()
        gc.freeze()

    w.middlewares.append(quiet_disconnects)
    w.on_startup.append(freeze_startup_objects)
    w.router.add_get("/healthz", healthz)
    w.router.add_get("/metrics", render_metrics)
    return w
