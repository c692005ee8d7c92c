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


def test_nothing_outside_adapters_names_a_platform() -> None:
    """The registry is the one list: no string in the core, the flows, the storage or the shell names a
    platform (a fourth platform touches its folder, one registry line and one contract driver)."""
    import ast
    from pathlib import Path

    import adapters

    root = Path(__file__).resolve().parent.parent
    names = set(adapters.names())
    found = []
    for pkg in ("bot", "flows", "storage"):
        for path in (root / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in names:
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value!r}")
    assert not found, found
    assert names == {p.name for p in (root / "adapters").iterdir() if (p / "__init__.py").exists()}
