"""A fake Slack: the Web API methods the bot uses plus a Socket Mode websocket, on port 0.

It records every call and answers as Slack does: ``ts`` values, DM channel ids, views with ids and
hashes, and Slack's errors (channel_not_found, user_not_found, account_inactive, expired_trigger_id,
message_not_found, invalid_auth, invalid_blocks …). Failures can be scripted per method: a status
(429 with Retry-After, a 5xx HTML page), an error code, or a delay.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN, APP_TOKEN = "xoxb-test-token", "xapp-test-token"
BOT_USER = "U0BOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    method: str
    status: int = 200
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    delay: float = 0.0
    match: Callable[[dict[str, Any]], bool] | None = None


@dataclass
class Slow:
    """A call answered normally, but only after ``delay`` seconds (a slow workspace, a slow channel)."""

    method: str
    delay: float
    times: int = 1
    match: Callable[[dict[str, Any]], bool] | None = None


def _user(uid: str, name: str, locale: str = "ja-JP", **extra: Any) -> dict[str, Any]:
    return {"id": uid, "name": name.lower(), "real_name": name, "locale": locale, "deleted": False, "is_bot": False,
            "profile": {"display_name": name, "real_name": name}, **extra}  # fmt: skip


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {
            "U0SATO": _user("U0SATO", "Sato Hanako"),
            "U0SUZUKI": _user("U0SUZUKI", "Suzuki Ichiro"),
            "U0TAKAHASHI": _user("U0TAKAHASHI", "Takahashi Ken"),
            "U0TANAKA": _user("U0TANAKA", "Tanaka Misaki", "en-US"),
            "U0REPORTER": _user("U0REPORTER", "Yamada Taro"),
            BOT_USER: _user(BOT_USER, "mynaleak", is_bot=True),
        }
        self.channels: dict[str, dict[str, Any]] = {
            "C0INCIDENTS": {"member": True, "archived": False},
            "C0GENERAL": {"member": True, "archived": False},
        }
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}  # file_id -> {"name", "length", "content"}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.homes: dict[str, dict[str, Any]] = {}  # user id -> the App Home view last published
        self.triggers: dict[str, float] = {}
        self.failures: list[Failure] = []
        self.slow: list[Slow] = []
        self.down = False  # an outage: every Web API call answers 503 (after ``down_delay`` seconds)
        self.down_delay = 0.0
        self.socket_acks: list[dict[str, Any]] = []
        self._ack_event = asyncio.Event()
        self._ws: web.WebSocketResponse | None = None
        self._ws_ready = asyncio.Event()
        self._n = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link", self._socket)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- scripting and queries ---------------------------------------------------------------------
    def trigger(self, ttl: float = 3.0) -> str:
        """A fresh trigger_id, valid for ``ttl`` seconds and one views.open (like Slack's)."""
        tid = f"{next(self._n)}.{uuid.uuid4().hex[:10]}"
        self.triggers[tid] = time.monotonic() + ttl
        return tid

    def fail(self, method: str, **kw: Any) -> Failure:
        f = Failure(method, **kw)
        self.failures.append(f)
        return f

    def called(self, method: str, **match: Any) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200 and not c.error
                and all(c.args.get(k) == v for k, v in match.items())]  # fmt: skip

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        return [m for (ch, _), m in self.messages.items() if ch == channel and m.get("thread_ts") == ts]

    # ---- the Web API ---------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for k in ("blocks", "view", "attachments"):
            if isinstance(args.get(k), str):
                args[k] = json.loads(args[k])
        call = Call(method, args, time.monotonic())
        self.calls.append(call)
        if self.down:
            call.status, call.error = 503, "outage"  # decided now: not a 200 while it takes its time
            if self.down_delay:
                await asyncio.sleep(self.down_delay)
            return web.Response(status=503, text="<html><body>Service Unavailable</body></html>", content_type="text/html")
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or str(args.get("token", ""))
        want = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        for f in self.failures:
            if f.method == method and f.times > 0 and (f.match is None or f.match(args)):
                f.times -= 1
                if f.delay:
                    await asyncio.sleep(f.delay)
                call.status, call.error = f.status, f.error or f"HTTP {f.status}"
                if f.status >= 500:
                    return web.Response(
                        status=f.status, text="<html><body>Service Unavailable</body></html>", content_type="text/html", headers=f.headers
                    )
                return web.json_response({"ok": False, "error": f.error or "ratelimited"}, status=f.status, headers=f.headers)
        for sl in self.slow:
            if sl.method == method and sl.times > 0 and (sl.match is None or sl.match(args)):
                sl.times -= 1
                await asyncio.sleep(sl.delay)
                break
        if token != want:
            return self._err(call, "invalid_auth")
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return self._err(call, "unknown_method")
        result = handler(args)
        if isinstance(result, str):
            return self._err(call, result)
        call.result = result
        return web.json_response({"ok": True, **result})

    @staticmethod
    def _err(call: Call, error: str) -> web.Response:
        call.error = error
        return web.json_response({"ok": False, "error": error})

    def _ts(self) -> str:
        n = next(self._n)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _channel_error(self, channel: str) -> str | None:
        ch = self.channels.get(channel)
        if ch is None:
            return "channel_not_found"
        if ch.get("archived"):
            return "is_archived"
        if not ch.get("member"):
            return "not_in_channel"
        return None

    @staticmethod
    def _content_error(args: dict[str, Any]) -> str | None:
        blocks = args.get("blocks")
        if not blocks and not args.get("text"):
            return "no_text"
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > 50):
            return "invalid_blocks"
        return None

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "mynaleak",
            "team_id": "T0FAKE",
            "user_id": BOT_USER,
            "bot_id": "B0BOT",
        }

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any] | str:
        channel = str(args.get("channel", ""))
        if err := self._channel_error(channel) or self._content_error(args):
            return err
        ts = self._ts()
        msg = {"ts": ts, "user": BOT_USER, "text": args.get("text", ""), "blocks": args.get("blocks") or []}
        if args.get("thread_ts"):
            if (channel, str(args["thread_ts"])) not in self.messages:
                return "thread_not_found"
            msg["thread_ts"] = str(args["thread_ts"])
        self.messages[(channel, ts)] = msg
        return {"channel": channel, "ts": ts, "message": msg}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any] | str:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return "invalid_arguments"
        fid = f"F{next(self._n):08d}"
        self.files[fid] = {"name": args["filename"], "length": int(args["length"]), "content": None}
        return {"upload_url": f"{self.url}/upload/{fid}", "file_id": fid}

    async def _upload(self, request: web.Request) -> web.Response:
        fid = request.match_info["file_id"]
        if fid not in self.files:
            return web.Response(status=404)
        form = await request.post()
        field = form.get("file")
        content = field.file.read() if hasattr(field, "file") else b""
        if len(content) != self.files[fid]["length"]:
            return web.Response(status=400, text="length mismatch")
        self.files[fid]["content"] = content
        return web.Response(text="OK - " + str(len(content)))

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any] | str:
        files = json.loads(args["files"]) if isinstance(args.get("files"), str) else args.get("files") or []
        if not files or any(f.get("id") not in self.files or self.files[f["id"]]["content"] is None for f in files):
            return "file_not_found"
        channel = str(args.get("channel_id", ""))
        if err := self._channel_error(channel):
            return err
        ts = self._ts()
        msg = {"ts": ts, "user": BOT_USER, "text": args.get("initial_comment", ""), "files": [f["id"] for f in files]}
        if args.get("thread_ts"):
            msg["thread_ts"] = str(args["thread_ts"])
        self.messages[(channel, ts)] = msg
        return {"files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any] | str:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        if key[0] not in self.channels:
            return "channel_not_found"
        if err := self._channel_error(key[0]):  # removed from the channel: its own messages cannot be edited either
            return err
        if key not in self.messages:
            return "message_not_found"
        if err := self._content_error(args):
            return err
        self.messages[key].update(text=args.get("text", ""), blocks=args.get("blocks") or [], edited=True)
        return {"channel": key[0], "ts": key[1], "text": args.get("text", "")}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any] | str:
        key = (str(args.get("channel", "")), str(args.get("message_ts", "")))
        if key[0] not in self.channels:
            return "channel_not_found"
        if key not in self.messages:
            return "message_not_found"
        return {"channel": key[0], "permalink": f"https://fake.slack.test/archives/{key[0]}/p{key[1].replace('.', '')}"}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any] | str:
        channel, user = str(args.get("channel", "")), str(args.get("user", ""))
        if err := self._channel_error(channel) or self._content_error(args):
            return err
        if user not in self.users:
            return "user_not_found"
        self.ephemerals.append({"channel": channel, "user": user, "text": args.get("text", ""), "blocks": args.get("blocks") or []})
        return {"message_ts": self._ts()}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any] | str:
        uid = str(args.get("users", "")).split(",")[0]
        user = self.users.get(uid)
        if user is None:
            return "user_not_found"
        if user.get("deleted"):
            return "account_inactive"
        if user.get("is_bot"):
            return "cannot_dm_bot"
        dm = "D" + uid[1:]
        self.channels.setdefault(dm, {"member": True, "archived": False, "im": uid})
        return {"channel": {"id": dm}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any] | str:
        user = self.users.get(str(args.get("user", "")))
        return {"user": user} if user else "user_not_found"

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any] | str:
        tid = str(args.get("trigger_id", ""))
        if tid not in self.triggers:
            return "invalid_trigger_id"
        if self.triggers[tid] < time.monotonic():
            return "expired_trigger_id"
        view = args.get("view") or {}
        if len(view.get("blocks") or []) > 100 or len(view.get("title", {}).get("text", "")) > 24:
            return "invalid_arguments"
        del self.triggers[tid]
        vid = f"V{next(self._n):08d}"
        stored = dict(view, id=vid, hash=uuid.uuid4().hex[:16], state={"values": {}})
        self.views[vid] = stored
        return {"view": stored}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any] | str:
        user, view = str(args.get("user_id", "")), args.get("view") or {}
        if user not in self.users:
            return "user_not_found"
        if view.get("type") != "home" or not 0 < len(view.get("blocks") or []) <= 100:
            return "invalid_arguments"
        vid = f"V{next(self._n):08d}"
        self.homes[user] = dict(view, id=vid)
        return {"view": self.homes[user]}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://") + "/link?ticket=" + uuid.uuid4().hex}

    # ---- Socket Mode ---------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0FAKE"}})
        self._ws_ready.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(msg.data))
                self._ack_event.set()
        return ws

    async def socket_send(self, kind: str, payload: dict[str, Any], timeout: float = 5.0) -> str:
        """Deliver an envelope over the socket; returns its envelope_id."""
        await asyncio.wait_for(self._ws_ready.wait(), timeout)
        assert self._ws is not None
        eid = uuid.uuid4().hex
        await self._ws.send_json({"envelope_id": eid, "type": kind, "payload": payload, "accepts_response_payload": kind != "events_api"})
        return eid

    async def socket_ack(self, envelope_id: str, timeout: float = 3.0) -> dict[str, Any]:
        """Wait for the client's acknowledgement of one envelope."""
        deadline = time.monotonic() + timeout
        while True:
            for ack in self.socket_acks:
                if ack.get("envelope_id") == envelope_id:
                    return ack
            self._ack_event.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no ack for envelope {envelope_id}")
            try:
                await asyncio.wait_for(self._ack_event.wait(), left)
            except TimeoutError:
                pass
