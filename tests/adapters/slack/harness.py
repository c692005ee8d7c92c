"""Drives the real bot (Bolt behind the aiohttp route) with signed Slack requests, against FakeSlack.

Payloads are shaped like Slack's: slash commands as form fields, interactivity as ``payload=<json>``,
events as JSON; modal submissions and button clicks are built from the views and messages the bot
actually sent to the fake, so a test can only click what a person would see.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier

from adapters.slack.render import ACTION_SEP, action_of
from bot.app import App, build
from bot.core.config import OrgConfig, Settings
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack

SECRET = "test-signing-secret"


@dataclass
class Reply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class SlackHarness:
    def __init__(self, app: App, fake: FakeSlack, server: TestServer | None, session: aiohttp.ClientSession):
        self.app, self.fake, self.server, self.session = app, fake, server, session

    @classmethod
    async def start(cls, db_url: str, org: OrgConfig, fake: FakeSlack, clock: Any = None, socket_mode: bool = False,
                    http: bool = True) -> SlackHarness:  # fmt: skip
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.api_url, "DATABASE_URL": db_url}
        if http:
            env["SLACK_SIGNING_SECRET"] = SECRET
        if socket_mode:
            env["SLACK_APP_TOKEN"] = APP_TOKEN
        kw = {"clock": clock} if clock is not None else {}
        app = await build(Settings.from_env(env), config=org, platforms=["slack"], **kw)
        server = TestServer(app.web, host="127.0.0.1", port=0)
        await server.start_server()
        return cls(app, fake, server, aiohttp.ClientSession())

    async def close(self) -> None:
        await self.app.runtime.drain()
        await self.session.close()
        if self.server is not None:
            await self.server.close()
        await self.app.close()

    @property
    def adapter(self) -> Any:
        return self.app.adapters["slack"]

    async def settle(self) -> None:
        """Wait for the listeners' work after their acks, and for every delivery it started."""
        while True:
            await self.adapter.idle()
            await self.app.runtime.drain()
            if not self.adapter.inflight and not self.app.runtime.busy():
                return

    # ---- raw requests --------------------------------------------------------------------------------
    def headers(self, body: str, ts: int | None = None, secret: str = SECRET, retry: int | None = None) -> dict[str, str]:
        stamp = str(ts if ts is not None else int(time.time()))
        h = {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body),
        }
        if retry is not None:
            h |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return h

    async def send(self, body: str, content_type: str, headers: dict[str, str] | None = None, **kw: Any) -> Reply:
        assert self.server is not None
        h = {"Content-Type": content_type, **(headers if headers is not None else self.headers(body, **kw))}
        async with self.session.post(self.server.make_url("/slack/events"), data=body.encode(), headers=h) as resp:
            return Reply(resp.status, await resp.text())

    async def form(self, fields: dict[str, str], **kw: Any) -> Reply:
        return await self.send(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    async def interactive(self, payload: dict[str, Any], **kw: Any) -> Reply:
        return await self.form({"payload": json.dumps(payload, ensure_ascii=False)}, **kw)

    # ---- what a person does --------------------------------------------------------------------------
    def command_body(self, text: str, user: str, channel: str, trigger: str | None = None) -> dict[str, str]:
        name = self.fake.users.get(user, {}).get("name", user.lower())
        return {"token": "legacy", "team_id": "T0FAKE", "team_domain": "fake", "channel_id": channel, "channel_name": "x",
                "user_id": user, "user_name": name, "command": "/mynaleak", "text": text, "api_app_id": "A0FAKE",
                "response_url": "https://hooks.slack.invalid/commands/1", "trigger_id": trigger or self.fake.trigger()}  # fmt: skip

    async def command(self, text: str, user: str = "U0REPORTER", channel: str = "C0GENERAL", **kw: Any) -> Reply:
        return await self.form(self.command_body(text, user, channel), **kw)

    def _user(self, user: str) -> dict[str, str]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0FAKE"}

    def view_payload(self, view_id: str, values: dict[str, Any], user: str) -> dict[str, Any]:
        view = dict(self.fake.views[view_id])
        state: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", []):
            if block.get("type") == "input":
                el = block["element"]
                state[block["block_id"]] = {el["action_id"]: _state(el, values.get(el["action_id"], _INITIAL))}
        view["state"] = {"values": state}
        return {"type": "view_submission", "team": {"id": "T0FAKE"}, "user": self._user(user), "api_app_id": "A0FAKE",
                "token": "legacy", "trigger_id": self.fake.trigger(), "view": view, "response_urls": []}  # fmt: skip

    async def submit(self, view_id: str, values: dict[str, Any], user: str = "U0REPORTER", **kw: Any) -> Reply:
        return await self.interactive(self.view_payload(view_id, values, user), **kw)

    def click_payload(self, channel: str, ts: str, action: str, user: str, value: str | None = None) -> dict[str, Any]:
        msg = self.fake.messages[(channel, ts)]
        act = _find_action(msg["blocks"], action, value)
        return {"type": "block_actions", "user": self._user(user), "api_app_id": "A0FAKE", "token": "legacy",
                "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
                "trigger_id": self.fake.trigger(), "team": {"id": "T0FAKE"}, "channel": {"id": channel, "name": "x"},
                "message": msg, "actions": [act]}  # fmt: skip

    async def click(self, channel: str, ts: str, action: str, user: str, value: str | None = None, **kw: Any) -> Reply:
        return await self.interactive(self.click_payload(channel, ts, action, user, value), **kw)

    def event_body(self, text: str, user: str, channel: str, event_id: str | None = None) -> dict[str, Any]:
        ts = f"{time.time():.6f}"
        return {"token": "legacy", "team_id": "T0FAKE", "api_app_id": "A0FAKE", "type": "event_callback",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
                "authorizations": [{"team_id": "T0FAKE", "user_id": "U0BOT", "is_bot": True}],
                "event": {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "channel_type": "channel"}}  # fmt: skip

    async def event(self, text: str, user: str, channel: str = "C0INCIDENTS", event_id: str | None = None, **kw: Any) -> Reply:
        body = json.dumps(self.event_body(text, user, channel, event_id))
        return await self.send(body, "application/json", **kw)


_INITIAL = object()


def _state(el: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = el["type"]
    if value is _INITIAL:  # what Slack submits for an untouched input: its initial value
        if kind == "static_select":
            return {"type": kind, "selected_option": el.get("initial_option")}
        if kind == "multi_static_select":
            return {"type": kind, "selected_options": el.get("initial_options", [])}
        if kind == "datetimepicker":
            return {"type": kind, "selected_date_time": el.get("initial_date_time")}
        return {"type": kind, "value": el.get("initial_value")}
    if kind == "static_select":
        opt = next(o for o in el["options"] if o["value"] == value)
        return {"type": kind, "selected_option": opt}
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": [o for o in el["options"] if o["value"] in value]}
    if kind == "datetimepicker":
        return {"type": kind, "selected_date_time": int(value) if value not in (None, "") else None}
    return {"type": kind, "value": None if value in (None, "") else str(value)}


def _find_action(blocks: list[dict[str, Any]], action: str, value: str | None) -> dict[str, Any]:
    """The element a person would click for ``action`` (a button or an overflow option)."""
    for block in blocks:
        elements = list(block.get("elements") or []) + ([block["accessory"]] if block.get("accessory") else [])
        for el in elements:
            if el.get("type") == "button" and action_of(el["action_id"]) == action and (value is None or el.get("value") == value):
                return {"type": "button", "action_id": el["action_id"], "block_id": block.get("block_id", "b"), "text": el["text"],
                        "value": el.get("value"), "action_ts": f"{time.time():.6f}"}  # fmt: skip
            if el.get("type") == "overflow":
                for opt in el["options"]:
                    act, _, val = opt["value"].partition(ACTION_SEP)
                    if act == action and (value is None or val == value):
                        return {"type": "overflow", "action_id": el["action_id"], "block_id": block.get("block_id", "b"),
                                "selected_option": opt, "action_ts": f"{time.time():.6f}"}  # fmt: skip
    raise AssertionError(f"no {action!r} control in the message")
