"""Reports per second through Slack's HTTP path with one worker process, then two, on one database
(`mynaleak run --workers N`, the real command): signed report submissions at a fixed concurrency in,
the first page (chat.postMessage to the step-1 person's DM) at a fake Slack Web API out. The rate is
reports / (first request → last first page). Then every step-2 timer (due 3 s after its report) must
fire exactly once: the step-2 person gets exactly one page per incident, no timer is left claimed.
Baseline: the one-worker run, in the same run; the ratio two/one is printed.

``--cpu-per-worker F`` (root, Linux cgroups v1 or v2) gives each worker process a cgroup of its own
capped at F of one core. A second worker can only add throughput where there is a core for it: on a
2-core machine the load generator, the fake Slack and PostgreSQL share the cores with the bot, and one
uncapped worker already keeps a core busy. Capped, each worker stands for a machine of its own with a
fixed CPU budget, and the run measures what the design scales by (contention between workers on the
database's rows, claims and locks) rather than what the machine has left.

    MYNALEAK_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/workers.py [--reports 300] [--concurrency 20] [--rounds 2] [--sqlite] [--cpu-per-worker 0.4]

Bounded: a fixed number of requests over loopback; every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load_slack import fire, submission  # noqa: E402
from bench.slack_ack import SECRET, _Always, _spawn, publish_fake  # noqa: E402
from tests.support.procs import children, tcp_on  # noqa: E402

AUDIT_KEY = "b" * 64
FIRST, SECOND = "D0SATO", "D0SUZUKI"  # the step-1 and step-2 people's DMs at the fake Slack


async def serve_fake() -> None:
    """The fake Slack Web API, plus /stats: chat.postMessage calls per DM channel."""
    from tests.adapters.slack.fake_slack import FakeSlack

    fake = FakeSlack()
    fake.triggers = _Always()  # every trigger is valid: the load generator makes them up
    await fake.start()

    async def stats(_: web.Request) -> web.Response:
        posts = Counter(
            str(c.args.get("channel")) for c in fake.calls if c.method == "chat.postMessage" and c.status == 200 and not c.error
        )
        return web.json_response({"posts": posts})

    await publish_fake(fake.api_url, "stats", stats)


def org_file(tmp: Path) -> Path:
    from bot.core.config import SAMPLE_CONFIG

    org = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    org["escalation"] = {"steps": [{"people": ["sato"], "wait_minutes": 0.05}, {"people": ["suzuki"], "wait_minutes": 60}],
                         "repeat_last": 0, "coalesce": {"after_pages": 0}}  # fmt: skip
    path = tmp / "org.yml"
    path.write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")
    return path


def start_bot(db_url: str, api: str, cfg: Path, workers: int) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=db_url, MYNALEAK_CONFIG=str(cfg), MYNALEAK_AUDIT_KEY=AUDIT_KEY,
               SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api, MYNALEAK_TICK_SECONDS="0.5",
               LOG_LEVEL="ERROR")  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--port", "0", "--workers", str(workers)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if found := re.search(r"http://127\.0\.0\.1:\d+", line):
            return proc, found.group(0) + "/slack/events"
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("the bot did not start")


async def posts(s: aiohttp.ClientSession, stats: str) -> Counter[str]:
    async with s.get(stats) as r:
        return Counter((await r.json())["posts"])


async def until(s: aiohttp.ClientSession, stats: str, channel: str, want: int, timeout: float) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if (await posts(s, stats))[channel] >= want:
            return time.perf_counter()
        await asyncio.sleep(0.05)
    return None


class CpuCap:
    """A cgroup per worker process capped at ``share`` of one core (cgroups v2 ``cpu.max`` or v1 CFS quota)."""

    PERIOD = 100_000  # µs

    def __init__(self, share: float):
        self.share = share
        self.groups: list[Path] = []
        v2, v1 = Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/cpu")
        if "cpu" in (v2 / "cgroup.controllers").read_text().split() if (v2 / "cgroup.controllers").exists() else False:
            self.root, self.v2 = v2, True
            (v2 / "cgroup.subtree_control").write_text("+cpu")
        elif (v1 / "cpu.cfs_quota_us").exists():
            self.root, self.v2 = v1, False
        else:
            raise RuntimeError("no cgroup CPU controller here (cgroups v1 cpu or v2 with cpu enabled)")

    def cap(self, pids: list[int]) -> None:
        quota = int(self.share * self.PERIOD)
        for pid in pids:
            group = self.root / f"mynaleak-bench-{os.getpid()}-{pid}"
            group.mkdir()
            self.groups.append(group)
            if self.v2:
                (group / "cpu.max").write_text(f"{quota} {self.PERIOD}")
            else:
                (group / "cpu.cfs_period_us").write_text(str(self.PERIOD))
                (group / "cpu.cfs_quota_us").write_text(str(quota))
            (group / "cgroup.procs").write_text(str(pid))  # the whole process, its threads, what it starts later

    def close(self) -> None:
        for group in self.groups:
            for pid in (group / "cgroup.procs").read_text().split():  # normally none left: the bot has stopped
                with contextlib.suppress(OSError):
                    (self.root / "cgroup.procs").write_text(pid)
            with contextlib.suppress(OSError):
                group.rmdir()
        self.groups = []


def worker_pids(bot: subprocess.Popen[str], workers: int, timeout: float = 30) -> list[int]:
    """The processes that serve: the bot itself (one worker) or the supervisor's children."""
    if workers == 1:
        return [bot.pid]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(kids := children(bot.pid)) >= workers:
            return sorted(kids)
        time.sleep(0.1)
    raise RuntimeError("the workers did not start")


