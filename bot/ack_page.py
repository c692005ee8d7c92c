"""``/ack/<token>``: where an e-mail page's acknowledge link leads.

GET shows a small page with an Acknowledge button and changes nothing (mail scanners and link
previews open links). POST acknowledges as the person the link was made for, exactly like the chat
button: the same ``ButtonPressed`` through the runtime (same flow, same audit entry, every page and the
card updated), with the link's nonce as the event's dedup key, so a link works once — across restarts
and replicas. A forged, damaged, expired or used link gets a clear page (4xx), never a stack trace.
"""

from __future__ import annotations

import html
import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import links
from bot.core.events import ButtonPressed
from bot.core.i18n import t
from bot.core.model import Incident
from bot.core.platform import Unavailable
from bot.runtime import Runtime

log = logging.getLogger("mynaleak.ack")
PATH = "/ack/{token}"


def _page(lang: str, title: str, text: str, status: int, button: str = "") -> web.Response:
    form = f"<form method='post'><button type='submit'>{html.escape(button)}</button></form>" if button else ""
    body = (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><meta name='robots' content='noindex'>"
        "<meta name='referrer' content='no-referrer'><meta name='viewport' content='width=device-width'>"
        f"<title>{html.escape(title)}</title></head><body style='font-family:sans-serif;max-width:40em;margin:2em auto'>"
        f"<h1 style='font-size:1.3em'>{html.escape(title)}</h1><p>{html.escape(text)}</p>{form}</body></html>"
    )
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=headers)


def install(w: web.Application, runtime: Runtime, key: bytes) -> None:
    lang0 = runtime.config.language

    def refused(reason: str) -> web.Response:
        log.info("acknowledge link refused", extra={"reason": reason})
        status = {"bad": 403, "expired": 410, "used": 410, "unknown": 404}[reason]
        return _page(
            lang0, t("paging.ack_title", lang0, id=""), t(f"paging.link_{'bad' if reason == 'unknown' else reason}", lang0), status
        )

    def unavailable() -> web.Response:
        return _page(lang0, t("paging.ack_title", lang0, id=""), t("paging.link_unavailable", lang0), 503)

    async def look(token: str) -> tuple[links.AckLink, Incident] | web.Response:
        try:
            link = links.verify(key, token, runtime.clock())
        except links.LinkError as exc:
            return refused(exc.reason)
        try:
            async with runtime.store.tx() as tx:
                used = await tx.seen(link.dedup)
                loaded = await tx.load(link.incident)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("acknowledge link: database unavailable", extra={"error": type(exc).__name__})
            return unavailable()
        if used:
            return refused("used")
        if loaded is None:
            return refused("unknown")
        return link, loaded.incident

    def outcome(link: links.AckLink, inc: Incident, done: bool) -> web.Response:
        lang, esc = inc.lang, inc.escalation
        title = t("paging.ack_title", lang, id=inc.id)
        me = runtime.config.display(link.actor)
        if esc.status == "acked" and esc.acked_by is not None:
            if done and esc.acked_by.same(me):
                return _page(lang, title, t("paging.ack_done", lang, name=me.name or me.key, id=inc.id), 200)
            at = (esc.acked_at or runtime.clock()).astimezone(runtime.config.tz).strftime("%H:%M")
            return _page(lang, title, t("paging.ack_already", lang, id=inc.id, name=esc.acked_by.name or esc.acked_by.key, at=at), 200)
        if inc.status != "open":
            return _page(lang, title, t("paging.ack_closed", lang, id=inc.id), 409)
        if done:  # the flow refused: not in the chain (any more) nor a responder
            return _page(lang, title, t("paging.ack_refused", lang), 403)
        return _page(lang, title, t("paging.ack_prompt", lang, name=me.name or me.key), 200, t("button.ack", lang))

    async def show(request: web.Request) -> web.Response:
        found = await look(request.match_info["token"])
        if isinstance(found, web.Response):
            return found
        return outcome(*found, done=False)

    async def acknowledge(request: web.Request) -> web.Response:
        found = await look(request.match_info["token"])
        if isinstance(found, web.Response):
            return found
        link, inc = found
        event = ButtonPressed(link.actor, "ack", inc.id, dedup=link.dedup, lang=inc.lang)
        try:
            result = await runtime.dispatch(event)
            async with runtime.store.tx() as tx:
                loaded = await tx.load(inc.id)
        except (Unavailable, SQLAlchemyError, OSError) as exc:
            log.warning("acknowledge link: database unavailable", extra={"incident": inc.id, "error": type(exc).__name__})
            return unavailable()
        if result.duplicate:
            return refused("used")
        log.info("acknowledged by link", extra={"incident": inc.id})
        return outcome(link, loaded.incident if loaded else inc, done=True)

    w.router.add_get(PATH, show)
    w.router.add_post(PATH, acknowledge)
