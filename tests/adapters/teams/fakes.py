"""A fake Bot Framework connector on loopback (port 0) that records what the bot sends, and builders
for real-shaped Teams activities (as Teams posts them to /api/messages)."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from aiohttp import web
from aiohttp.test_utils import TestServer

SCHEMAS = Path(__file__).resolve().parents[4] / "shared" / "schemas"  # ../shared beside the repo
_CARD_SCHEMA = json.loads((SCHEMAS / "adaptive-card-1.5.json").read_text(encoding="utf-8"))
_CARD_VALIDATOR = jsonschema.Draft6Validator(_CARD_SCHEMA)
# Teams' documented host extension for mentions (learn.microsoft.com: "Mention support within
# Adaptive Cards"); the Adaptive Card schema itself forbids unknown root properties.
_MSTEAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "text", "mentioned"],
                "properties": {
                    "type": {"const": "mention"},
                    "text": {"type": "string", "pattern": "^<at>.+</at>$"},
                    "mentioned": {"type": "object", "required": ["id", "name"]},
                },
            },
        }
    },
}


def validate_card(card: dict[str, Any]) -> None:
    """Raise if ``card`` is not a valid Adaptive Card 1.5 (plus Teams' ``msteams`` mention block)."""
    assert card.get("version") == "1.5", card.get("version")
    core = {k: v for k, v in card.items() if k != "msteams"}
    _CARD_VALIDATOR.validate(core)
    if "msteams" in card:
        jsonschema.Draft7Validator(_MSTEAMS).validate(card["msteams"])
        for e in card["msteams"]["entities"]:
            assert e["text"] in json.dumps(core, ensure_ascii=False), e


@dataclass
class Call:
    method: str
    op: str  # send | reply | update | create
    conversation: str
    activity_id: str | None
    body: dict[str, Any]
    auth: str | None
    result_id: str = ""  # the id the connector gave the new message

    @property
    def card(self) -> dict[str, Any] | None:
        atts = self.body.get("attachments") or []
        return atts[0]["content"] if atts else None

    def text(self) -> str:
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    fail: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)  # (op, status, headers) to answer next
    gone: set[str] = field(default_factory=set)  # conversation ids / member ids that answer 403
    server: TestServer | None = None
    attempts: list[str] = field(default_factory=list)  # every request's op, answered or failed
    expect_auth: str | None = None  # when set, any other Authorization header gets 401
    _ids: Any = field(default_factory=lambda: itertools.count(1000))

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/") + "/"

    async def start(self) -> FakeConnector:
        w = web.Application()
        w.router.add_post("/v3/conversations", self._create)
        w.router.add_post("/v3/conversations/{conv}/activities", self._send)
        w.router.add_post("/v3/conversations/{conv}/activities/{aid}", self._reply)
        w.router.add_put("/v3/conversations/{conv}/activities/{aid}", self._update)
        self.server = TestServer(w, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    down: bool = False  # an outage: every call answers 503 (after ``down_delay`` seconds)
    down_delay: float = 0.0

    def _scripted(self, op: str) -> web.Response | None:
        if self.down:
            return web.json_response({"error": {"code": "ServiceUnavailable", "message": "outage"}}, status=503)
        for n, (which, status, headers) in enumerate(self.fail):
            if which in (op, "*"):
                del self.fail[n]
                return web.json_response({"error": {"code": "Scripted", "message": "scripted"}}, status=status, headers=headers)
        return None

    async def _record(self, request: web.Request, op: str) -> tuple[Call, web.Response | None]:
        body = await request.json()
        conv = request.match_info.get("conv", "")
        call = Call(request.method, op, conv, request.match_info.get("aid"), body, request.headers.get("Authorization"))
        self.attempts.append(op)
        if self.down and self.down_delay:
            await asyncio.sleep(self.down_delay)
        scripted = self._scripted(op)
        if scripted is None and self.expect_auth is not None and call.auth != self.expect_auth:
            scripted = web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        if scripted is None and conv and conv in self.gone:
            scripted = web.json_response({"error": {"code": "ConversationBlockedByUser"}}, status=403)
        if scripted is None:
            self.calls.append(call)
        return call, scripted

    async def _create(self, request: web.Request) -> web.Response:
        call, scripted = await self._record(request, "create")
        members = [m.get("id") for m in call.body.get("members") or []]
        if scripted is None and any(m in self.gone for m in members):
            self.calls.pop()
            scripted = web.json_response({"error": {"code": "BotNotInConversationRoster"}}, status=403)
        return scripted or web.json_response({"id": f"a:dm-{members[0] if members else next(self._ids)}"}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        call, scripted = await self._record(request, "send")
        call.result_id = str(next(self._ids))
        return scripted or web.json_response({"id": call.result_id}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        call, scripted = await self._record(request, "reply")
        call.result_id = str(next(self._ids))
        return scripted or web.json_response({"id": call.result_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        call, scripted = await self._record(request, "update")
        return scripted or web.json_response({"id": call.activity_id}, status=200)

    # ---- what tests ask -------------------------------------------------------------------------
    def to(self, conversation: str, op: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.conversation == conversation and (op is None or c.op == op)]

    def by_id(self, activity_id: str) -> list[Call]:
        return [c for c in self.calls if c.op == "update" and c.activity_id == activity_id]


# ---- activities as Teams sends them ---------------------------------------------------------------
BOT = {"id": "28:00000000-0000-0000-0000-00000000b07", "name": "mynaleak"}
TENANT = "72f988bf-0000-0000-0000-000000000001"
CHANNEL = "19:incidents@thread.tacv2"
TEAM = "19:team-general@thread.tacv2"
_seq = itertools.count(1)


def person(key: str, name: str | None = None) -> dict[str, str]:
    """A Teams user whose Entra object id is ``key``."""
    return {"id": f"29:1{key}", "name": name or key.title(), "aadObjectId": key}


def _base(service_url: str, who: dict[str, str], conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
    n = next(_seq)
    act = {
        "type": "message",
        "id": f"1700000000{n:06d}",
        "timestamp": "2026-11-26T01:00:00.000Z",
        "localTimestamp": "2026-11-26T10:00:00.000+09:00",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": who,
        "recipient": BOT,
        "conversation": {"tenantId": TENANT, **conversation},
        "locale": "ja-JP",
        "entities": [{"type": "clientInfo", "locale": "ja-JP", "country": "JP", "platform": "Web", "timezone": "Asia/Tokyo"}],
        "channelData": {"tenant": {"id": TENANT}},
    }
    act.update(extra)
    return act


def personal(key: str) -> dict[str, Any]:
    return {"conversationType": "personal", "id": f"a:personal-{key}"}


def in_channel(thread: str | None = None, channel: str = CHANNEL) -> dict[str, Any]:
    cid = channel + (f";messageid={thread}" if thread else "")
    return {"conversationType": "channel", "isGroup": True, "id": cid}


def message(service_url: str, who: dict[str, str], text: str, conversation: dict[str, Any], mention: bool = False) -> dict[str, Any]:
    extra: dict[str, Any] = {"text": text, "textFormat": "plain"}
    if mention:
        extra["text"] = f"<at>mynaleak</at> {text}"
        extra["entities"] = [{"type": "mention", "text": "<at>mynaleak</at>", "mentioned": BOT}]
    act = _base(service_url, who, conversation, **extra)
    if conversation.get("conversationType") == "channel":
        act["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "channel": {"id": conversation["id"].split(";")[0]}}
    return act


def submit(
    service_url: str, who: dict[str, str], value: dict[str, Any], conversation: dict[str, Any], reply_to: str | None
) -> dict[str, Any]:
    act = _base(service_url, who, conversation, value=value)
    if reply_to:
        act["replyToId"] = reply_to
    return act


def installed(service_url: str, who: dict[str, str], conversation: dict[str, Any]) -> dict[str, Any]:
    act = _base(service_url, who, conversation, type="installationUpdate", action="add")
    if conversation.get("conversationType") == "channel":
        act["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "channel": {"id": conversation["id"]}}
    return act


def added_to_team(service_url: str, who: dict[str, str], conversation: dict[str, Any]) -> dict[str, Any]:
    act = _base(service_url, who, conversation, type="conversationUpdate", membersAdded=[BOT])
    act["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "eventType": "teamMemberAdded"}
    return act
