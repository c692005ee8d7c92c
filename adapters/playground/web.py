"""The playground's page and API, an aiohttp sub-app under ``/playground`` (the page itself at ``/``).

Every API request must come from the page: a per-process token (in the page, sent as a header, or
as a query parameter for the event stream), no cross-site fetch metadata, a matching ``Origin``, and
while bound to loopback a loopback ``Host`` (against DNS rebinding). Anything else is 403; malformed
requests are 400 with a JSON error; a database hiccup is 503 — never a stack trace."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from adapters.playground import inbound
from adapters.playground.adapter import PlaygroundAdapter
from adapters.playground.inbound import InboundError
from adapters.playground.render import form_html
from bot.core.events import Event, MessagePosted
from bot.core.http import foreign_host, is_loopback
from bot.core.i18n import catalogue, t
from bot.core.platform import Host, Outcome, StoredMessage
from bot.core.redaction import clean_text, scrub
from bot.core.serde import view_from, view_payload
from bot.core.views import Form, strip_tokens

log = logging.getLogger("mynaleak.playground")
STATIC = Path(__file__).resolve().parent / "static"
KEEPALIVE = 15.0
TOKEN_HEADER = "X-Mynaleak-Token"
SESSION = "/playground/session"  # a fresh token for a page that outlived the process that served it


def _error(status: int, code: str, message: str, lang: str = "ja") -> web.Response:
    key = {400: "playground.err_bad_request", 403: "playground.err_forbidden"}.get(status, "playground.err_unavailable")
    return web.json_response({"ok": False, "error": code, "message": message, "text": t(key, lang)}, status=status)


class Playground:
    def __init__(self, host: Host, adapter: PlaygroundAdapter):
        self.host = host
        self.adapter = adapter
        self.store = adapter.store
        self.hub = adapter.hub
        self.token = adapter.token
        self.bind_host = host.bind_host
        self.loopback = is_loopback(self.bind_host)

    # ---- protection ----------------------------------------------------------------------------
    def refusal(self, request: web.Request) -> str | None:
        """Why ``request`` is refused (``None``: it may proceed)."""
        if foreign_host(self.bind_host, request.host):
            return "host"
        if not request.path.startswith(("/playground/api/", SESSION)):
            return None
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return "cross_site"
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            return "origin"
        if request.path == SESSION:
            return None  # the token itself: readable by the page's own origin only, like the page
        token = request.headers.get(TOKEN_HEADER) or (request.query.get("token", "") if request.method == "GET" else "")
        if not token or not hmac.compare_digest(token.encode(), self.token.encode()):
            return "token"
        return None

    @web.middleware
    async def guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        why = self.refusal(request)
        if why is not None:
            log.warning("playground: request refused", extra={"why": why, "path": request.path[:80]})
            resp = _error(403, "forbidden", f"refused ({why}): requests must come from the playground page itself")
            if why == "token":  # the page may be older than this process: it fetches a new token and retries
                resp.headers["X-Mynaleak-Refused"] = "token"
            return resp
        try:
            return await handler(request)
        except InboundError as exc:
            log.info("playground: bad request", extra={"code": exc.code, "path": request.path[:80]})
            return _error(400, exc.code, str(exc))
        except (SQLAlchemyError, OSError) as exc:
            log.warning("playground: unavailable", extra={"error": type(exc).__name__, "path": request.path[:80]})
            return _error(503, "unavailable", "the database is not reachable; try again")

    # ---- the page ------------------------------------------------------------------------------
    async def index(self, request: web.Request) -> web.Response:
        if self.refusal(request):
            return _error(403, "forbidden", "refused (host): open the playground at http://127.0.0.1")
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        bound = t("playground.bound_local" if self.loopback else "playground.bound_exposed", "ja", host=self.bind_host)
        for name, value in {"TOKEN": self.token, "TITLE": t("playground.title", "ja"), "BADGE": t("playground.badge", "ja"),
                            "BANNER": t("playground.banner", "ja"), "BOUND": bound, "EXPOSED": "" if self.loopback else "exposed",
                            "ORG": self.host.config.organisation or "mynaleak"}.items():  # fmt: skip
            html = html.replace("{{" + name + "}}", _attr(value))
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"})  # fmt: skip

    async def session(self, request: web.Request) -> web.Response:
        """This process's token (the page reconnecting after a restart asks for it; see ``refusal``)."""
        return web.json_response({"ok": True, "token": self.token}, headers={"Cache-Control": "no-store"})

    async def state(self, request: web.Request) -> web.Response:
        query = {"persona": request.query.get("persona") or next(iter(self.adapter.personas)), "lang": request.query.get("lang")}
        persona = inbound.persona_of(query, self.adapter.personas)
        lang = inbound.lang_of(query)
        messages = [m for m in await self.store.visible(persona.id) if not (m.kind == "form" and m.status == "closed")]
        strings = {k.removeprefix("playground."): v for k, v in catalogue(lang).items() if k.startswith("playground.")}
        bound = t("playground.bound_local" if self.loopback else "playground.bound_exposed", lang, host=self.bind_host)
        people = [{"id": p.id, "name": self.adapter.name_of(p.id, lang), "role": p.role, "role_label": p.role_label(lang)}
                  for p in self.adapter.personas.values()]  # fmt: skip
        return web.json_response({
            "persona": persona.id, "lang": lang, "channel": self.adapter.channel, "personas": people,
            "organisation": self.host.config.organisation, "strings": strings, "bound": {"host": self.bind_host, "local": self.loopback, "text": bound},
            "messages": [self.adapter.envelope(m, persona.id, lang) for m in messages],
        })  # fmt: skip

    async def stream(self, request: web.Request) -> web.StreamResponse:
        persona = inbound.persona_of(request.query, self.adapter.personas)
        lang = inbound.lang_of(request.query)
        sub = self.hub.subscribe(persona.id, lang)
        resp = web.StreamResponse(
            headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )
        try:
            await resp.prepare(request)
            await resp.write(b"retry: 1000\nevent: ready\ndata: {}\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(sub.queue.get(), timeout=KEEPALIVE)
                except TimeoutError:
                    await resp.write(b": keepalive\n\n")
                    continue
                if event is None:
                    break
                data = json.dumps(event["message"], ensure_ascii=False)
                await resp.write(f"event: {event['type']}\ndata: {data}\n\n".encode())
                sub.written += 1
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            self.hub.drop(sub)
        return resp

    # ---- what people do ------------------------------------------------------------------------
    async def _payload(self, request: web.Request) -> dict[str, Any]:
        return inbound.parse_json(await request.read())

    async def _dispatch(self, event: Event) -> Outcome:
        try:
            return await self.host.dispatch(event)
        except RuntimeError as exc:  # repeated optimistic-concurrency conflicts
            raise OSError(str(exc)) from exc

    async def command(self, request: web.Request) -> web.Response:
        payload = await self._payload(request)
        event = inbound.command(payload, self.adapter.personas, self.adapter.channel)
        place, thread = inbound.split_place(event.place.key)
        if thread is not None:
            parent = await self.store.get(thread)
            if parent is None or parent.place != place or parent.thread is not None:
                raise InboundError("bad_thread", "thread is not a message in that place")
        outcome = await self._dispatch(event)
        log.info("playground: %s", type(event).__name__, extra={"persona": event.actor.key, "duplicate": outcome.duplicate})
        if isinstance(event, MessagePosted) and not outcome.duplicate:  # shown to all, any My Number masked
            m = await self.store.add(place=place, thread=thread, kind="text", author=event.actor.key,
                                     body={"text": scrub(strip_tokens(clean_text(event.text)))[0]}, now=self.host.clock())  # fmt: skip
            self.hub.publish("message", m)
        return web.json_response({"ok": True, "duplicate": outcome.duplicate})

    async def press(self, request: web.Request) -> web.Response:
        payload = await self._payload(request)
        persona = inbound.persona_of(payload, self.adapter.personas)
        key = inbound.message_key(payload, "message", required=True)
        msg = await self.store.get(key or "")
        if msg is None or msg.kind != "card" or not msg.visible_to(persona.id):
            raise InboundError("bad_message", "message is not one you can see")
        event = inbound.press(payload, self.adapter.personas, inbound.place_key(msg.place, msg.thread))
        outcome = await self._dispatch(event)
        log.info("playground: button", extra={"persona": persona.id, "action": event.action, "duplicate": outcome.duplicate})
        return web.json_response({"ok": True, "duplicate": outcome.duplicate})

    async def _own_form(self, key: str, persona: str) -> StoredMessage:
        """The form ``key`` if it was shown to ``persona``; a clear 400 otherwise."""
        msg = await self.store.get(key)
        if msg is None or msg.kind != "form" or msg.audience != persona:
            raise InboundError("bad_form", "form is not one that was shown to you")
        return msg

    async def submit(self, request: web.Request) -> web.Response:
        payload = await self._payload(request)
        persona = inbound.persona_of(payload, self.adapter.personas)
        lang = inbound.lang_of(payload)
        key = inbound.message_key(payload, "form")
        place: str | None = None
        if key is not None:
            msg = await self._own_form(key, persona.id)
            form = view_from(msg.body)
            assert isinstance(form, Form)
            form_id, context, place = form.id, form.context, msg.place
            if msg.status == "closed":
                return web.json_response({"ok": True, "duplicate": True, "closed": True})
        else:
            form_id = inbound.text_field(payload, "form_id", 64)
            context = inbound.text_field(payload, "context", 200, required=False)
        event = inbound.submit(payload, self.adapter.personas, form_id, context, place)
        outcome = await self._dispatch(event)
        log.info("playground: form", extra={"persona": persona.id, "form": form_id, "rejected": outcome.form is not None,
                                            "duplicate": outcome.duplicate})  # fmt: skip
        now = self.host.clock()
        if outcome.form is not None:
            if key is not None:
                await self.store.replace(key, view_payload(outcome.form), now)
            html = form_html(outcome.form, key or "new", lang)
            return web.json_response({"ok": False, "errors": dict(outcome.form.errors), "html": html})
        if key is not None and (closed := await self.store.close_form(key, now)) is not None:
            self.hub.publish("form_closed", closed)
        return web.json_response({"ok": True, "duplicate": outcome.duplicate})

    async def dismiss(self, request: web.Request) -> web.Response:
        payload = await self._payload(request)
        persona = inbound.persona_of(payload, self.adapter.personas)
        key = inbound.message_key(payload, "form", required=True)
        msg = await self._own_form(key or "", persona.id)
        if (closed := await self.store.close_form(msg.key, self.host.clock())) is not None:
            self.hub.publish("form_closed", closed)
        return web.json_response({"ok": True})

    async def on_shutdown(self, _: web.Application) -> None:
        self.hub.close()


def _attr(value: str) -> str:
    from html import escape

    return escape(value, quote=True)


def install(host: Host) -> PlaygroundAdapter:
    """Mount the playground (the page at ``/``, its API under ``/playground/``) and return its adapter."""
    adapter = PlaygroundAdapter(host.transcript, host.config, host.clock)
    pg = Playground(host, adapter)
    sub = web.Application(middlewares=[pg.guard])
    sub.router.add_get("/session", pg.session)
    sub.router.add_get("/api/state", pg.state)
    sub.router.add_get("/api/stream", pg.stream)
    sub.router.add_post("/api/command", pg.command)
    sub.router.add_post("/api/press", pg.press)
    sub.router.add_post("/api/submit", pg.submit)
    sub.router.add_post("/api/dismiss", pg.dismiss)
    sub.router.add_static("/static/", STATIC)
    sub.on_shutdown.append(pg.on_shutdown)
    host.web.add_subapp("/playground", sub)
    host.web.router.add_get("/", pg.index)
    return adapter
