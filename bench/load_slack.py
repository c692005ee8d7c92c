"""Load through the Slack HTTP path on PostgreSQL: 1,000 reports (slash command + modal submission)
and 10,000 button presses (checklist ticks and un-ticks) over loopback, signed like Slack's.

Processes: the fake Slack Web API, our server (the whole app on PostgreSQL: Bolt at /slack/events,
store, outbox, ticker), a bare slack-bolt app acking a no-op (the baseline, same aiohttp stack), and
this load generator. Reported: ack latency p50/p99/max, non-2xx answers (must be 0), the time until
the outbox drained, and our server's peak RSS (VmHWM); ratios against the bare app in the same run.

    MYNALEAK_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/load_slack.py [--reports 1000] [--presses 10000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.slack_ack import SECRET, _spawn, pct  # noqa: E402

ITEMS = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4", "3.5", "4.1", "4.2", "5.1", "5.2", "6.1"]


async def serve_ours_pg(api_url: str, db_url: str) -> None:
    from bench.slack_ack import _serve
    from bot.app import build
    from bot.core.config import SAMPLE_CONFIG, Settings, load_org

    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url, "DATABASE_URL": db_url}
    app = await build(Settings.from_env(env), config=load_org(SAMPLE_CONFIG), platforms=["slack"])
    app.ticker.start(1.0)
    await _serve(app.web)
    await asyncio.Event().wait()


def signed(body: str, content_type: str) -> tuple[bytes, dict[str, str]]:
    ts = str(int(time.time()))
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    return body.encode(), {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def command(i: int) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"token": "x", "team_id": "T0FAKE", "channel_id": "C0GENERAL", "user_id": "U0REPORTER", "user_name": "yamada",
                      "command": "/mynaleak", "text": "report", "api_app_id": "A0FAKE", "trigger_id": f"{i}.{uuid.uuid4().hex}",
                      "response_url": "https://hooks.slack.invalid/x"})  # fmt: skip
    return signed(body, "application/x-www-form-urlencoded")


def submission(i: int, user: str = "U0REPORTER") -> tuple[bytes, dict[str, str]]:
    """A signed report form submission (view_submission) by ``user``, the i-th of a run."""

    def plain(v: str) -> dict:
        return {"type": "plain_text_input", "value": v}

    def pick(v: str) -> dict:
        return {"type": "static_select", "selected_option": {"value": v}}

    values = {"b1": {"summary": plain(f"負荷試験 {i}: USBメモリを紛失")}, "b2": {"discovered_at": {"type": "datetimepicker", "selected_date_time": int(time.time()) - 60}},
              "b3": {"medium": pick("removable")}, "b4": {"people": plain(str(1 + i % 150))},
              "b5": {"data_items": {"type": "multi_static_select", "selected_options": [{"value": "mynumber"}, {"value": "name"}]}},
              "b6": {"whose": pick("employees")}, "b7": {"encrypted": pick("no")}, "b8": {"exposed_online": pick("no")},
              "b9": {"wrongful_purpose": pick("unknown")}, "b10": {"outsourcee": pick("no")}}  # fmt: skip
    payload = {"type": "view_submission", "team": {"id": "T0FAKE"}, "user": {"id": user, "name": user.lower()}, "api_app_id": "A0FAKE",
               "trigger_id": f"{i}.{uuid.uuid4().hex}",
               "view": {"id": f"V{uuid.uuid4().hex[:10]}", "hash": uuid.uuid4().hex, "callback_id": "report", "type": "modal",
                        "private_metadata": json.dumps({"f": "report", "c": "", "p": "C0GENERAL"}), "state": {"values": values}}}  # fmt: skip
    return signed(urlencode({"payload": json.dumps(payload, ensure_ascii=False)}), "application/x-www-form-urlencoded")


def press(incident: str, item: str, action: str, user: str) -> tuple[bytes, dict[str, str]]:
    payload = {"type": "block_actions", "team": {"id": "T0FAKE"}, "user": {"id": user, "name": user.lower()}, "api_app_id": "A0FAKE",
               "trigger_id": f"{uuid.uuid4().hex}", "channel": {"id": "C0INCIDENTS"},
               "container": {"type": "message", "message_ts": "1.000001", "channel_id": "C0INCIDENTS", "is_ephemeral": False},
               "actions": [{"type": "button", "action_id": f"item:{action}~1", "value": f"{incident}|{item}", "action_ts": str(time.time())}]}  # fmt: skip
    return signed(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def refused(body: bytes) -> bool:
    """A 200 that is a refusal all the same: a form shown back with errors (e.g. "could not record —
    the form stays open"), which the person has to send again."""
    try:
        answer = json.loads(body) if body.strip().startswith(b"{") else {}
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("response_action") == "errors"


async def fire(s: aiohttp.ClientSession, url: str, requests, conc: int) -> tuple[list[float], int, float]:  # noqa: ANN001
    lat: list[float] = []
    bad = 0
    it = iter(requests)

    async def worker() -> None:
        nonlocal bad
        for make in it:
            body, headers = make()
            t0 = time.perf_counter()
            async with s.post(url, data=body, headers=headers) as r:
                got = await r.read()
                lat.append(time.perf_counter() - t0)
                bad += not 200 <= r.status < 300 or refused(got)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conc)))
    return lat, bad, time.perf_counter() - t0


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def outbox_drained(db_url: str, timeout: float = 600) -> float:
    from sqlalchemy import func, select

    from storage.store import OUT, Store

    store = Store.open(db_url)
    t0 = time.perf_counter()
    try:
        while time.perf_counter() - t0 < timeout:
            async with store.tx() as tx:
                left = (
                    await tx.conn.execute(select(func.count()).select_from(OUT).where(OUT.c.status.in_(("pending", "sending"))))
                ).scalar()
            if not left:
                return time.perf_counter() - t0
            await asyncio.sleep(0.5)
        return float("nan")
    finally:
        await store.close()