async def listening(port: int, workers: int, timeout: float = 60) -> None:
    """Wait until every worker listens on the port (each on a socket of its own: SO_REUSEPORT), so the
    load generator's keep-alive connections, opened by the warm-up, are spread over all of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(tcp_on(port, "0A")) >= workers:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"only some of the {workers} workers listen")


def profile(pids: list[int], workers: int) -> list[subprocess.Popen[bytes]]:
    """With BENCH_PYSPY (a py-spy binary): each worker's stacks during the burst, collapsed, into
    /tmp/workers-<N>w-<pid>.txt."""
    spy = os.environ.get("BENCH_PYSPY")
    if not spy:
        return []
    return [subprocess.Popen([spy, "record", "--format", "raw", "--rate", "250", "--pid", str(pid), "--output",
                              f"/tmp/workers-{workers}w-{pid}.txt"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for pid in pids]  # fmt: skip


def cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by every process of the bot's process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state ppid pgrp … utime(11) stime(12)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_idle() -> float:
    """Seconds all cores have been idle since boot (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()
    return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")


async def claimed_timers(db_url: str) -> tuple[int, int]:
    """(escalation timers done, timers still claimed) in the database."""
    from sqlalchemy import func, select

    from storage.store import TIMER, Store

    store = Store.open(db_url)
    try:
        async with store.tx() as tx:
            count = select(func.count()).select_from(TIMER)
            done = (await tx.conn.execute(count.where(TIMER.c.kind == "escalate", TIMER.c.status == "done"))).scalar()
            running = (await tx.conn.execute(count.where(TIMER.c.status == "running"))).scalar()
        return int(done or 0), int(running or 0)
    finally:
        await store.close()


async def one_run(workers: int, n: int, conc: int, sqlite: bool, share: float = 0.0) -> tuple[float, bool, str]:
    """Reports per second with ``workers`` processes; whether every step-2 timer fired exactly once."""
    from storage.migrate import upgrade
    from storage.store import Store
    from tests.conftest import drop_pg_schema, fresh_pg_schema

    tmp = Path(tempfile.mkdtemp(prefix="mynaleak-bench-"))
    schema = None
    if sqlite:
        db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
    else:
        db_url, schema = await fresh_pg_schema()
    store = Store.open(db_url)
    await upgrade(store.engine)
    await store.close()
    fake_proc, fake = _spawn("--serve", "fake", script=__file__)
    bot, url = start_bot(db_url, str(fake["url"]), org_file(tmp), workers)
    stats = str(fake["stats"])
    capped = CpuCap(share) if share else None
    try:
        if capped is not None:
            capped.cap(worker_pids(bot, workers))
        await listening(int(url.split(":")[2].split("/")[0]), workers)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc, force_close=False)) as s:
            await fire(s, url, [lambda i=i: submission(10**6 + i) for i in range(2 * conc)], conc)  # warm-up: both workers
            await until(s, stats, FIRST, 2 * conc, 60)
            base = await posts(s, stats)
            spies = profile(worker_pids(bot, workers), workers)
            t0, cpu0, idle0 = time.perf_counter(), cpu_seconds(bot.pid), machine_idle()
            _, bad, _ = await fire(s, url, [lambda i=i: submission(i) for i in range(n)], conc)
            done = await until(s, stats, FIRST, base[FIRST] + n, 300)
            for spy in spies:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=30)
            rate = n / (done - t0) if done else float("nan")
            cpu = (cpu_seconds(bot.pid) - cpu0) / n * 1e3  # the bot's CPU per report (ms) over the same span
            idle = (machine_idle() - idle0) / ((time.perf_counter() - t0) * (os.cpu_count() or 1))  # share of the cores left idle
            # every step-2 timer (3 s after its report) fires exactly once
            total = base[FIRST] + n
            await until(s, stats, SECOND, total, 120)
            await asyncio.sleep(3)  # a second firing would show now
            got = await posts(s, stats)
        fired, running = await claimed_timers(db_url)
        once = got[FIRST] == total and got[SECOND] == total and running == 0 and fired == total and bad == 0
        detail = (
            f"bot CPU {cpu:.1f} ms/report, machine idle {idle:.0%}; step-1 pages {got[FIRST]}/{total}, step-2 pages {got[SECOND]}/{total}, "
            f"timers fired {fired}, claimed {running}, non-2xx {bad}"
        )
        return rate, once, detail
    finally:
        os.killpg(bot.pid, signal.SIGTERM)
        bot.wait(timeout=60)
        fake_proc.terminate()
        fake_proc.wait(timeout=10)
        if capped is not None:
            capped.close()
        if schema:
            await drop_pg_schema(schema)


