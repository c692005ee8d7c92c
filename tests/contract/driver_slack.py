"""Slack's contract driver: the real app with Bolt behind /slack/events on port 0, driven with signed
requests shaped like Slack's; the "platform side" is the fake Slack Web API (port 0), whose recorded
calls are what the platform received."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.slack.render import ACTION_SEP, action_of
from bot.app import App
from bot.core.config import OrgConfig
from bot.core.model import UserRef
from tests.adapters.slack.blockkit import check_calls
from tests.adapters.slack.fake_slack import FakeSlack, _user
from tests.adapters.slack.harness import SlackHarness
from tests.contract.drivers import HANDLES, Received, Submitted
from tests.support.jsontree import nodes


def _ref(channel: str, ts: str) -> str:
    return f"{channel}/{ts}"


def flatten(blocks: list[dict[str, Any]], text: str = "") -> tuple[str, tuple[tuple[str, str], ...]]:
    """Visible text and (action, value) of every control in a Block Kit message."""
    parts: list[str] = []
    buttons: list[tuple[str, str]] = []

    for node in nodes(blocks):
        if node.get("type") in ("plain_text", "mrkdwn"):
            parts.append(html.unescape(str(node.get("text", ""))))
        if node.get("type") == "button":
            buttons.append((action_of(node["action_id"]), str(node.get("value", ""))))
        if node.get("type") == "overflow":
            buttons.extend(tuple(o["value"].split(ACTION_SEP, 1)) for o in node["options"])  # type: ignore[misc]
    return (" ".join(parts) if parts else html.unescape(text)), tuple(buttons)


class SlackDriver:
    platform = "slack"

    def mentioned(self, received: Received) -> set[str]:
        ids = set(re.findall(r"<@(U[A-Z0-9]+)>", json.dumps(received.raw.get("blocks") or [])))
        return {h for h in HANDLES if user_id(h) in ids}

    def __init__(self) -> None:
        self.app: App = None  # type: ignore[assignment]
        self.fake = FakeSlack()
        self.h: SlackHarness | None = None
        self._triggers: dict[str, str] = {}  # trigger_id -> handle who caused it
        self._last: tuple[str, str, dict[str, str]] | None = None

    async def start(self, db_url: str, config: OrgConfig, clock: Any) -> None:
        self.db_url, self.config, self.clock = db_url, config, clock
        await self.fake.start()
        for handle in HANDLES:
            uid = user_id(handle)
            self.fake.users[uid] = _user(uid, handle.title())
        await self._boot()

    async def _boot(self) -> None:
        self.h = await SlackHarness.start(self.db_url, self.config, self.fake, self.clock)
        self.app = self.h.app

    async def restart(self) -> None:
        assert self.h is not None
        await self.h.close()
        await self._boot()

    async def stop(self) -> None:
        if self.h is not None:
            await self.h.close()
        await self.fake.stop()
        check_calls(self.fake.calls)  # every Block Kit payload of the run parses and keeps Slack's limits

    def user(self, handle: str) -> UserRef:
        return UserRef("slack", user_id(handle), handle)

    def _handle(self, uid_or_dm: str) -> str:
        uid = "U" + uid_or_dm[1:] if uid_or_dm.startswith("D") else uid_or_dm
        return next((h for h in HANDLES if user_id(h) == uid), uid)

    # ---- inbound -------------------------------------------------------------------------------------
    async def _send(self, body: str, content_type: str, handle: str, trigger: str | None) -> Any:
        assert self.h is not None
        headers = self.h.headers(body)
        if trigger:
            self._triggers[trigger] = handle
        self._last = (body, content_type, headers)
        return await self.h.send(body, content_type, headers=headers)

    async def send_command(self, handle: str, text: str) -> int:
        assert self.h is not None
        fields = self.h.command_body(text, user_id(handle), self.config.channels["slack"])
        from urllib.parse import urlencode

        return (await self._send(urlencode(fields), "application/x-www-form-urlencoded", handle, fields["trigger_id"])).status

    async def _interactive(self, payload: dict[str, Any], handle: str) -> Any:
        from urllib.parse import urlencode

        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
        return await self._send(body, "application/x-www-form-urlencoded", handle, payload.get("trigger_id"))

    def _where(self, handle: str, action: str, value: str) -> tuple[str, str]:
        """The latest message this person can see that carries the button (their DMs, then the channel)."""
        dm = "D" + user_id(handle)[1:]
        for channel in (dm, self.config.channels["slack"]):
            for (ch, ts), msg in reversed(list(self.fake.messages.items())):
                if ch == channel and (action, value) in flatten(msg["blocks"])[1]:
                    return ch, ts
        raise AssertionError(f"{handle} has no ({action}, {value}) button to press")

    async def press(self, handle: str, action: str, value: str, message: str | None = None) -> int:
        assert self.h is not None
        channel, ts = message.split("/", 1) if message else self._where(handle, action, value)
        payload = self.h.click_payload(channel, ts, action, user_id(handle), value)
        return (await self._interactive(payload, handle)).status

    async def submit_form(self, handle: str, form_id: str, values: Mapping[str, str | tuple[str, ...]], context: str = "") -> Submitted:
        assert self.h is not None
        views = [c.result["view"] for c in self.fake.called("views.open") if self._triggers.get(c.args["trigger_id"]) == handle]
        views = [v for v in views if v["callback_id"] == form_id and (not context or json.loads(v["private_metadata"]).get("c") == context)]
        assert views, f"no {form_id} form open for {handle}"
        view = views[-1]
        kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
        converted = {k: self._pick(kinds.get(k), v) for k, v in values.items()}
        payload = self.h.view_payload(view["id"], converted, user_id(handle))
        r = await self._interactive(payload, handle)
        body = r.json() if r.text else {}
        return Submitted(r.status, dict(body.get("errors") or {}) if body.get("response_action") == "errors" else {})

    def _pick(self, kind: str | None, value: Any) -> Any:
        """What a person's client submits for ``value``: a date-time picker sends epoch seconds."""
        if kind == "datetimepicker" and isinstance(value, str) and value and not value.isdigit():
            dt = datetime.fromisoformat(value)
            return int((dt if dt.tzinfo else dt.replace(tzinfo=self.config.tz)).timestamp())
        return value

    async def bad_request(self) -> int:
        assert self.h is not None
        from urllib.parse import urlencode

        body = urlencode(self.h.command_body("report", user_id("reporter"), self.config.channels["slack"]))
        return (await self.h.send(body, "application/x-www-form-urlencoded", headers=self.h.headers(body, secret="forged"))).status

    async def replay_last(self) -> int:
        assert self.h is not None and self._last is not None
        body, content_type, headers = self._last
        return (
            await self.h.send(body, content_type, headers=headers | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        ).status

    async def settle(self) -> None:
        assert self.h is not None
        await self.h.settle()

    # ---- what Slack received ---------------------------------------------------------------------------
    def received(self) -> list[Received]:
        out: list[Received] = []
        for c in self.fake.calls:
            if c.status != 200 or c.error:
                continue
            a = c.args
            if c.method == "chat.postMessage":
                text, buttons = flatten(a.get("blocks") or [], a.get("text", ""))
                channel, ts = c.result["channel"], c.result["ts"]
                thread = _ref(channel, a["thread_ts"]) if a.get("thread_ts") else None
                if channel.startswith("D") and thread is None:
                    out.append(Received("dm", _ref(channel, ts), self._handle(channel), text, None, buttons, raw=a))
                else:
                    out.append(Received("post", _ref(channel, ts), channel, text, thread, buttons, raw=a))
            elif c.method == "chat.update":
                text, buttons = flatten(a.get("blocks") or [], a.get("text", ""))
                out.append(Received("update", _ref(a["channel"], a["ts"]), a["channel"], text, None, buttons, raw=a))
            elif c.method == "chat.postEphemeral":
                text, buttons = flatten(a.get("blocks") or [], a.get("text", ""))
                out.append(Received("private", "", self._handle(a["user"]), text, None, buttons, raw=a))
            elif c.method == "views.open":
                view = c.result["view"]
                text, buttons = flatten(view.get("blocks") or [])
                who = self._triggers.get(a["trigger_id"], "")
                out.append(Received("form", view["id"], who, text, None, buttons, form_id=view.get("callback_id"), raw=a))
        return out


CHANNEL = "C0INCIDENTS"  # the incident channel's key


def user_id(handle: str) -> str:
    """Slack user ids: U0 + the handle in capitals."""
    return "U0" + handle.upper()


DRIVER = SlackDriver
