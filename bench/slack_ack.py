"""Slash command ack latency and throughput: our server vs a bare slack-bolt app, same run.

Three processes besides this one (the load generator): the fake Slack Web API, our server (the whole
app: Bolt behind /slack/events, SQLite store, outbox delivery to the fake), and a bare slack-bolt
AsyncApp with a no-op acking handler mounted the same way on aiohttp. Both get the same signed
``/mynaleak help`` requests at the same concurrency, in alternating rounds. Reported: ack latency
p50/p99, acks per second, the ratios ours/bare, and for our server the time until every reply the
commands caused reached the fake Slack (end-to-end, the outbox included).

    .venv/bin/python bench/slack_ack.py [--requests 1000] [--concurrency 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-signing-secret"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def _serve(app: web.Application) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(json.dumps({"port": runner.addresses[0][1]}), flush=True)
    return runner


async def publish_fake(api_url: str, name: str, handler: Any) -> None:
    """Serve ``handler`` (what the fake Slack received) at ``/<name>`` on a free port, print the fake's
    and that URL as one JSON line for the load generator, and run until killed."""
    w = web.Application()
    w.router.add_get(f"/{name}", handler)
    runner = web.AppRunner(w, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(json.dumps({"url": api_url, name: f"http://127.0.0.1:{runner.addresses[0][1]}/{name}"}), flush=True)
    await asyncio.Event().wait()


# ---- the three servers (each in its own process) ---------------------------------------------------
async def serve_fake() -> None:
    from tests.adapters.slack.fake_slack import FakeSlack

    fake = FakeSlack()
    fake.triggers = _Always()  # every trigger is valid: the load generator makes them up
    await fake.start()

    async def stats(_: web.Request) -> web.Response:
        return web.json_response({"ephemerals": len(fake.ephemerals), "calls": len(fake.calls)})

    await publish_fake(fake.url, "stats", stats)


class _Always(dict):
    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> float:
        return time.monotonic() + 3

    def __delitem__(self, key: str) -> None:
        pass


async def serve_ours(api_url: str) -> None:
    from bot.app import build
    from bot.core.config import SAMPLE_CONFIG, Settings, load_org
    from storage.migrate import upgrade
    from storage.store import Store

    tmp = tempfile.mkdtemp(prefix="mynaleak-bench-")
    url = f"sqlite+aiosqlite:///{tmp}/bench.db"
    store = Store.open(url)
    await upgrade(store.engine)
    await store.close()
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url, "DATABASE_URL": url}
    app = await build(Settings.from_env(env), config=load_org(SAMPLE_CONFIG), platforms=["slack"])
    await _serve(app.web)
    await asyncio.Event().wait()


async def serve_bare(api_url: str) -> None:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    session = aiohttp.ClientSession()
    client = AsyncWebClient(token="xoxb-test-token", base_url=api_url, session=session, retry_handlers=[])
    bolt = AsyncApp(client=client, signing_secret=SECRET, process_before_response=False)

    @bolt.command("/mynaleak")
    async def noop(ack):  # noqa: ANN001, ANN202
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    w = web.Application()
    w.router.add_post("/slack/events", events)
    await _serve(w)
    await asyncio.Event().wait()


# ---- the load generator -----------------------------------------------------------------------------
def _spawn(*args: str, script: str = __file__) -> tuple[subprocess.Popen[str], dict[str, object]]:
    """Start ``script`` with ``args`` (a server) and read the JSON line it prints when ready."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    proc = subprocess.Popen([sys.executable, script, *args], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"server {args[0]} did not start")
    return proc, json.loads(line)


def _request(n: int) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"token": "x", "team_id": "T0FAKE", "channel_id": "C0GENERAL", "user_id": "U0REPORTER", "user_name": "yamada",
                      "command": "/mynaleak", "text": "help", "api_app_id": "A0FAKE", "response_url": "https://hooks.slack.invalid/x",
                      "trigger_id": f"{n}.{uuid.uuid4().hex}"})  # fmt: skip
    ts = str(int(time.time()))
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


async def load(s: aiohttp.ClientSession, url: str, n: int, conc: int) -> tuple[list[float], float, int]:
    """``n`` signed commands at concurrency ``conc``: latencies (s), wall time (s), failures."""
    lat: list[float] = []
    bad = 0
    queue = iter(range(n))
    if True:

        async def worker() -> None:
            nonlocal bad
            for i in queue:
                body, headers = _request(i)
                t0 = time.perf_counter()
                async with s.post(url, data=body, headers=headers) as r:
                    await r.read()
                    lat.append(time.perf_counter() - t0)
                    bad += r.status != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conc)))
        return lat, time.perf_counter() - t0, bad


