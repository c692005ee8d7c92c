"""manifest.yml: valid against Slack's manifest schema (../shared/schemas), with exactly the scopes the
bot uses, the /mynaleak command, interactivity and the message events."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT.parent / "shared" / "schemas"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.{}.json"
# Every Web API method the adapter calls, with the bot scope it needs (None: no scope).
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.getPermalink": None,  # no scope needed (Slack API docs)
    "conversations.open": "im:write",
    "users.info": "users:read",
    "views.open": None,
    "views.publish": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "app_home_opened": None,
}


def _schema_dir() -> Path:
    if not (SCHEMAS / "slack-app-manifest.schema.json").exists():
        pytest.fail("../shared/schemas is not beside the repository")
    return SCHEMAS


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_manifest_valid_against_slack_schema(manifest):
    base = _schema_dir()
    top = json.loads((base / "slack-app-manifest.schema.json").read_text())
    registry = Registry().with_resources(
        (REMOTE.format(v), Resource.from_contents(json.loads((base / f"slack-app-manifest.schema.{v}.json").read_text())))
        for v in ("1.0.0", "2.0.0")
    )
    errors = [e.message for e in Draft7Validator(top, registry=registry).iter_errors(manifest)]
    assert not errors, errors
    broken = dict(manifest, settings=dict(manifest["settings"], interactivity={"request_url": "x"}))
    assert list(Draft7Validator(top, registry=registry).iter_errors(broken)), "the schema check accepts anything"


def test_manifest_scopes_are_exactly_the_ones_used(manifest):
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "adapters" / "slack").glob("*.py")))
    called = set(re.findall(r'\bcall\(\s*"([a-zA-Z.]+)"', source))
    assert "views.publish" in called  # the App Home (adapters/slack/home.py) is scanned too
    assert called and called <= set(METHOD_SCOPES), f"a Web API method without a known scope: {called - set(METHOD_SCOPES)}"
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    needed = {"commands"} | {METHOD_SCOPES[m] for m in called if METHOD_SCOPES[m]} | {EVENT_SCOPES[e] for e in events if EVENT_SCOPES[e]}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


def test_manifest_command_interactivity_events(manifest):
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/mynaleak"]
    assert commands[0]["url"].endswith("/slack/events")
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert manifest["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True  # DMs with the bot (message.im)


def test_manifest_names_every_command(manifest):
    """The slash command's description and usage hint list every verb the bot answers (drill included)."""
    from flows.commands import VERBS

    (slash,) = manifest["features"]["slash_commands"]
    for text in (slash["description"], slash["usage_hint"]):
        assert [v for v in VERBS if not re.search(rf"\b{v}\b", text)] == [], text
    assert "drill" in manifest["display_information"]["description"]


def test_manifest_message_shortcut(manifest):
    """Issue 14: the message shortcut the adapter listens for, by its callback id."""
    from adapters.slack.shortcuts import CALLBACK_ID

    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == CALLBACK_ID
    assert shortcut["name"] == "マイナンバー事案として報告" and "Report as a My Number incident" in shortcut["description"]


def test_manifest_app_home_tab(manifest):
    """Issue 14: the Home tab is on and its event subscribed (adapters/slack/home.py answers it)."""
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
