"""Teams activity round trip: POST /api/messages ("help" in a personal chat) → the reply arriving at a
fake Bot Framework connector on loopback (port 0). p50/p99 for mynaleak (botbuilder CloudAdapter →
dedup + transaction + outbox → proactive send from the stored conversation reference) versus a bare
botbuilder echo bot (CloudAdapter, in-turn ``send_activity``) on the same aiohttp stack, same
connector, same run. Prints the ratio.

    .venv/bin/python bench/teams_roundtrip.py [--requests 200] [--concurrency 8]

Bounded: a fixed number of requests, loopback only, stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from botbuilder.core import TurnContext  # noqa: E402
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication  # noqa: E402

from bot.app import build  # noqa: E402
from bot.core.config import Settings, parse_org  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.adapters.teams import fakes  # noqa: E402
from tests.adapters.teams.conftest import ORG  # noqa: E402


class TimedConnector(fakes.FakeConnector):
    """The fake connector, noting when the first message for each conversation arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[str, asyncio.Future[float]] = {}

    async def _record(self, request: web.Request, op: str) -> Any:
        got = await super()._record(request, op)
        fut = self.waiting.pop(request.match_info.get("conv", ""), None)
        if fut is not None and not fut.done():
            fut.set_result(time.perf_counter())
        return got


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/api/messages"


async def drive(url: str, conn: TimedConnector, tag: str, n: int, concurrency: int) -> list[float]:
    """n round trips (``concurrency`` at a time), each in its own personal chat; seconds each."""
    times: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:

        async def one(i: int) -> None:
            who = fakes.person(f"{tag}-{i}")
            conv = fakes.personal(who["aadObjectId"])
            act = fakes.message(conn.url, who, "help", conv)
            async with sem:
                fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
                conn.waiting[conv["id"]] = fut
                t0 = time.perf_counter()
                async with http.post(url, json=act) as resp:
                    assert resp.status in (200, 201), resp.status
                t1 = await asyncio.wait_for(fut, 30)
                times.append(t1 - t0)

        await asyncio.gather(*(one(i) for i in range(n)))
    return times


async def install(url: str, conn: TimedConnector, tag: str, n: int) -> None:
    async with aiohttp.ClientSession() as http:
        for i in range(n):
            who = fakes.person(f"{tag}-{i}")
            async with http.post(url, json=fakes.installed(conn.url, who, fakes.personal(who["aadObjectId"]))) as resp:
                assert resp.status in (200, 201)


def echo_app() -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(type("C", (), {})()))

    class Echo:
        async def on_turn(self, ctx: TurnContext) -> None:
            if ctx.activity.type == "message":
                await ctx.send_activity(f"echo: {ctx.activity.text}")

    bot = Echo()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot) or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def stats(name: str, xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    p50 = statistics.median(xs) * 1000
    p99 = xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))] * 1000
    print(f"  {name:<28} n={len(xs):4d}  p50={p50:7.2f} ms  p99={p99:7.2f} ms")
    return p50, p99


async def run(db_url: str, label: str, n: int, concurrency: int) -> dict[int, tuple[float, float]]:
    store = Store.open(db_url)
    await upgrade(store.engine)
    await store.close()
    conn = await TimedConnector().start()
    settings = Settings.from_env({"DATABASE_URL": db_url, "MYNALEAK_TEAMS": "1"})
    app = await build(settings, config=parse_org(ORG), platforms=["teams"])
    mine, mine_url = await serve(app.web)
    echo, echo_url = await serve(echo_app())
    try:
        await install(mine_url, conn, "m", n)
        await drive(mine_url, conn, "w", min(20, n), 1)  # warm-up (both stacks)
        await drive(echo_url, conn, "w", min(20, n), 1)
        print(f"{label}: {n} requests, concurrency 1 then {concurrency}")
        results = {}
        for c in (1, concurrency):
            e = stats(f"echo bot (c={c})", await drive(echo_url, conn, f"e{c}", n, c))
            m = stats(f"mynaleak help (c={c})", await drive(mine_url, conn, "m", n, c))
            results[c] = (m[0] / e[0], m[1] / e[1])
            conn.calls.clear()
            conn.attempts.clear()
        for c, (r50, r99) in results.items():
            print(f"  ratio mynaleak/echo (c={c}): p50 ×{r50:.2f}  p99 ×{r99:.2f}")
        return results
    finally:
        await mine.cleanup()
        await echo.cleanup()
        await app.close()
        await conn.close()


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=8)
    a = p.parse_args()
    logging.basicConfig(level=logging.ERROR)
    summary: dict[str, dict[int, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        summary["SQLite"] = await run(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", a.requests, a.concurrency)
    if os.environ.get("MYNALEAK_TEST_DATABASE_URL"):
        from tests.conftest import drop_pg_schema, fresh_pg_schema

        url, schema = await fresh_pg_schema()
        try:
            summary["PostgreSQL"] = await run(url, "PostgreSQL", a.requests, a.concurrency)
        finally:
            await drop_pg_schema(schema)
    print("SUMMARY teams_roundtrip: mynaleak/echo " + "; ".join(
        f"{db} c={c} p50 {r50:.2f}x p99 {r99:.2f}x" for db, res in summary.items() for c, (r50, r99) in res.items()))  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