async def wait_replies(stats_url: str, want: int, started: float, timeout: float = 120) -> float | None:
    async with aiohttp.ClientSession() as s:
        while time.perf_counter() - started < timeout:
            async with s.get(stats_url) as r:
                if (await r.json())["ephemerals"] >= want:
                    return time.perf_counter() - started
            await asyncio.sleep(0.05)
    return None


async def main(n: int, conc: int, rounds: int) -> None:
    procs = []
    try:
        fake_proc, fake = _spawn("--serve", "fake")
        procs.append(fake_proc)
        api = str(fake["url"]) + "/api/"
        ours_proc, ours = _spawn("--serve", "ours", "--api", api)
        bare_proc, bare = _spawn("--serve", "bare", "--api", api)
        procs += [ours_proc, bare_proc]
        targets = {"ours": f"http://127.0.0.1:{ours['port']}/slack/events", "bare": f"http://127.0.0.1:{bare['port']}/slack/events"}
        sessions = {k: aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) for k in targets}  # kept-alive, like Slack's
        for name, url in targets.items():  # warm-up (auth.test, connections, caches)
            await load(sessions[name], url, 100, conc)
        replies = 100
        await wait_replies(str(fake["stats"]), replies, time.perf_counter())
        res: dict[str, dict[str, list[float]]] = {k: {"lat": [], "rps": [], "bad": [], "p99": []} for k in targets}
        e2e: list[float] = []
        for _ in range(rounds):
            for name, url in targets.items():
                lat, wall, bad = await load(sessions[name], url, n, conc)
                res[name]["lat"] += lat
                res[name]["p99"].append(pct(lat, 99))
                res[name]["rps"].append(n / wall)
                res[name]["bad"].append(bad)
                if name == "ours":
                    replies += n
                    started = time.perf_counter() - wall
                    done = await wait_replies(str(fake["stats"]), replies, started)
                    e2e.append(n / done if done else 0.0)
                await asyncio.sleep(1.0)  # let the machine go quiet (the outbox settles its last rows)
        print(f"slash command acks: {n} requests x {rounds} rounds per server, concurrency {conc}, command '/mynaleak help'")
        print(f"{'server':<8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'acks/s':>9}{'non-200':>9}")
        for name, r in res.items():
            lat = r["lat"]
            print(
                f"{name:<8}{pct(lat, 50) * 1e3:9.1f}{pct(lat, 99) * 1e3:9.1f}{max(lat) * 1e3:9.1f}{sum(r['rps']) / rounds:9.0f}{sum(r['bad']):9d}"
            )
        for name, r in res.items():
            print(f"{name} p99 per round (ms): " + ", ".join(f"{x * 1e3:.0f}" for x in r["p99"]))
        o, b = res["ours"], res["bare"]
        print(f"ratio ours/bare: p50 {pct(o['lat'], 50) / pct(b['lat'], 50):.2f}x, p99 {pct(o['lat'], 99) / pct(b['lat'], 99):.2f}x, "
              f"throughput {sum(o['rps']) / sum(b['rps']):.2f}x")  # fmt: skip
        print(f"ours end to end (every ephemeral reply at the fake Slack): {sum(e2e) / len(e2e):.0f} commands/s")
        print(f"SUMMARY slack_ack: ours/bare p50 {pct(o['lat'], 50) / pct(b['lat'], 50):.2f}x, p99 {pct(o['lat'], 99) / pct(b['lat'], 99):.2f}x, "
              f"throughput {sum(o['rps']) / sum(b['rps']):.2f}x, non-200 {sum(o['bad'])}")  # fmt: skip
        for sess in sessions.values():
            await sess.close()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", choices=["fake", "ours", "bare"])
    ap.add_argument("--api", default="")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if a.serve == "fake":
        asyncio.run(serve_fake())
    elif a.serve == "ours":
        asyncio.run(serve_ours(a.api))
    elif a.serve == "bare":
        asyncio.run(serve_bare(a.api))
    else:
        asyncio.run(main(a.requests, a.concurrency, a.rounds))
