"""Paging beyond chat, wired into the application: the e-mail notifier when ``MYNALEAK_SMTP_URL`` is set,
and the ``/ack/<token>`` route its links lead to. Without SMTP the chain snapshot leaves e-mail out
(``OrgConfig.page_channels``), so nobody is "paged" where nothing can be sent."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from aiohttp import web

from bot import ack_page, links
from bot.core.config import OrgConfig
from bot.core.paging import EMAIL
from bot.delivery import Deliverer
from bot.mail import MailNotifier, MailSettings
from bot.runtime import Runtime
from storage.audit import DEV_KEY

log = logging.getLogger("mynaleak.pager")


def channels(config: OrgConfig, env: Mapping[str, str]) -> OrgConfig:
    """``config`` paging only through the channels this process can deliver (raises
    :class:`bot.mail.MailConfigError` on a wrong mail setting)."""
    if MailSettings.from_env(env) is not None:
        return config
    if any(p.email for p in config.people.values()):
        log.warning("people have e-mail addresses but MYNALEAK_SMTP_URL is not set: no e-mail pages")
    return replace(config, page_channels=tuple(c for c in config.page_channels if c != EMAIL))


def install(w: web.Application, runtime: Runtime, deliverer: Deliverer, env: Mapping[str, str], audit_key: bytes | None) -> None:
    key = links.link_key(audit_key or DEV_KEY)
    ack_page.install(w, runtime, key)
    settings = MailSettings.from_env(env)
    if settings is not None:
        cfg = runtime.config
        deliverer.notifiers[EMAIL] = MailNotifier(settings, key, runtime.clock, cfg.language, cfg.tz)
        log.info("e-mail pages on", extra={"smtp": f"{settings.host}:{settings.port}", "tls": settings.tls})
