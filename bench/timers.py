"""10,000 pending timers: the cost of a tick, how late timers fire, and memory, on PostgreSQL (or
SQLite without MYNALEAK_TEST_DATABASE_URL). Baseline in the same run: the same tick with no timers.

The timers belong to real incidents and carry stale escalation keys (what most timers are after an
acknowledgement: they fire and do nothing), due over the next ~20 s; the ticker runs every 0.5 s as
in production (APScheduler's interval job calls the same ``Ticker.tick``).

    MYNALEAK_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/timers.py [--timers 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.runtime import utcnow  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.conftest import drop_pg_schema, fresh_pg_schema  # noqa: E402
from tests.flows.helpers import ORG, config  # noqa: E402
from tests.support.harness import Harness  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def idle_ticks(h: Harness, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await h.tick()
        out.append(time.perf_counter() - t0)
    return out


async def main(count: int, incidents: int) -> None:
    schema = None
    if os.environ.get("MYNALEAK_TEST_DATABASE_URL"):
        url, schema = await fresh_pg_schema()
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/timers.db"
    s = Store.open(url)
    await upgrade(s.engine)
    await s.close()
    h = Harness(url, config(escalation={**ORG["escalation"], "coalesce": {"after_pages": 0}}), utcnow)  # a page per report
    try:
        ids = [(await h.report(reporter=f"r{i}")).incident_id for i in range(incidents)]
        await h.tick()
        base = await idle_ticks(h, 20)
        rss0 = rss_mb()
        rnd = random.Random(1)
        start = utcnow() + timedelta(seconds=3)
        rows = [{"incident_id": ids[n % len(ids)], "kind": "escalate", "key": f"stale-{n}", "due_at": start + timedelta(seconds=rnd.uniform(0, 20)),
                 "payload": {"escalation": "0"}} for n in range(count)]  # fmt: skip
        for i in range(0, count, 1000):
            async with h.store.tx() as tx:
                await tx.add_timers(rows[i : i + 1000])
        async with h.store.tx() as tx:
            pending = await tx.count_timers("pending")
        loaded = await idle_ticks(h, 10)  # none due yet: the cost of looking
        late: list[float] = []
        observe = h.runtime.metrics.timer_lateness.observe

        def record(v: float) -> None:
            late.append(v)
            observe(v)

        h.runtime.metrics.timer_lateness.observe = record  # type: ignore[method-assign]
        busy: list[float] = []
        t_end = time.monotonic() + 60
        while len(late) < count and time.monotonic() < t_end:
            t0 = time.perf_counter()
            fired = await h.tick()
            if fired:
                busy.append((time.perf_counter() - t0) / fired)
            await asyncio.sleep(0.5)
        print(f"{count} timers over {incidents} incidents ({pending} pending in all), {'PostgreSQL' if schema else 'SQLite'}")
        print(f"idle tick, no extra timers : mean {statistics.mean(base) * 1e3:6.2f} ms  p99 {pct(base, 99) * 1e3:6.2f} ms (baseline)")
        print(f"idle tick, {count} pending: mean {statistics.mean(loaded) * 1e3:6.2f} ms  p99 {pct(loaded, 99) * 1e3:6.2f} ms "
              f"-> {statistics.mean(loaded) / statistics.mean(base):.2f}x the baseline")  # fmt: skip
        print(f"firing: {len(late)} fired, mean cost per timer {statistics.mean(busy) * 1e3:.2f} ms")
        print(f"lateness: p50 {pct(late, 50):.2f} s  p99 {pct(late, 99):.2f} s  max {max(late):.2f} s")
        print(f"peak RSS: {rss0:.0f} MB before the timers, {rss_mb():.0f} MB after")
        print(f"SUMMARY timers: {count} pending make an idle tick {statistics.mean(loaded) / statistics.mean(base):.2f}x the baseline, "
              f"{len(late)}/{count} fired, lateness p99 {pct(late, 99):.2f} s")  # fmt: skip
    finally:
        await h.close()
        if schema:
            await drop_pg_schema(schema)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--timers", type=int, default=10_000)
    ap.add_argument("--incidents", type=int, default=100)
    a = ap.parse_args()
    asyncio.run(main(a.timers, a.incidents))
