"""Slack: slack-bolt over the shared aiohttp app (/slack/events) or Socket Mode (see adapter.py;
README "Install in Slack")."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.platform import Adapter, Host, Platform


def configured(env: Mapping[str, str]) -> bool:
    """Slack is served when its bot token is set."""
    return bool(env.get("SLACK_BOT_TOKEN"))


def install(host: Host) -> Adapter:
    from adapters.slack.adapter import install as mount  # Bolt and the Web API client only when served

    return mount(host)


PLATFORM = Platform("slack", configured, install, invite="slack.chan_fix")
