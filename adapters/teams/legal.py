"""The short pages the Teams app manifest links to (``developer.websiteUrl``, ``privacyUrl``,
``termsOfUseUrl``): ``/about``, ``/privacy`` and ``/terms`` on the bot itself, in the organisation's
language, naming the organisation from its file. Static HTML, nothing personal, nothing stored."""

from __future__ import annotations

import html

from aiohttp import web

from bot.core.config import OrgConfig
from bot.core.i18n import t

PAGES = ("about", "privacy", "terms")


def page(name: str, config: OrgConfig) -> str:
    """The HTML of one page (``name`` in :data:`PAGES`)."""
    lang = config.language
    org = config.organisation or "mynaleak"
    title = t(f"teams.page_{name}_title", lang, organisation=org)
    body = t(f"teams.page_{name}_body", lang, organisation=org)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())
    return (
        f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"</head><body><main><h1>{html.escape(title)}</h1>{paragraphs}</main></body></html>"
    )


def mount(router: web.UrlDispatcher, config: OrgConfig) -> None:
    """Serve the pages at ``/about``, ``/privacy`` and ``/terms``."""
    for name in PAGES:

        async def handler(request: web.Request, name: str = name) -> web.Response:
            return web.Response(text=page(name, config), content_type="text/html", charset="utf-8")

        router.add_get(f"/{name}", handler)
