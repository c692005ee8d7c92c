"""E-mail pages: the :class:`bot.core.platform.Notifier` for the ``email`` channel, over SMTP (aiosmtplib).

Configured by ``MYNALEAK_SMTP_URL`` (``smtp://[user:password@]host[:port]`` — STARTTLS when the server
offers it — or ``smtps://…`` for TLS from the start), ``MYNALEAK_MAIL_FROM`` and ``MYNALEAK_PUBLIC_URL``
(where the acknowledge links point). A page's card becomes a text and an HTML part; its Acknowledge
button becomes a signed, expiring, single-use link (``bot.links``). Failures are classified like the
chat adapters': a refused recipient can never work (permanent); a server that is down or answers 4xx is
retried by the outbox with backoff.
"""

from __future__ import annotations

import html
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import aiosmtplib

from bot import links
from bot.core.i18n import t
from bot.core.model import MessageRef, UserRef
from bot.core.paging import EMAIL
from bot.core.platform import DeliveryError, PlatformRefused
from bot.core.views import Card, plain_card

log = logging.getLogger("mynaleak.mail")
TIMEOUT = 15.0  # seconds for one SMTP conversation: a hung server must not hold the next page for long


class MailConfigError(PlatformRefused):
    """The mail settings are wrong (the message tells the operator which and how to fix it); ``mynaleak
    run`` prints it and exits 2, like a platform that refuses its settings."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start; otherwise STARTTLS when offered
    sender: str
    public_url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MailSettings | None:
        """``None`` when ``MYNALEAK_SMTP_URL`` is not set (no e-mail pages)."""
        url = env.get("MYNALEAK_SMTP_URL", "").strip()
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailConfigError("MYNALEAK_SMTP_URL: expected smtp://[user:password@]host[:port] or smtps://…")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError as exc:
            raise MailConfigError("MYNALEAK_SMTP_URL: the port is not a number") from exc
        sender = env.get("MYNALEAK_MAIL_FROM", "").strip()
        public = env.get("MYNALEAK_PUBLIC_URL", "").strip().rstrip("/")
        if "@" not in sender:
            raise MailConfigError("MYNALEAK_MAIL_FROM: the sender address of e-mail pages is required with MYNALEAK_SMTP_URL")
        if not public.startswith(("http://", "https://")):
            raise MailConfigError("MYNALEAK_PUBLIC_URL: where the bot is reachable (https://…) is required for acknowledge links")
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, parts.scheme == "smtps", sender, public, user, password)


def _acting(view: Card, user: UserRef) -> tuple[str, UserRef] | None:
    """The incident and the person the page's Acknowledge button acknowledges as (``id|platform:key``)."""
    button = next((b for b in view.buttons if b.action == "ack"), None)
    if button is None:
        return None
    incident, _, who = button.value.partition("|")
    platform, _, key = who.partition(":")
    return incident, (UserRef(platform, key) if platform and key else UserRef(user.platform, user.key))


class MailNotifier:
    channel = EMAIL

    def __init__(self, settings: MailSettings, key: bytes, clock: Callable[[], datetime], lang: str, tz: ZoneInfo,
                 ttl: timedelta = links.TTL, tls_context: ssl.SSLContext | None = None):  # fmt: skip
        self.settings = settings
        self.tls_context = tls_context  # None: the system's trusted CAs
        self._key = key
        self._clock = clock
        self.lang = lang
        self.tz = tz
        self.ttl = ttl

    def message(self, user: UserRef, view: Card) -> EmailMessage:
        s, lang = self.settings, self.lang
        view = plain_card(view)  # an e-mail has no mentions: people by name (README, "How people are named")
        msg = EmailMessage()
        msg["Subject"] = view.title
        msg["From"] = s.sender
        msg["To"] = user.key
        msg["Date"] = format_datetime(self._clock())
        msg["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
        lines = [view.text, "", *(f"{f.label}: {f.value}" for f in view.fields)]
        parts = [f"<p>{html.escape(view.text)}</p>", "<table>"]
        parts += [f"<tr><th align='left'>{html.escape(f.label)}</th><td>{html.escape(f.value)}</td></tr>" for f in view.fields]
        parts.append("</table>")
        if (acting := _acting(view, user)) is not None:
            link = links.new_link(acting[0], acting[1], self._clock(), self.ttl)
            url = f"{s.public_url}/ack/{links.sign(self._key, link)}"
            until = link.expires.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
            note = t("paging.mail_link_note", lang, until=until)
            lines += ["", f"{t('paging.mail_link', lang)}: {url}", note]
            parts += [
                f"<p><a href='{html.escape(url)}'><b>{html.escape(t('paging.mail_link', lang))}</b></a></p>",
                f"<p>{html.escape(note)}</p>",
            ]
        for b in (b for b in view.buttons if b.url.startswith(("http://", "https://"))):  # the incident thread (absolute links only)
            lines += ["", f"{b.label}: {b.url}"]
            parts.append(f"<p><a href='{html.escape(b.url)}'>{html.escape(b.label)}</a></p>")
        if view.footer:
            lines += ["", view.footer]
            parts.append(f"<p><small>{html.escape(view.footer)}</small></p>")
        msg.set_content("\n".join(lines))
        msg.add_alternative(f"<html><body>{''.join(parts)}</body></html>", subtype="html")
        return msg

    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        msg = self.message(user, view)
        s = self.settings
        try:
            await aiosmtplib.send(msg, hostname=s.host, port=s.port, username=s.username, password=s.password, use_tls=s.tls,
                                  start_tls=False if s.tls else None, timeout=TIMEOUT, tls_context=self.tls_context)  # fmt: skip
        except aiosmtplib.SMTPRecipientsRefused as exc:  # 5xx: the address does not exist; 4xx: try again later
            codes = sorted({r.code for r in exc.recipients})
            # the address stays out of the message: it is shown in the incident thread and the logs
            raise DeliveryError(f"smtp: recipient refused ({', '.join(map(str, codes))})", permanent=all(c >= 500 for c in codes)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.code < 600 and not isinstance(exc, aiosmtplib.SMTPAuthenticationError | aiosmtplib.SMTPSenderRefused)
            raise DeliveryError(f"smtp: {exc.code} {exc.message.replace(msg['To'], '<recipient>')}"[:300], permanent=permanent) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:  # down, unreachable, timed out: retried with backoff
            raise DeliveryError(f"smtp: {type(exc).__name__}: {exc}"[:300]) from exc
        return MessageRef(EMAIL, str(msg["Message-ID"]))
