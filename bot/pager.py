"""Paging beyond chat, wired into the application: the e-mail notifier when ``MYNALEAK_SMTP_URL`` is set,
PagerDuty (``bot.pagerduty``, always: the routing key is the person's), the webhook (``bot.webhook``) when
``MYNALEAK_WEBHOOK_KEY`` is set, and the ``/ack/<token>`` route their links lead to. Without SMTP (or the
webhook key) the chain snapshot leaves that channel out (``OrgConfig.page_channels``), so nobody is
"paged" where nothing can be sent."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from aiohttp import web

from bot import ack_page, links
from bot.core.config import OrgConfig
from bot.core.paging import EMAIL, WEBHOOK
from bot.delivery import Deliverer
from bot.mail import MailNotifier, MailSettings
from bot.pagerduty import PagerDutyNotifier, PagerDutySettings
from bot.paging_http import AckLinks, ServiceConfigError, public_url
from bot.runtime import Runtime
from bot.webhook import WebhookNotifier, webhook_key
from storage.audit import DEV_KEY

log = logging.getLogger("mynaleak.pager")


def channels(config: OrgConfig, env: Mapping[str, str]) -> OrgConfig:
    """``config`` paging only through the channels this process can deliver (raises
    :class:`bot.core.platform.PlatformRefused` on a wrong mail or paging-service setting)."""
    PagerDutySettings.from_env(env, public_url(env))
    link_ttl(env)
    off: set[str] = set()
    if MailSettings.from_env(env) is None:
        off.add(EMAIL)
        if any(p.email for p in config.people.values()):
            log.warning("people have e-mail addresses but MYNALEAK_SMTP_URL is not set: no e-mail pages")
    if webhook_key(env) is None:
        off.add(WEBHOOK)
        if any(p.webhook for p in config.people.values()):
            log.warning("people have webhook URLs but MYNALEAK_WEBHOOK_KEY is not set: no webhook pages")
    return replace(config, page_channels=tuple(c for c in config.page_channels if c not in off)) if off else config


def link_ttl(env: Mapping[str, str]) -> timedelta:
    """How long acknowledge links work (``MYNALEAK_LINK_HOURS``; refused with its reason when wrong)."""
    try:
        return links.ttl_from_env(env)
    except ValueError as exc:
        raise ServiceConfigError(str(exc)) from None


def install(w: web.Application, runtime: Runtime, deliverer: Deliverer, env: Mapping[str, str], audit_key: bytes | None) -> None:
    key = links.link_key(audit_key or DEV_KEY)
    ack_page.install(w, runtime, key)
    ttl = link_ttl(env)
    settings = MailSettings.from_env(env)
    if settings is not None:
        cfg = runtime.config
        deliverer.notifiers[EMAIL] = MailNotifier(settings, key, runtime.clock, cfg.language, cfg.tz, ttl=ttl)
        log.info("e-mail pages on", extra={"smtp": f"{settings.host}:{settings.port}", "tls": settings.tls})
    ack_links = AckLinks(key, public_url(env), runtime.clock, ttl)
    deliverer.notifiers[PagerDutyNotifier.channel] = PagerDutyNotifier(
        PagerDutySettings.from_env(env, ack_links.public_url), ack_links, runtime.config.language
    )
    if (hook := webhook_key(env)) is not None:
        deliverer.notifiers[WebhookNotifier.channel] = WebhookNotifier(hook, ack_links)
        log.info("webhook pages on")
