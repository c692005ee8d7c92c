"""A fake paging service — PagerDuty's Events API v2 at ``/v2/enqueue`` and webhook receivers at
``/hook/<name>`` — a real aiohttp server on loopback, port 0, in the test's own event loop. It keeps every
request it accepted (headers and JSON body), answers 202 like PagerDuty (400 for the routing keys or hook
names in ``refuse``; 500 for the next ``fail`` requests), checks that a PagerDuty event has the documented
required fields (400 otherwise), and can be stopped and started again on the same port (an outage)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ACTIONS = ("trigger", "acknowledge", "resolve")
PD_SEVERITIES = ("critical", "error", "warning", "info")


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any]


def pd_problems(event: dict[str, Any]) -> list[str]:
    """What the Events API v2 would refuse in ``event`` (its documented required fields)."""
    problems = [f"missing {k}" for k in ("routing_key", "event_action") if not event.get(k)]
    if event.get("event_action") not in ACTIONS:
        problems.append("bad event_action")
    if event.get("event_action") in ("acknowledge", "resolve") and not event.get("dedup_key"):
        problems.append("dedup_key is required to acknowledge or resolve")
    if event.get("event_action") == "trigger":
        payload = event.get("payload") or {}
        problems += [f"missing payload.{k}" for k in ("summary", "source", "severity") if not payload.get(k)]
        if payload.get("severity") not in PD_SEVERITIES:
            problems.append("bad payload.severity")
        if len(str(payload.get("summary", ""))) > 1024:
            problems.append("payload.summary too long")
    return problems


@dataclass
class FakePaging:
    port: int = 0
    refuse: set[str] = field(default_factory=set)
    fail: int = 0
    requests: list[Request] = field(default_factory=list)
    rejected: list[Request] = field(default_factory=list)  # answered 4xx/5xx
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _pd(self, request: web.Request) -> web.Response:
        got = await self._read(request)
        event = got.body
        if self.fail > 0:
            self.fail -= 1
            self.rejected.append(got)
            return web.json_response({"status": "error", "message": "internal"}, status=500)
        problems = pd_problems(event)
        if problems or event.get("routing_key") in self.refuse:
            self.rejected.append(got)
            return web.json_response(
                {"status": "invalid event", "message": "Event object is invalid", "errors": problems or ["bad key"]}, status=400
            )
        self.requests.append(got)
        return web.json_response({"status": "success", "message": "Event processed", "dedup_key": event.get("dedup_key")}, status=202)

    async def _hook(self, request: web.Request) -> web.Response:
        got = await self._read(request)
        if self.fail > 0:
            self.fail -= 1
            self.rejected.append(got)
            return web.Response(status=503)
        if request.match_info["name"] in self.refuse:
            self.rejected.append(got)
            return web.Response(status=410)
        self.requests.append(got)
        return web.Response(status=204)

    @staticmethod
    async def _read(request: web.Request) -> Request:
        raw = await request.read()
        return Request(request.path, dict(request.headers), raw, json.loads(raw))

    async def start(self) -> FakePaging:
        app = web.Application()
        app.router.add_post("/v2/enqueue", self._pd)
        app.router.add_post("/hook/{name}", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def pd_events(self, routing_key: str, action: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path == "/v2/enqueue" and r.body["routing_key"] == routing_key
                and (action is None or r.body["event_action"] == action)]  # fmt: skip

    def hooks(self, name: str, event: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.path == f"/hook/{name}" and (event is None or r.body.get("event") == event)]


class FakeServiceDriver:
    """What the PagerDuty and webhook contract drivers share: one fake on loopback, started and stopped
    with the test, and stopped / started again to stand for an outage."""

    def __init__(self) -> None:
        self.fake = FakePaging()

    async def start(self) -> None:
        await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    async def outage(self) -> None:
        await self.fake.stop()

    async def recover(self) -> None:
        await self.fake.start()
