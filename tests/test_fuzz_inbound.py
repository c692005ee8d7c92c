"""Hostile input: every inbound translator and every inbound HTTP route, fed with hypothesis-made
payloads. A translator returns an event (or None) or raises its documented error; a route never
answers 500 and never crashes the app."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from adapters.playground import inbound as pg_in
from adapters.playground.personas import personas
from adapters.slack import inbound as slack_in
from adapters.teams import inbound as teams_in
from bot.app import build
from bot.core.config import Settings
from bot.core.events import ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.conftest import Clock, scaled

# JSON-ish values, with the unicode that bites: full-width digits, combining marks, RTL, emoji, NUL
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["１２３４５６７８９０１８", "e\u0301", "\u202eevil", "🙂" * 5, "\x00", "ML-2026-0001|1.1", "a" * 5000]
)
LEAF = st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=True) | TEXT
JSON = st.recursive(LEAF, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=5), max_leaves=20)
FUZZ = settings(max_examples=scaled(150), deadline=None, suppress_health_check=list(HealthCheck))
EVENTS = (CommandInvoked, FormSubmitted, ButtonPressed, MessagePosted)


def skeleton(shape: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A payload of the right shape whose every value may be wrong."""
    return st.fixed_dictionaries({k: (skeleton(v) if isinstance(v, dict) else JSON) for k, v in shape.items()}, optional={"extra": JSON})


SLACK_SHAPES = {
    "command": {"user_id": 0, "channel_id": 0, "text": 0, "trigger_id": 0, "command": 0},
    "view_submission": {
        "type": 0,
        "user": {"id": 0},
        "view": {"id": 0, "hash": 0, "callback_id": 0, "private_metadata": 0, "state": {"values": 0}},
    },
    "block_action": {"type": 0, "user": {"id": 0}, "trigger_id": 0, "channel": {"id": 0}, "container": {"message_ts": 0}, "actions": 0},
    "message_event": {"event_id": 0, "event": {"type": 0, "user": 0, "channel": 0, "text": 0, "ts": 0}},
}


@pytest.mark.parametrize("kind", list(SLACK_SHAPES))
def test_slack_translators_never_crash(kind: str) -> None:
    fn = getattr(slack_in, kind)

    @FUZZ
    @given(body=skeleton(SLACK_SHAPES[kind]) | st.dictionaries(TEXT, JSON, max_size=6))
    def prop(body: dict[str, Any]) -> None:
        try:
            got = fn(body)
        except ValueError:
            return
        assert got is None or isinstance(got, EVENTS)

    prop()


TEAMS_SHAPE = {"type": 0, "id": 0, "from": {"id": 0, "aadObjectId": 0, "name": 0}, "conversation": {"id": 0, "conversationType": 0},
               "text": 0, "value": 0, "channelData": {"tenant": {"id": 0}}, "locale": 0, "serviceUrl": 0}  # fmt: skip


def test_teams_translator_never_crashes() -> None:
    @FUZZ
    @given(activity=skeleton(TEAMS_SHAPE) | st.dictionaries(TEXT, JSON, max_size=6))
    def prop(activity: dict[str, Any]) -> None:
        try:
            got = teams_in.translate(activity)
        except teams_in.BadActivity:
            return
        assert got is None or isinstance(got, EVENTS)

    prop()


def test_playground_translators_never_crash(org) -> None:
    people = {p.id: p for p in personas(org)}

    @FUZZ
    @given(raw=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()), payload=skeleton(
        {"id": 0, "persona": 0, "place": 0, "text": 0, "message": 0, "action": 0, "value": 0, "values": 0, "lang": 0}))  # fmt: skip
    def prop(raw: bytes, payload: dict[str, Any]) -> None:
        try:
            assert isinstance(pg_in.parse_json(raw), dict)
        except pg_in.InboundError:
            pass
        for call in (
            lambda: pg_in.command(payload, people, "incidents"),
            lambda: pg_in.press(payload, people, None),
            lambda: pg_in.submit(payload, people, "report", "", None),
        ):
            try:
                assert isinstance(call(), EVENTS)
            except pg_in.InboundError:
                pass

    prop()


# ---- the HTTP routes of the real app ---------------------------------------------------------------
SECRET = "fuzz-signing-secret"


