"""The Web API calls sent straight over aiohttp (adapters/slack/webapi.py) go on the wire exactly as
slack_sdk's client sends them: same verb, path, query, body, token and content type."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.slack.adapter import SlackAdapter, make_client
from adapters.slack.webapi import DIRECT
from bot.core.platform import DeliveryError

ARGS: dict[str, dict[str, Any]] = {
    "chat.postMessage": {
        "channel": "C0INCIDENTS",
        "text": '報告 ML-2026-0001 "x"',
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "<@U0SATO> さん"}}],
        "unfurl_links": False,
        "unfurl_media": False,
        "thread_ts": "1.2",
    },  # fmt: skip
    "chat.postEphemeral": {"channel": "C0GENERAL", "user": "U0R", "text": "受け付けました", "blocks": []},
    "chat.update": {"channel": "D0SATO", "ts": "1.000001", "text": "t", "blocks": [{"type": "divider"}]},
    "views.open": {"trigger_id": "1.abc", "view": {"type": "modal", "title": {"type": "plain_text", "text": "報告"}}},
    "views.publish": {"user_id": "U0SATO", "view": {"type": "home", "blocks": []}},
    "chat.getPermalink": {"channel": "C0INCIDENTS", "message_ts": "1.000001"},
    "users.info": {"user": "U0SATO", "include_locale": True},
    "conversations.open": {"users": "U0SATO"},
}


class Wire:
    """A Web API that records each request as it arrived and answers ok."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/"  # type: ignore[union-attr]

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body: Any = json.loads(raw) if request.content_type == "application/json" else raw.decode()
        self.seen.append({"verb": request.method, "path": request.path, "query": dict(request.query), "body": body,
                          "auth": request.headers.get("Authorization"), "type": request.headers.get("Content-Type")})  # fmt: skip
        return web.json_response({"ok": True, "channel": {"id": "D0SATO"}, "ts": "1.1", "permalink": "https://x/p"})


@pytest.fixture
async def wire():  # noqa: ANN201
    w = Wire()
    await w.start()
    yield w
    assert w.runner is not None
    await w.runner.cleanup()


async def test_direct_calls_are_sent_as_slack_sdk_sends_them(wire: Wire) -> None:
    async with aiohttp.ClientSession() as session:
        client = make_client("xoxb-test-token", wire.url, session)
        adapter = SlackAdapter(client, tz=None)  # type: ignore[arg-type]
        for method, args in ARGS.items():
            assert method in DIRECT
            await getattr(client, method.replace(".", "_"))(**args)  # slack_sdk's own way
            got = await adapter.call(method, **args)  # ours
            assert got["ok"] is True
            sdk, ours = wire.seen[-2], wire.seen[-1]
            assert ours == sdk, method
        assert set(ARGS) == set(DIRECT)


async def test_direct_call_errors_are_classified() -> None:
    cases = [
        (200, '{"ok": false, "error": "channel_not_found"}', {}, (True, None, "channel_not_found")),
        (200, '{"ok": false, "error": "internal_error"}', {}, (False, None, "internal_error")),
        (429, '{"ok": false, "error": "ratelimited"}', {"Retry-After": "12"}, (False, 12.0, "ratelimited")),
        (200, '{"ok": false, "error": "ratelimited"}', {}, (False, 1.0, "ratelimited")),
        (503, "<html>Service Unavailable</html>", {}, (False, None, "HTTP 503")),
        (200, "<html>not json</html>", {}, (False, None, "HTTP 200")),
    ]
    for status, body, headers, (permanent, retry_after, text) in cases:
        exc = await _raised_with(status, body, headers)
        assert (exc.permanent, exc.retry_after) == (permanent, retry_after), body
        assert text in str(exc) and str(exc).startswith("chat.postMessage: ")


async def _raised_with(status: int, body: str, headers: dict[str, str]) -> DeliveryError:
    """What the adapter raises when the Web API answers ``status``/``body`` to a chat.postMessage."""

    async def handle(_: web.Request) -> web.Response:
        ctype = "application/json" if body.startswith("{") else "text/html"
        return web.Response(status=status, text=body, content_type=ctype, headers=headers)

    app = web.Application()
    app.router.add_post("/api/{method}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/"  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            adapter = SlackAdapter(make_client("xoxb-test-token", url, session), tz=None)  # type: ignore[arg-type]
            with pytest.raises(DeliveryError) as info:
                await adapter.call("chat.postMessage", channel="C0INCIDENTS", text="t")
            return info.value
    finally:
        await runner.cleanup()
