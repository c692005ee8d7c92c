"""Report submitted → first page delivered to the adapter: p50/p99 over N reports at concurrency C,
on SQLite and (with MYNALEAK_TEST_DATABASE_URL) PostgreSQL.

Baseline in the same run: `/mynaleak help` through the same runtime (one transaction, one private
reply delivered) — the floor of any round trip through store + outbox + adapter. Prints ratios.

    .venv/bin/python bench/report_to_page.py [--reports 200] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.recording import RecordingAdapter  # noqa: E402
from bot.core.events import CommandInvoked, FormSubmitted  # noqa: E402
from bot.core.model import PlaceRef, UserRef  # noqa: E402
from bot.runtime import utcnow  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.conftest import drop_pg_schema, fresh_pg_schema  # noqa: E402
from tests.flows.helpers import ORG, config  # noqa: E402
from tests.support.harness import Harness  # noqa: E402


class TimedAdapter(RecordingAdapter):
    """Notes when each reporter's first page and each help reply reach the adapter."""

    def __init__(self) -> None:
        super().__init__("playground")
        self.at: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future[float]] = {}

    def _seen(self, key: str) -> None:
        now = time.perf_counter()
        self.at.setdefault(key, now)
        fut = self.waiters.get(key)
        if fut is not None and not fut.done():
            fut.set_result(now)

    async def wait(self, key: str) -> float:
        if key in self.at:
            return self.at[key]
        fut = self.waiters.setdefault(key, asyncio.get_running_loop().create_future())
        return await fut

    async def notify(self, user, view):  # noqa: ANN001, ANN201
        ref = await super().notify(user, view)
        incident = view.title.rsplit(" ", 1)[-1]
        self._seen(f"page:{incident}")
        return ref

    async def reply(self, user, place, view):  # noqa: ANN001, ANN201
        await super().reply(user, place, view)
        self._seen(f"reply:{user.key}")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def run(url: str, n: int, conc: int) -> dict[str, list[float]]:
    h = Harness(url, config(escalation={**ORG["escalation"], "coalesce": {"after_pages": 0}}), utcnow)  # a page per report
    h.adapter = TimedAdapter()
    h.deliverer.adapters["playground"] = h.adapter
    sem = asyncio.Semaphore(conc)
    lat: dict[str, list[float]] = {"report": [], "help": []}

    async def one_report(i: int) -> None:
        async with sem:
            values = {
                "summary": "bench",
                "discovered_at": utcnow().isoformat(),
                "medium": "pc",
                "data_items": ("mynumber",),
                "whose": "employees",
            }
            t0 = time.perf_counter()
            out = await h.runtime.dispatch(
                FormSubmitted(UserRef("playground", f"r{i}"), "report", values, place=PlaceRef("playground", "dm"))
            )
            # the page is delivered after commit, in the background: wait for it to reach the adapter
            lat["report"].append(await h.adapter.wait(f"page:{out.incident_id}") - t0)

    async def one_help(i: int) -> None:
        async with sem:
            t0 = time.perf_counter()
            await h.runtime.dispatch(CommandInvoked(UserRef("playground", f"h{i}"), PlaceRef("playground", "dm"), "help"))
            lat["help"].append(await h.adapter.wait(f"reply:h{i}") - t0)

    await asyncio.gather(*(one_help(i) for i in range(20)))  # warm-up
    lat["help"].clear()
    await asyncio.gather(*(one_help(i) for i in range(100, 100 + n)))
    await asyncio.gather(*(one_report(i) for i in range(n)))
    await h.close()
    return lat


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=20)
    args = ap.parse_args()
    backends = []
    tmp = tempfile.mkdtemp()
    backends.append(("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", None))
    if os.environ.get("MYNALEAK_TEST_DATABASE_URL"):
        url, schema = await fresh_pg_schema()
        backends.append(("postgresql", url, schema))
    print(f"report → first page at the adapter; {args.reports} reports, concurrency {args.concurrency}")
    summary = []
    for name, url, schema in backends:
        from storage.store import Store

        s = Store.open(url)
        await upgrade(s.engine)
        await s.close()
        lat = await run(url, args.reports, args.concurrency)
        r, b = lat["report"], lat["help"]
        print(
            f"{name:10s} report→page p50 {pct(r, 50) * 1000:6.1f} ms  p99 {pct(r, 99) * 1000:6.1f} ms  max {max(r) * 1000:6.1f} ms | "
            f"baseline help→reply p50 {pct(b, 50) * 1000:6.1f} ms  p99 {pct(b, 99) * 1000:6.1f} ms | "
            f"ratio p50 {statistics.median(r) / statistics.median(b):.2f}x  p99 {pct(r, 99) / pct(b, 99):.2f}x"
        )
        summary.append(f"{name} report→page p50 {pct(r, 50) * 1000:.1f} ms ({statistics.median(r) / statistics.median(b):.2f}x help→reply), "
                       f"p99 {pct(r, 99) * 1000:.1f} ms ({pct(r, 99) / pct(b, 99):.2f}x)")  # fmt: skip
        if schema:
            await drop_pg_schema(schema)
    print("SUMMARY report_to_page: " + "; ".join(summary))


if __name__ == "__main__":
    asyncio.run(main())