@pytest.fixture
async def served(db_url: str, org, clock: Clock):
    fake = FakeSlack()
    await fake.start()
    env = {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
           "MYNALEAK_TEAMS": "1", "MYNALEAK_PLAYGROUND": "1"}  # fmt: skip
    app = await build(Settings.from_env(env), config=org, clock=clock)
    runner = web.AppRunner(app.web, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/") as r:
            page = await r.text()
        token = page.split('name="mynaleak-token" content="', 1)[1].split('"', 1)[0] if 'name="mynaleak-token"' in page else ""
        yield app, session, base, token
    await runner.cleanup()
    await app.close()
    await fake.stop()


def slack_body(payload: Any, as_command: bool) -> str:
    if as_command and isinstance(payload, dict):
        return urllib.parse.urlencode({str(k)[:50]: json.dumps(v)[:500] for k, v in payload.items()})
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


async def test_no_route_answers_500(served) -> None:
    app, session, base, token = served
    # hypothesis drives synchronous tests: draw the examples first, then send them over HTTP
    examples: list[tuple[Any, bool, str]] = []

    @settings(max_examples=scaled(90), deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(payload=JSON, as_command=st.booleans(), route=st.sampled_from(["slack", "teams", "playground"]))
    @example(payload=None, as_command=False, route="teams")  # failed before: the JSON body `null` was a 500
    @example(payload={"type": "block_actions", "actions": "x", "user": {"id": "U1"}}, as_command=False, route="slack")
    @example(payload={"type": "event_callback", "event": "x"}, as_command=False, route="slack")
    def draw(payload: Any, as_command: bool, route: str) -> None:
        examples.append((payload, as_command, route))

    draw()
    seen: dict[str, list[int]] = {"slack": [], "teams": [], "playground": []}
    for payload, as_command, route in examples:
        if route == "slack":
            body = slack_body(payload, as_command)
            stamp = str(int(time.time()))
            headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
                       "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)}  # fmt: skip
            async with session.post(base + "/slack/events", data=body.encode(), headers=headers) as r:
                seen["slack"].append(r.status)
        elif route == "teams":
            async with session.post(base + "/api/messages", data=json.dumps(payload), headers={"Content-Type": "application/json"}) as r:
                seen["teams"].append(r.status)
        else:
            path = ["command", "press", "submit"][len(seen["playground"]) % 3]
            headers = {"Content-Type": "application/json", "X-Mynaleak-Token": token, "Origin": base}
            async with session.post(f"{base}/playground/api/{path}", data=json.dumps(payload), headers=headers) as r:
                seen["playground"].append(r.status)
    await app.runtime.drain()
    for route, got in seen.items():
        assert all(s < 500 for s in got), (route, got)
    assert all(seen.values()), seen
    # oversized input is refused cleanly, not stored
    huge = {"id": "x" * 20, "persona": "yamada", "place": "incidents", "text": "/mynaleak status " + "あ" * 1_000_000}
    async with session.post(f"{base}/playground/api/command", data=json.dumps(huge),
                            headers={"Content-Type": "application/json", "X-Mynaleak-Token": token, "Origin": base}) as r:  # fmt: skip
        assert 400 <= r.status < 500
    async with session.get(base + "/healthz") as r:
        assert r.status == 200


# ---- issue 11, item 6: never a 500, never a traceback as the only trace -----------------------------
def signed(body: str, stamp: str | None = None, content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    stamp = stamp or str(int(time.time()))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)}  # fmt: skip


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()[:200]}" for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_unreadable_requests_are_4xx_without_a_traceback(served, caplog: pytest.LogCaptureFixture) -> None:
    app, session, base, _ = served
    caplog.set_level(logging.DEBUG)
    body = urllib.parse.urlencode({"command": "/mynaleak", "text": "help", "user_id": "U1", "channel_id": "C1"})
    cases: list[tuple[str, str, dict[str, str]]] = [
        # unsigned, with a timestamp that is not a number
        (
            "/slack/events",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
        ),  # fmt: skip
    ]
    for payload in (
        {"type": "block_actions", "actions": "a string", "user": {"id": "U1"}, "trigger_id": "1.2"},
        {"type": "block_actions", "actions": [{"type": "button"}], "user": "U1"},
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"id": "V1", "callback_id": "report"}},  # a view without type
        {"type": "view_submission", "user": {"id": "U1"}, "view": "a string"},
    ):
        form = slack_body(payload, as_command=False)
        cases.append(("/slack/events", form, signed(form)))
    event = json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T1", "event": "a string"})
    cases.append(("/slack/events", event, signed(event, content_type="application/json")))
    cases.append(("/api/messages", "null", {"Content-Type": "application/json"}))
    cases.append(("/api/messages", "[1, 2]", {"Content-Type": "application/json"}))
    for path, data, headers in cases:
        async with session.post(base + path, data=data.encode(), headers=headers) as r:
            assert 400 <= r.status < 500, (path, data[:80], r.status)
    await app.runtime.drain()
    assert errors_logged(caplog) == []


async def test_a_refused_slack_request_is_logged_without_its_body(served, caplog: pytest.LogCaptureFixture) -> None:
    app, session, base, _ = served
    caplog.set_level(logging.DEBUG)
    body = urllib.parse.urlencode({"command": "/mynaleak", "text": "status 1234-5678-9018", "user_id": "U1", "channel_id": "C1"})
    for stamp in ("1", str(int(time.time())), "abc"):  # stale, bad signature, not a number
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=0"}
        async with session.post(base + "/slack/events", data=body.encode(), headers=headers) as r:
            assert r.status == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "9018" not in logged and "status" not in logged
    assert any("refused" in r.getMessage() and getattr(r, "reason", "") for r in caplog.records)


async def test_client_disconnects_are_not_errors(served, caplog: pytest.LogCaptureFixture) -> None:
    app, _, base, _ = served
    caplog.set_level(logging.DEBUG)
    host, port = base.removeprefix("http://").split(":")
    for path in ("/slack/events", "/api/messages"):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{".encode())
        await writer.drain()
        await asyncio.sleep(0.2)  # the handler is reading the body
        writer.close()
        await asyncio.sleep(0.3)
    await app.runtime.drain()
    assert errors_logged(caplog) == []
