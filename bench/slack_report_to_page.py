"""Report → first page through Slack's real path, against `/mynaleak help` measured the same way in
the same run, on SQLite and (with MYNALEAK_TEST_DATABASE_URL) PostgreSQL.

Processes: the fake Slack Web API (it notes when each call arrives), the bot (`mynaleak run`, the real
command, one worker) and this load generator. In: signed requests at /slack/events — N `/mynaleak
help` commands, then N report submissions (view_submission), each at concurrency C, each from a
person of their own (as in a real burst: many departments report; every request's user is looked up
once). Out, at the fake Web API: the help reply (chat.postEphemeral to that person) and the report's
page (chat.postMessage to the step-1 person's DM, found by the incident id the reporter's
confirmation names). Latency = the call's arrival at the fake − the request's send time (both on
the machine's monotonic clock). Flood control is off (`coalesce.after_pages: 0`): a page per report.
Target (issue 15 item 1): report→page p99 < 150 ms and ≤ 2× help's p99.

    [MYNALEAK_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test] \\
        .venv/bin/python bench/slack_report_to_page.py [--reports 200] [--concurrency 20] [--rounds 1]

Bounded: a fixed number of requests over loopback; every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load_slack import fire, signed, submission  # noqa: E402
from bench.slack_ack import _Always, _spawn, pct, publish_fake  # noqa: E402
from bench.workers import start_bot  # noqa: E402
from tests.support.procs import cpu_seconds  # noqa: E402

PAGED = "D0SATO"  # the step-1 person's DM at the fake Slack
PEOPLE = 5000  # reporters and help askers the fake knows (U0R0000…, U0H0000…)
INCIDENT = re.compile(r"ML-(?:DRILL-)?\d{4}-\d{4,}")


async def serve_fake() -> None:
    """The fake Slack Web API, plus /calls: every message call with the time it arrived."""
    from tests.adapters.slack.fake_slack import FakeSlack, _user

    fake = FakeSlack()
    fake.triggers = _Always()  # every trigger is valid: the load generator makes them up
    for i in range(PEOPLE):
        for kind in "RH":
            uid = f"U0{kind}{i:04d}"
            fake.users[uid] = _user(uid, f"{kind} {i}")
    await fake.start()

    async def calls(_: web.Request) -> web.Response:
        out = []
        for c in list(fake.calls):
            if c.method in ("chat.postMessage", "chat.postEphemeral") and c.status == 200 and not c.error:
                found = INCIDENT.search(json.dumps(c.args, ensure_ascii=False))
                out.append([c.method, str(c.args.get("channel", "")), str(c.args.get("user", "")), c.at, found.group(0) if found else ""])
            else:  # the rest (look-ups, card updates …): counted, when they came during the burst
                out.append([c.method, "", "", c.at, ""])
        return web.json_response(out)

    await publish_fake(fake.api_url, "calls", calls)


def org_file(tmp: Path) -> Path:
    from bot.core.config import SAMPLE_CONFIG

    org = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    org["escalation"]["coalesce"] = {"after_pages": 0}  # a page per report
    path = tmp / "org.yml"
    path.write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")
    return path


def help_request(uid: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"token": "x", "team_id": "T0FAKE", "channel_id": "C0GENERAL", "user_id": uid, "user_name": uid.lower(),
                      "command": "/mynaleak", "text": "help", "api_app_id": "A0FAKE", "trigger_id": f"{uuid.uuid4().hex}",
                      "response_url": "https://hooks.slack.invalid/x"})  # fmt: skip
    return signed(body, "application/x-www-form-urlencoded")


class Timed:
    """Send times per person (monotonic clock, like the fake's)."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}

    def make(self, uid: str, build):  # noqa: ANN001, ANN201
        def go() -> tuple[bytes, dict[str, str]]:
            body = build()
            self.sent[uid] = time.monotonic()  # just before the request leaves (fire() posts it next)
            return body

        return go


async def calls(s: aiohttp.ClientSession, url: str) -> list[list]:
    async with s.get(url) as r:
        return await r.json()


def help_latencies(got: list[list], sent: dict[str, float]) -> list[float]:
    first: dict[str, float] = {}
    for method, _channel, user, at, _ in got:
        if method == "chat.postEphemeral" and user in sent:
            first.setdefault(user, at)
    return [first[u] - t0 for u, t0 in sent.items() if u in first]


def page_times(got: list[list], sent: dict[str, float]) -> dict[str, float]:
    """Reporter → when their report's page arrived. The reporter's confirmation names the incident;
    its page is the first post to the paged DM naming it."""
    incident_of: dict[str, str] = {}
    paged: dict[str, float] = {}
    for method, channel, user, at, found in got:
        if not found:
            continue
        who = user or ("U" + channel[1:] if channel.startswith("D") else "")
        if who in sent:
            incident_of.setdefault(who, found)
        if method == "chat.postMessage" and channel == PAGED:
            paged.setdefault(found, at)
    return {u: paged[incident_of[u]] for u in sent if u in incident_of and incident_of[u] in paged}


def page_latencies(got: list[list], sent: dict[str, float]) -> list[float]:
    return [at - sent[u] for u, at in page_times(got, sent).items()]


async def quiet_for(s: aiohttp.ClientSession, url: str, seconds: float = 1.0, timeout: float = 300) -> None:
    """Until the fake has had no call for ``seconds``: the rounds before are delivered (channel posts
    trickle during a burst and flow after it), so each phase starts from an idle bot."""
    t0, last, since = time.monotonic(), -1, time.monotonic()
    while time.monotonic() - t0 < timeout:
        n = len(await calls(s, url))
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
        await asyncio.sleep(0.1)


async def until(s: aiohttp.ClientSession, url: str, done, timeout: float = 300) -> list[list]:  # noqa: ANN001
    t0 = time.monotonic()
    while True:
        got = await calls(s, url)
        if done(got) or time.monotonic() - t0 > timeout:
            return got
        await asyncio.sleep(0.2)


async def one_db(name: str, db_url: str, n: int, conc: int, rounds: int, workers: int) -> tuple[list[float], list[float], int, float]:
    from storage.migrate import upgrade
    from storage.store import Store

    store = Store.open(db_url)
    await upgrade(store.engine)
    await store.close()
    tmp = Path(tempfile.mkdtemp(prefix="mynaleak-bench-"))
    fake_proc, fake = _spawn("--serve", "fake", script=__file__)
    bot, url = start_bot(db_url, str(fake["url"]), org_file(tmp), workers)
    calls_url = str(fake["calls"])
    spy = None

    def profile() -> subprocess.Popen | None:
        """With BENCH_PYSPY (a py-spy binary): the bot's stacks during the last round's burst of reports
        (until its last page), collapsed, into /tmp/slack_report_to_page-<db>.txt."""
        if not os.environ.get("BENCH_PYSPY"):
            return None
        return subprocess.Popen([os.environ["BENCH_PYSPY"], "record", "--format", "raw", "--rate", "250", "--pid", str(bot.pid),
                                 "--output", f"/tmp/slack_report_to_page-{name}.txt"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

    def unprofile() -> None:
        nonlocal spy
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=30)
            spy = None

    helps: list[float] = []
    pages: list[float] = []
    bad = 0
    cpu: list[float] = []  # the bot's CPU seconds per report during each measured burst (until its last page)
    people = iter(range(PEOPLE))
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as s:
            for r in range(rounds + 1):  # round 0 warms up (connections, caches, the first incident)
                count = conc if r == 0 else n
                th, tr = Timed(), Timed()
                asked = [f"U0H{next(people):04d}" for _ in range(count)]
                await quiet_for(s, calls_url)
                _, bad_h, _ = await fire(s, url, [th.make(u, lambda u=u: help_request(u)) for u in asked], conc)
                got = await until(s, calls_url, lambda g, th=th, count=count: len(help_latencies(g, th.sent)) >= count)
                await quiet_for(s, calls_url, 0.5)
                reporters = [(f"U0R{(i := next(people)):04d}", i) for _ in range(count)]
                if r == rounds:
                    spy = profile()
                    await asyncio.sleep(1.0)  # py-spy attaches
                cpu0 = cpu_seconds(bot.pid)
                acks, bad_r, el = await fire(s, url, [tr.make(u, lambda u=u, i=i: submission(i, u)) for u, i in reporters], conc)
                print(
                    f"    report acks p50 {pct(acks, 50) * 1e3:.0f} ms p99 {pct(acks, 99) * 1e3:.0f} ms; {count / el:.0f} reports/s acked",
                    flush=True,
                )
                got = await until(s, calls_url, lambda g, tr=tr, count=count: len(page_latencies(g, tr.sent)) >= count)
                burst_cpu = cpu_seconds(bot.pid) - cpu0
                unprofile()
                if r:
                    cpu.append(burst_cpu / count)
                    start, last = min(tr.sent.values()), max(page_times(got, tr.sent).values())
                    during = [c for c in got if start <= c[3] <= last]
                    pages_etc = sum(
                        1
                        for c in during
                        if c[4] and c[0] in ("chat.postMessage", "chat.postEphemeral") and (c[1] == PAGED or c[2] or c[1].startswith("D"))
                    )
                    ordered = [at - tr.sent[u] for u, at in sorted(page_times(got, tr.sent).items(), key=lambda kv: tr.sent[kv[0]])]
                    tenth = max(1, len(ordered) // 10)
                    print("    report→page max per tenth of the burst (by send time): "
                          + " ".join(f"{max(ordered[i:i + tenth]) * 1e3:.0f}" for i in range(0, len(ordered), tenth)) + " ms", flush=True)  # fmt: skip
                    print(f"    burst {last - start:.2f} s until the last page: bot CPU {burst_cpu / count * 1e3:.1f} ms per report; "
                          f"Slack calls {len(during)}, of which pages and confirmations {pages_etc}", flush=True)  # fmt: skip
                    h, p = help_latencies(got, th.sent), page_latencies(got, tr.sent)
                    helps += h
                    pages += p
                    bad += bad_h + bad_r + (count - len(h)) + (count - len(p))
                    print(
                        f"  {name} round {r}: help→reply p99 {pct(h, 99) * 1e3:.0f} ms, report→page p99 {pct(p, 99) * 1e3:.0f} ms",
                        flush=True,
                    )
    finally:
        unprofile()
        os.killpg(bot.pid, signal.SIGTERM)
        bot.wait(timeout=60)
        fake_proc.terminate()
        fake_proc.wait(timeout=10)
    return pages, helps, bad, sorted(cpu)[len(cpu) // 2]


async def main(n: int, conc: int, rounds: int, workers: int) -> None:
    from tests.conftest import drop_pg_schema, fresh_pg_schema

    backends: list[tuple[str, str, str | None]] = [
        ("sqlite", f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='mynaleak-bench-')}/bench.db", None)
    ]
    if os.environ.get("MYNALEAK_TEST_DATABASE_URL"):
        url, schema = await fresh_pg_schema()
        backends.append(("postgresql", url, schema))
    print(f"report → first page through Slack's HTTP path vs help → reply; {n} each per round, concurrency {conc}, "
          f"{rounds} round(s), PostgreSQL workers {workers}; load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    summary = []
    met = True
    try:
        for name, url, _schema in backends:
            pages, helps, bad, cpu = await one_db(name, url, n, conc, rounds, workers if name == "postgresql" else 1)
            p50, p99, h50, h99 = pct(pages, 50), pct(pages, 99), pct(helps, 50), pct(helps, 99)
            ok = p99 < 0.150 and p99 <= 2 * h99 and not bad
            met &= ok
            print(f"{name:<11} report→page p50 {p50 * 1e3:6.1f} ms  p99 {p99 * 1e3:6.1f} ms  max {max(pages) * 1e3:6.1f} ms | "
                  f"help→reply p50 {h50 * 1e3:6.1f} ms  p99 {h99 * 1e3:6.1f} ms | ratio p50 {p50 / h50:.2f}x  p99 {p99 / h99:.2f}x | "
                  f"bot CPU {cpu * 1e3:.1f} ms/report | missing or refused {bad} | target {'met' if ok else 'NOT met'}")  # fmt: skip
            summary.append(
                f"{name} report→page p99 {p99 * 1e3:.0f} ms ({p99 / h99:.2f}x help, p50 {p50 * 1e3:.0f} ms, {cpu * 1e3:.1f} ms CPU/report)"
            )
    finally:
        for _name, _url, schema in backends:
            if schema:
                await drop_pg_schema(schema)
    print(f"SUMMARY slack_report_to_page: {'; '.join(summary)}; target p99 < 150 ms and <= 2x help: {'met' if met else 'NOT met'}; "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--serve", choices=["fake"])
    ap.add_argument("--reports", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="bot processes on PostgreSQL (`mynaleak run --workers N`); SQLite: always 1")
    a = ap.parse_args()
    if a.serve == "fake":
        asyncio.run(serve_fake())
    else:
        asyncio.run(main(a.reports, a.concurrency, a.rounds, a.workers))
