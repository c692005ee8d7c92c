"""Slack: slack-bolt over the shared aiohttp app (/slack/events) or Socket Mode (see adapter.py;
README "Install in Slack")."""

from collections.abc import Mapping


def configured(env: Mapping[str, str]) -> bool:
    """Slack is served when its bot token is set."""
    return bool(env.get("SLACK_BOT_TOKEN"))
