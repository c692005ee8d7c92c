"""Graceful shutdown with real processes (``App.serve``): SIGTERM while timers fire and messages go
out → what is under way finishes, the process exits 0 within its grace period and holds no row; a
second process then takes the rest at once (not after the 60 s lease), and every timer fires and
every message is sent exactly once between the two."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.config import load_org
from storage.store import OUT, TIMER, Store
from tests.conftest import Clock
from tests.support.harness import Harness
from tests.test_processes import spawn, wait_for, write_config

pytestmark = pytest.mark.slow
INCIDENTS = 12


def notify_titles(*logs: Path) -> Counter[str]:
    """How often each page (by its title, which names the incident and the step) reached the platform."""
    seen: Counter[str] = Counter()
    for log in logs:
        if log.exists():
            for line in log.read_text().splitlines():
                rec = json.loads(line)
                if rec["op"] == "notify":
                    seen[f"{rec['to']} {rec['view']['title']}"] += 1
    return seen


def serving(proc: subprocess.Popen) -> None:
    """Wait for the line ``App.serve`` prints once listening (its signal handlers are in place)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if "http://127.0.0.1:" in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"process died: {proc.stderr.read()[-3000:] if proc.stderr else ''}")
    raise AssertionError("the process did not start serving")


def lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


async def held(url: str) -> tuple[int, int, int]:
    """(timers claimed, messages claimed, timers due and not fired yet) right now."""
    store = Store.open(url)
    try:
        async with store.tx() as tx:
            now = datetime.now(UTC)
            count = select(func.count())
            timers = (await tx.conn.execute(count.select_from(TIMER).where(TIMER.c.status == "running"))).scalar()
            messages = (await tx.conn.execute(count.select_from(OUT).where(OUT.c.status == "sending"))).scalar()
            due = (await tx.conn.execute(count.select_from(TIMER).where(TIMER.c.status == "pending", TIMER.c.due_at <= now))).scalar()
        return int(timers or 0), int(messages or 0), int(due or 0)
    finally:
        await store.close()


async def backlog(url: str) -> int:
    store = Store.open(url)
    try:
        async with store.tx() as tx:
            return await tx.backlog()
    finally:
        await store.close()


async def test_sigterm_finishes_in_flight_work_releases_claims_and_exits_0(db_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, wait_minutes=5)
    setup = Harness(db_url, load_org(cfg), Clock(datetime.now(UTC) - timedelta(hours=1)))  # reported an hour ago
    for i in range(INCIDENTS):
        await setup.report(reporter=f"r{i}")
    await setup.close()
    due_before = (await held(db_url))[2]
    assert due_before >= INCIDENTS  # every step-2 page is due

    a_log, b_log = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    # a slow platform: each message takes 0.3 s, so SIGTERM lands while timers fire and messages go out
    a = spawn(db_url, cfg, a_log, "--serve", "--send-delay", "0.3", "--tick", "0.2")
    try:
        serving(a)
        assert wait_for(lambda: len(lines(a_log)) >= 3, 30), "process A never started sending"
        a.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        try:
            code = a.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("SIGTERM did not stop the process within 15 s")
        took = time.monotonic() - signalled
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    err = a.stderr.read() if a.stderr else ""
    assert code == 0, err[-2000:]
    # a graceful stop: the tick under way is let finish, not cancelled — no error, no traceback in the log
    assert "Traceback" not in err and "CancelledError" not in err and "raised an exception" not in err, err[-3000:]
    timers, messages, due = await held(db_url)
    assert (timers, messages) == (0, 0), f"process A exited holding {timers} timers and {messages} messages"
    left = await backlog(db_url)
    assert left > 0, f"SIGTERM came after all the work was done ({took:.1f} s to stop): the test proved nothing"
    sent_by_a = len(lines(a_log))

    b = spawn(db_url, cfg, b_log, "--serve", "--tick", "0.2")
    try:
        serving(b)
        started = time.monotonic()
        # far sooner than the 60 s lease: nothing was left claimed by A
        while (await backlog(db_url), await held(db_url)) != (0, (0, 0, 0)) and time.monotonic() - started < 20:
            await asyncio.sleep(0.2)
        assert (await backlog(db_url), await held(db_url)) == (0, (0, 0, 0))
        await asyncio.sleep(1.0)  # any duplicate would be sent now
    finally:
        b.send_signal(signal.SIGTERM)
        assert b.wait(timeout=15) == 0
    pages = notify_titles(a_log, b_log)
    step2 = [k for k in pages if k.startswith("user:suzuki")]
    assert len(step2) == INCIDENTS, sorted(pages)  # every step-2 timer fired and paged
    assert set(pages.values()) == {1}, [k for k, n in pages.items() if n > 1]  # nothing twice
    assert sent_by_a >= 3 and lines(b_log), "both processes should have sent part of the work"
    assert (await held(db_url)) == (0, 0, 0)
