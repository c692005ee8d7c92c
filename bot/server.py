"""The one aiohttp application's own routes: platforms mount theirs (Slack at /slack/events, Teams at
/api/messages, the playground at /); this module adds /healthz and /metrics (or /metrics on its own
port: ``MYNALEAK_METRICS_PORT``). Bound to loopback, both refuse requests whose Host names anything
else (DNS rebinding)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.core.http import foreign_host
from bot.metrics import Metrics
from storage.store import Store

log = logging.getLogger("mynaleak.server")


def refused(bind_host: str, request: web.Request) -> web.Response | None:
    if foreign_host(bind_host, request.host):
        log.info("refused a request naming another host", extra={"path": request.path[:80]})
        return web.json_response({"error": "forbidden", "message": "this endpoint answers only on loopback"}, status=403)
    return None


def metrics_route(w: web.Application, metrics: Metrics, bind_host: str) -> None:
    async def render_metrics(request: web.Request) -> web.Response:
        if (no := refused(bind_host, request)) is not None:
            return no
        return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")

    w.router.add_get("/metrics", render_metrics)


def body_in_time(seconds: float) -> Any:
    """Middleware: a request's body must arrive within ``seconds`` (aiohttp keeps it for the handler);
    a client trickling it in gets 408 and its connection closed, instead of holding a handler."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.body_exists:
            try:
                await asyncio.wait_for(request.read(), seconds)
            except TimeoutError:
                log.info("request body too slow; closing", extra={"path": request.path[:80]})
                return web.json_response({"error": "request body too slow"}, status=408, headers={"Connection": "close"})
        return await handler(request)

    return middleware


@web.middleware
async def quiet_disconnects(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """A client that goes away mid-request is routine, not an error: a DEBUG line, no traceback.
    (aiohttp would log its ConnectionResetError at ERROR with the whole traceback.)"""
    try:
        return await handler(request)
    except ConnectionResetError as exc:
        log.debug("client disconnected", extra={"path": request.path, "error": type(exc).__name__})
        return web.Response(status=400)  # nobody reads it; aiohttp drops it quietly


def busy_while_answering(busy: Callable[[int], None]) -> Any:
    """Middleware: a request being answered (its body read) is urgent work — a person, or a platform
    that retries after three seconds, is waiting. Channel posts and card updates wait for a lull in
    it (``Runtime.quiet``), so a burst of reports is not slowed by the posts of the reports before."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method != "POST":  # health checks, metrics, pages of the playground: nobody is kept waiting by a post
            return await handler(request)
        busy(+1)
        try:
            return await handler(request)
        finally:
            busy(-1)

    return middleware


def make_web(w: web.Application, store: Store, metrics: Metrics, platforms: Callable[[], list[str]], bind_host: str = "127.0.0.1",
             metrics_here: bool = True, body_seconds: float = 15.0, busy: Callable[[int], None] | None = None) -> web.Application:  # fmt: skip
    async def healthz(request: web.Request) -> web.Response:
        if (no := refused(bind_host, request)) is not None:
            return no
        try:
            await asyncio.wait_for(store.ping(), timeout=3)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("health check: database unreachable", extra={"error": str(exc)[:200]})
            return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
        return web.json_response({"status": "ok", "database": "ok", "platforms": platforms()})

    async def freeze_startup_objects(_: web.Application) -> None:
        # everything loaded at start-up lives for the whole process: keep it out of the garbage
        # collector's full passes, which otherwise stall the event loop (and every ack) ~150 ms
        gc.collect()
        gc.freeze()

    w.middlewares.append(quiet_disconnects)
    w.middlewares.append(body_in_time(body_seconds))
    if busy is not None:
        w.middlewares.append(busy_while_answering(busy))
    w.on_startup.append(freeze_startup_objects)
    w.router.add_get("/healthz", healthz)
    if metrics_here:
        metrics_route(w, metrics, bind_host)
    return w
