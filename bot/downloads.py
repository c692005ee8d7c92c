"""Signed, expiring download links for the drafts (the report to the PPC, the notice to individuals):
``GET /download/<token>/<file name>`` on the bot, under ``MYNALEAK_PUBLIC_URL``, usable from any
platform (Teams cannot take a bot's file in a channel; a link works everywhere).

The token names the incident, the kind of draft and the format, and when it expires; it is signed with
HMAC-SHA256 under a key derived from the audit key (never stored in the database). The file is made
again from the record when the link is opened. A forged or damaged link answers 403, an expired one
410, an unknown incident 404, an unreachable database 503 — each a short page saying what to do, and a
log line for the operator; never a 500. Links are bearer credentials: they are posted only where the
draft itself is (the incident thread) and expire after ``MYNALEAK_DOWNLOAD_HOURS`` (default 24).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import logging
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.core.config import OrgConfig, Settings
from bot.core.i18n import t
from bot.core.model import Incident
from storage.store import Store, Tx

log = logging.getLogger("mynaleak.downloads")
# the drafts by file name (flows.drafts.Draft.stem): the report by its type, the letters by their kind
KINDS = ("report-prelim", "report-final", "report-supplement", "notice", "announcement", "principal")
FORMATS = ("md", "docx")
# the file names flows.drafting gives its attachments: <incident id>-<kind>.<format>
NAME = re.compile(r"^(ML-(?:DRILL-)?\d{4}-\d{4,})-(" + "|".join(KINDS) + r")\.(md|docx)$")
DEFAULT_HOURS = 24
_DOMAIN = b"mynaleak download links v1"


@dataclass(frozen=True)
class Grant:
    """What a valid link allows: one draft of one incident, in one format, until ``expires``."""

    incident_id: str
    kind: str
    fmt: str
    expires: int  # Unix seconds

    @property
    def file_name(self) -> str:
        return f"{self.incident_id}-{self.kind}.{self.fmt}"


class BadLink(ValueError):
    """The token is not one this bot signed (``reason``: ``forged`` or ``expired``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and checks download tokens with a key derived from ``secret`` (the audit key)."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, _DOMAIN, hashlib.sha256).digest()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def token(self, grant: Grant) -> str:
        payload = _b64(f"{grant.incident_id}|{grant.kind}|{grant.fmt}|{grant.expires}".encode("ascii"))
        return f"{payload}.{self._mac(payload)}"

    def check(self, token: str, now: datetime) -> Grant:
        """The grant of a token this signer made and that has not expired; else :class:`BadLink`."""
        payload, _, mac = token.partition(".")
        if not payload or not mac or len(token) > 300 or not hmac.compare_digest(mac, self._mac(payload)):
            raise BadLink("forged")
        try:
            incident_id, kind, fmt, expires = _unb64(payload).decode("ascii").split("|")
            grant = Grant(incident_id, kind, fmt, int(expires))
        except (ValueError, UnicodeDecodeError):
            raise BadLink("forged") from None
        if kind not in KINDS or fmt not in FORMATS:
            raise BadLink("forged")
        if now.timestamp() >= grant.expires:
            raise BadLink("expired")
        return grant


class Downloads:
    """Makes the links (:meth:`url`) and serves them (:meth:`mount`)."""

    def __init__(self, base_url: str, secret: bytes | None, hours: float, clock: Callable[[], datetime]) -> None:
        self.base_url = base_url.rstrip("/")
        self.signer = Signer(secret) if secret else None
        self.hours = hours
        self.clock = clock

    @classmethod
    def from_env(cls, env: Mapping[str, str], secret: bytes | None, clock: Callable[[], datetime]) -> Downloads:
        base = (env.get("MYNALEAK_PUBLIC_URL") or "").strip()
        if not base.lower().startswith(("https://", "http://")):
            base = ""
        try:
            hours = float(env.get("MYNALEAK_DOWNLOAD_HOURS") or DEFAULT_HOURS)
        except ValueError:
            log.warning("MYNALEAK_DOWNLOAD_HOURS is not a number; using %s", DEFAULT_HOURS)
            hours = DEFAULT_HOURS
        return cls(base, secret, min(max(hours, 0.1), 24 * 7), clock)

    def url(self, file_name: str) -> str | None:
        """A signed link to the draft ``file_name`` (as flows.drafting names it), or None when this
        bot cannot offer links (no public URL or no key) or the name is not a draft's."""
        m = NAME.match(file_name)
        if self.signer is None or not self.base_url or m is None:
            return None
        expires = int((self.clock() + timedelta(hours=self.hours)).timestamp())
        grant = Grant(m.group(1), m.group(2), m.group(3), expires)
        return f"{self.base_url}/download/{self.signer.token(grant)}/{urllib.parse.quote(grant.file_name)}"

    def mount(self, router: web.UrlDispatcher, load: Callable[[str], Awaitable[Incident | None]], config: OrgConfig,
              make: Callable[[Incident, str, str], tuple[bytes, str]]) -> None:  # fmt: skip
        """``load(id)`` awaits the incident (or None); ``make(incident, kind, fmt)`` gives (content, MIME)."""

        async def serve(request: web.Request) -> web.StreamResponse:
            lang = config.language
            if self.signer is None:
                return _page(404, "download.off", lang)
            try:
                grant = self.signer.check(request.match_info["token"], self.clock())
            except BadLink as exc:
                log.info("download refused", extra={"reason": exc.reason})
                return _page(410 if exc.reason == "expired" else 403, f"download.{exc.reason}", lang)
            try:
                incident = await load(grant.incident_id)
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                log.warning("download: database unreachable", extra={"incident": grant.incident_id, "error": type(exc).__name__})
                return _page(503, "download.unavailable", lang)
            if incident is None:
                log.info("download: no such incident", extra={"incident": grant.incident_id})
                return _page(404, "download.not_found", lang)
            content, mime = make(incident, grant.kind, grant.fmt)
            log.info("draft downloaded", extra={"incident": grant.incident_id, "kind": grant.kind, "format": grant.fmt})
            headers = {
                "Content-Disposition": f"attachment; filename*=UTF-8''{urllib.parse.quote(grant.file_name)}",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            }
            return web.Response(body=content, headers={**headers, "Content-Type": mime})

        router.add_get("/download/{token}/{name}", serve)
        router.add_get("/download/{token}", serve)


def _page(status: int, key: str, lang: str) -> web.Response:
    title = t("download.title", lang)
    text = html.escape(t(key, lang))
    body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><main><h1>{html.escape(title)}</h1><p>{text}</p></main></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"})


def install(router: web.UrlDispatcher, store: Store, config: OrgConfig, settings: Settings, clock: Callable[[], datetime]) -> Downloads:
    """Serve ``/download/…`` from ``store`` and return the link maker (the composition root calls this)."""
    from bot.commands.draft import export
    from flows.drafts import build as build_draft

    downloads = Downloads.from_env(settings.env, settings.audit_key_bytes, clock)

    async def load(incident_id: str) -> Incident | None:
        async with store.engine.connect() as conn:  # a plain read
            loaded = await Tx(conn, store.is_sqlite).load(incident_id)
        return loaded.incident if loaded else None

    def make(incident: Incident, kind: str, fmt: str) -> tuple[bytes, str]:
        base, _, report_type = kind.partition("-")  # report-final → the report, as a 確報
        today = clock().astimezone(config.tz).date()
        _, content, mime = export(build_draft(incident, config, base, incident.lang, today, report_type), fmt)
        return content, mime

    downloads.mount(router, load, config, make)
    return downloads
