"""Which platforms the bot serves, from the credentials in the environment."""

from __future__ import annotations

import pytest

from bot.app import enabled_platforms
from bot.core.config import Settings


@pytest.mark.parametrize(
    ("env", "served"),
    [
        ({}, ["playground"]),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["slack"]),
        ({"MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000001"}, ["teams"]),
        ({"MYNALEAK_TEAMS": "1", "SLACK_BOT_TOKEN": "xoxb-1"}, ["slack", "teams"]),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "MYNALEAK_PLAYGROUND": "1"}, ["slack", "playground"]),
    ],
)
def test_platforms_follow_the_credentials(env: dict[str, str], served: list[str]) -> None:
    assert enabled_platforms(Settings.from_env(env)) == served
