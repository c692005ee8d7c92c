"""Microsoft Teams: botbuilder CloudAdapter at /api/messages (see adapter.py; README "Install in Teams")."""

from collections.abc import Mapping


def configured(env: Mapping[str, str]) -> bool:
    """Teams is served with an app id (or MYNALEAK_TEAMS=1: local emulator mode, unauthenticated)."""
    return bool(env.get("MICROSOFT_APP_ID")) or env.get("MYNALEAK_TEAMS") == "1"
