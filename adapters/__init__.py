"""The registry: every platform the bot can serve, one line each. Config validation, the composition
root and the contract suite read it; nothing else names a platform."""

from __future__ import annotations

from adapters import playground, slack, teams
from bot.core.platform import Platform

PLATFORMS: tuple[Platform, ...] = (
    slack.PLATFORM,
    teams.PLATFORM,
    playground.PLATFORM,
)
DEFAULT = playground.PLATFORM.name  # served when no platform's credentials are set


def names() -> tuple[str, ...]:
    return tuple(p.name for p in PLATFORMS)


def get(name: str) -> Platform:
    for p in PLATFORMS:
        if p.name == name:
            return p
    raise KeyError(f"no platform {name!r} (known: {', '.join(names())})")