async def main(n: int, conc: int, rounds: int, sqlite: bool, share: float = 0.0) -> None:
    db = "SQLite" if sqlite else "PostgreSQL"
    cap = f", each worker capped at {share:g} of a core" if share else ""
    print(f"{db}: {n} report submissions at concurrency {conc}, {rounds} round(s) of 1 then 2 workers{cap}; load {os.getloadavg()[0]:.2f}")
    rates: dict[int, list[float]] = {1: [], 2: []}
    all_once = True
    for r in range(rounds):
        for w in (1, 2):
            rate, once, detail = await one_run(w, n, conc, sqlite, share)
            rates[w].append(rate)
            all_once &= once
            print(f"  round {r + 1}, {w} worker(s): {rate:6.1f} reports/s  ({detail}){'' if once else '  <-- NOT exactly once'}")
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    print(f"  median: 1 worker {one:.1f} reports/s, 2 workers {two:.1f} reports/s, ratio x{two / one:.2f} (target >= 1.6)")
    print(f"SUMMARY workers: {db}{cap} 2 workers / 1 = {two / one:.2f}x ({one:.1f} -> {two:.1f} reports/s), "
          f"every timer fired once: {'yes' if all_once else 'NO'}, load {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--serve", choices=["fake"])
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL (MYNALEAK_TEST_DATABASE_URL)")
    ap.add_argument("--cpu-per-worker", type=float, default=0.0, help="cap each worker at this share of a core (cgroups; root)")
    a = ap.parse_args()
    if a.serve == "fake":
        asyncio.run(serve_fake())
    elif not a.sqlite and not os.environ.get("MYNALEAK_TEST_DATABASE_URL"):
        print("SUMMARY workers: skipped (it needs PostgreSQL: set MYNALEAK_TEST_DATABASE_URL, or pass --sqlite)")
    else:
        asyncio.run(main(a.reports, a.concurrency, a.rounds, a.sqlite, a.cpu_per_worker))
