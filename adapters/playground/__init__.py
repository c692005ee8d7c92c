"""The playground: a local web chat (http://127.0.0.1:3978) where one person plays every role of a
My Number leak response with no Slack or Teams account. It is a platform like the others:
``inbound`` translates the page's requests into events, ``render`` turns the neutral views into HTML,
``adapter`` is the I/O (the chat log in ``storage.playground_store``, live updates over server-sent
events) and ``web`` the page and its API."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.platform import Adapter, Host, Platform


def configured(env: Mapping[str, str]) -> bool:
    """Asked for explicitly (MYNALEAK_PLAYGROUND=1); it is also served when no other platform is."""
    return env.get("MYNALEAK_PLAYGROUND") == "1"


def install(host: Host) -> Adapter:
    """Mount the page at ``/`` and its API under ``/playground/``."""
    from adapters.playground.web import install as mount

    return mount(host)


PLATFORM = Platform("playground", configured, install, invite="playground.chan_fix")
