"""Microsoft Teams: botbuilder CloudAdapter at /api/messages (see adapter.py; README "Install in Teams")."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.platform import Adapter, Host, Platform


def configured(env: Mapping[str, str]) -> bool:
    """Teams is served with an app id (or MYNALEAK_TEAMS=1: local emulator mode, unauthenticated)."""
    return bool(env.get("MICROSOFT_APP_ID")) or env.get("MYNALEAK_TEAMS") == "1"


def install(host: Host) -> Adapter:
    from adapters.teams.adapter import install as mount  # botbuilder only when served

    return mount(host)


# people type the command word to the bot ("report", "@mynaleak status"): no slash command in help and errors
PLATFORM = Platform("teams", configured, install, command="", invite="teams.chan_fix")
