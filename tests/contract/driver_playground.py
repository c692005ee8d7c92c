"""The playground's contract driver: the real app with the real playground adapter on port 0; the
"platform side" is the page's own protocol — its JSON API for what people do, and one live event
stream per persona (what each browser would receive) for what the bot sends."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

import aiohttp
from aiohttp import web

from adapters.playground.personas import personas
from bot.app import App, build
from bot.core.config import OrgConfig, Settings
from bot.core.model import UserRef
from tests.contract.drivers import Received, Submitted


class _Flatten(HTMLParser):
    """Visible text and (action, value) of every button in a rendered message."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.buttons: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "button" and a.get("data-action") is not None:
            self.buttons.append((a.get("data-action") or "", a.get("data-value") or ""))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def flatten(html: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    p = _Flatten()
    p.feed(html)
    return " ".join(p.text), tuple(p.buttons)


class PlaygroundDriver:
    platform = "playground"

    def __init__(self, lang: str = "ja") -> None:
        self.app: App = None  # type: ignore[assignment]
        self.lang = lang
        self.base = ""
        self.runner: web.AppRunner | None = None
        self.session: aiohttp.ClientSession | None = None
        self._received: list[Received] = []
        self._seen: set[tuple[str, str, int]] = set()
        self._readers: list[asyncio.Task[None]] = []
        self._got: dict[str, int] = {}
        self._last: tuple[str, bytes, dict[str, str]] | None = None
        self._handles: dict[str, str] = {}

    # ---- lifecycle -----------------------------------------------------------------------------
    async def start(self, db_url: str, config: OrgConfig, clock: Any, env: Mapping[str, str] | None = None) -> None:
        self.db_url, self.config, self.clock = db_url, config, clock
        self.env = {"DATABASE_URL": db_url, "MYNALEAK_HOST": "127.0.0.1", **(env or {})}
        self.session = aiohttp.ClientSession()
        ps = personas(config)
        self._handles = {p.id: (p.role if p.role in ("reporter", "outsider") else p.id) for p in ps}
        await self._boot()

    async def _boot(self) -> None:
        self.app = await build(Settings.from_env(self.env), config=self.config, clock=self.clock, platforms=["playground"])
        self.runner = web.AppRunner(self.app.web, access_log=None, shutdown_timeout=2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        self.pg = self.app.adapters["playground"]
        self._got = {pid: 0 for pid in self._handles}
        self._readers = [asyncio.create_task(self._read(pid)) for pid in self._handles]
        for _ in range(500):
            if len(self.pg.hub.subscribers) == len(self._handles):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the live streams did not connect")

    async def _shutdown(self) -> None:
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        self._readers = []
        if self.runner is not None:
            await self.runner.cleanup()
        if self.app is not None:
            await self.app.close()

    async def restart(self) -> None:
        await self._shutdown()
        await self._boot()

    async def stop(self) -> None:
        await self._shutdown()
        if self.session is not None:
            await self.session.close()

    # ---- people --------------------------------------------------------------------------------
    def persona_id(self, handle: str) -> str:
        return next((pid for pid, h in self._handles.items() if h == handle), user_id(handle))

    def user(self, handle: str) -> UserRef:
        return UserRef(self.platform, self.persona_id(handle))

    def handle(self, persona_id: str) -> str:
        return self._handles.get(persona_id, persona_id)

    def mentioned(self, received: Received) -> set[str]:
        ids = re.findall(r'class="mention" data-user="playground:([^"]+)"', str(received.raw.get("html") or ""))
        return {self.handle(i) for i in ids}

    # ---- the page's side -----------------------------------------------------------------------
    async def _read(self, persona: str) -> None:
        assert self.session is not None
        params = {"persona": persona, "lang": self.lang, "token": self.pg.token}
        async with self.session.get(f"{self.base}/playground/api/stream", params=params) as resp:
            assert resp.status == 200, resp.status
            event, data = "", ""
            async for raw in resp.content:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif line == "" and event:
                    if event != "ready":
                        self._on_event(persona, event, json.loads(data))
                        self._got[persona] += 1
                    event, data = "", ""

    def _on_event(self, persona: str, event: str, m: dict[str, Any]) -> None:
        if event == "form_closed" or (event, m["key"], m["version"]) in self._seen:
            return
        self._seen.add((event, m["key"], m["version"]))
        text, buttons = flatten(m.get("html", ""))
        place: str = m["place"]
        where = self.handle(place[3:]) if place.startswith("dm:") else place
        if event == "form":
            rec = Received("form", m["key"], self.handle(persona), text, form_id=m.get("form_id"), raw=m)
        elif event == "update":
            rec = Received("update", m["key"], where, text, m.get("thread"), buttons, raw=m)
        elif m.get("private"):
            rec = Received("private", m["key"], self.handle(persona), text, m.get("thread"), buttons, raw=m)
        elif place.startswith("dm:"):
            rec = Received("dm", m["key"], where, text, None, buttons, raw=m)
        else:
            rec = Received("post", m["key"], where, text, m.get("thread"), buttons, raw=m)
        self._received.append(rec)

    async def settle(self) -> None:
        await self.app.runtime.drain()
        for _ in range(500):
            subs = list(self.pg.hub.subscribers)
            if all(s.written >= s.queued and self._got.get(s.persona, 0) >= s.written for s in subs):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the live streams did not catch up")

    def received(self) -> list[Received]:
        return list(self._received)

    # ---- inbound -------------------------------------------------------------------------------
    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"X-Mynaleak-Token": self.pg.token if token is None else token, "Content-Type": "application/json", "Origin": self.base}

    async def post(self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        """POST ``body`` (with a fresh request id unless it has one) to the playground API."""
        assert self.session is not None
        raw = json.dumps({"id": uuid.uuid4().hex, "lang": self.lang, **body}, ensure_ascii=False).encode()
        hdrs = dict(headers or self.headers())
        self._last = (path, raw, hdrs)
        return await self._send(path, raw, hdrs)

    async def _send(self, path: str, raw: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        assert self.session is not None
        async with self.session.post(f"{self.base}/playground/api/{path}", data=raw, headers=headers) as r:
            try:
                return r.status, await r.json()
            except (aiohttp.ContentTypeError, json.JSONDecodeError):
                return r.status, {"raw": await r.text()}

    async def send_command(self, handle: str, text: str) -> int:
        status, _ = await self.post("command", {"persona": self.persona_id(handle), "place": self.pg.channel, "text": f"/mynaleak {text}"})
        return status

    def _find_button(self, handle: str, action: str, value: str) -> str | None:
        for rec in reversed(self._received):
            if (action, value) not in rec.buttons:
                continue
            if rec.op in ("post", "update") or rec.to == handle:
                return rec.ref
        return None

    async def press(self, handle: str, action: str, value: str, message: str | None = None) -> int:
        ref = message or self._find_button(handle, action, value)
        status, _ = await self.post("press", {"persona": self.persona_id(handle), "message": ref, "action": action, "value": value})
        return status

    async def submit_form(self, handle: str, form_id: str, values: Mapping[str, str | tuple[str, ...]], context: str = "") -> Submitted:
        vals = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
        body: dict[str, Any] = {"persona": self.persona_id(handle), "values": vals}
        shown = [r for r in self._received if r.op == "form" and r.to == handle and r.form_id == form_id]
        if shown:
            body["form"] = shown[-1].ref
        else:
            body |= {"form_id": form_id, "context": context}
        status, data = await self.post("submit", body)
        return Submitted(status, data.get("errors") or {})

    async def bad_request(self) -> int:
        body = {"persona": self.persona_id("reporter"), "place": self.pg.channel, "text": "/mynaleak report"}
        status, _ = await self.post("command", body, headers=self.headers(token="forged-" + uuid.uuid4().hex))
        return status

    async def replay_last(self) -> int:
        assert self._last is not None, "nothing to replay"
        status, _ = await self._send(*self._last)
        return status


CHANNEL = "incidents"  # the incident channel's key


def user_id(handle: str) -> str:
    """Playground persona ids are the handles."""
    return handle


DRIVER = PlaygroundDriver