def line(name: str, lat: list[float], bad: int, wall: float) -> str:
    return (f"{name:<22}{len(lat):>7}{pct(lat, 50) * 1e3:9.1f}{pct(lat, 99) * 1e3:9.1f}{max(lat) * 1e3:9.1f}"
            f"{len(lat) / wall:9.0f}{bad:>8}")  # fmt: skip


async def main(reports: int, presses: int, conc: int) -> None:
    from storage.migrate import upgrade
    from storage.store import Store
    from tests.conftest import drop_pg_schema, fresh_pg_schema

    db_url, schema = await fresh_pg_schema()
    store = Store.open(db_url)
    await upgrade(store.engine)
    await store.close()
    procs = []
    try:
        fake_proc, fake = _spawn("--serve", "fake")
        procs.append(fake_proc)
        api = str(fake["url"]) + "/api/"
        ours_proc, ours = _spawn("--serve", "ours", "--api", api, "--db", db_url, script=__file__)
        bare_proc, bare = _spawn("--serve", "bare", "--api", api)
        procs += [ours_proc, bare_proc]
        url = f"http://127.0.0.1:{ours['port']}/slack/events"
        bare_url = f"http://127.0.0.1:{bare['port']}/slack/events"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as s:
            await fire(s, url, [lambda i=i: command(10**6 + i) for i in range(20)], conc)  # warm-up
            print(f"Slack HTTP path on PostgreSQL, concurrency {conc}")
            print(f"{'requests':<22}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'req/s':>9}{'non-2xx':>8}")
            lat_c, bad_c, wall_c = await fire(s, url, [lambda i=i: command(i) for i in range(reports)], conc)
            print(line("slash commands", lat_c, bad_c, wall_c))
            lat_s, bad_s, wall_s = await fire(s, url, [lambda i=i: submission(i) for i in range(reports)], conc)
            print(line("report submissions", lat_s, bad_s, wall_s))
            drained = await outbox_drained(db_url)
            print(f"  outbox drained {drained:.1f} s after the last submission")
            year = time.strftime("%Y")
            incidents = [f"ML-{year}-{n:04d}" for n in range(1, reports + 1)]
            rnd = random.Random(7)
            state: dict[tuple[str, str], bool] = {}
            jobs = []
            for _ in range(presses):
                key = (rnd.choice(incidents), rnd.choice(ITEMS))
                done = state.get(key, False)
                state[key] = not done
                jobs.append(lambda k=key, d=done: press(k[0], k[1], "reopen" if d else "done", rnd.choice(["U0SATO", "U0TANAKA"])))
            lat_p, bad_p, wall_p = await fire(s, url, jobs, conc)
            print(line("button presses", lat_p, bad_p, wall_p))
            drained = await outbox_drained(db_url)
            print(f"  outbox drained {drained:.1f} s after the last press")
            base, bad_b, wall_b = await fire(s, bare_url, [lambda i=i: command(i) for i in range(reports)], conc)
            print(line("baseline: bare Bolt", base, bad_b, wall_b))
            every = lat_c + lat_s + lat_p
            print(f"all {len(every)} requests: p50 {pct(every, 50) * 1e3:.1f} ms, p99 {pct(every, 99) * 1e3:.1f} ms, max {max(every) * 1e3:.0f} ms, "
                  f"over 3 s: {sum(1 for x in every if x > 3)}, errors: {bad_c + bad_s + bad_p}")  # fmt: skip
            print(f"ratio to the bare Bolt app: p50 {pct(every, 50) / pct(base, 50):.2f}x, p99 {pct(every, 99) / pct(base, 99):.2f}x")
            print(f"our server's peak RSS: {rss_peak_mb(ours_proc.pid):.0f} MB (bare Bolt app: {rss_peak_mb(bare_proc.pid):.0f} MB)")
            print(f"SUMMARY load_slack: {len(every)} requests, p50 {pct(every, 50) * 1e3:.1f} ms ({pct(every, 50) / pct(base, 50):.2f}x bare Bolt), "
                  f"p99 {pct(every, 99) * 1e3:.1f} ms ({pct(every, 99) / pct(base, 99):.2f}x), errors {bad_c + bad_s + bad_p}")  # fmt: skip
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
        await drop_pg_schema(schema)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", choices=["ours"])
    ap.add_argument("--api", default="")
    ap.add_argument("--db", default="")
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--presses", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=20)
    a = ap.parse_args()
    if a.serve == "ours":
        asyncio.run(serve_ours_pg(a.api, a.db))
    else:
        asyncio.run(main(a.reports, a.presses, a.concurrency))
