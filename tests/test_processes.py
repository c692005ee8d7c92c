"""Real processes: a SIGKILLed bot still pages step 2 exactly once after a restart; two processes on
one PostgreSQL fire 500 due timers exactly once between them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.core.config import load_org
from storage.migrate import upgrade
from storage.store import Store
from tests.conftest import PG_URL, ROOT, Clock, drop_pg_schema, fresh_pg_schema
from tests.flows.helpers import ORG
from tests.support.harness import Harness

pytestmark = pytest.mark.slow


def write_config(tmp: Path, wait_minutes: float, steps: int = 3) -> Path:
    org = json.loads(json.dumps(ORG))
    org["escalation"]["steps"] = [
        {"people": [p], "wait_minutes": wait_minutes * (10 if n else 1)} for n, p in enumerate(["sato", "suzuki", "takahashi"][:steps])
    ]
    checklist = tmp / "checklist.yaml"
    checklist.write_text(yaml.safe_dump({"steps": [{"step": 1, "title": {"ja": "報告", "en": "Report"},
                                                    "items": [{"id": "1.1", "text": {"ja": "報告する", "en": "Report"}}]}]}))  # fmt: skip
    org["checklist"] = str(checklist)
    org["escalation"]["coalesce"] = {"after_pages": 0}  # a page per incident: flood control (tests/test_flood.py) is off here
    path = tmp / "org.yml"
    path.write_text(yaml.safe_dump(org, allow_unicode=True))
    return path


def spawn(db: str, cfg: Path, log: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.support.proc", "--db", db, "--config", str(cfg), "--log", str(log), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def wait_line(proc: subprocess.Popen, prefix: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line.strip()
        if not line and proc.poll() is not None:
            raise AssertionError(f"process died: {proc.stderr.read()[-3000:]}")
    raise AssertionError(f"no {prefix!r} within {timeout}s")


def pages(log: Path) -> list[str]:
    if not log.exists():
        return []
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.strip()]
    return [x["to"] for x in lines if x["op"] == "notify" and any(b["action"] == "ack" for b in x["view"].get("buttons", []))]


def wait_for(cond, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


async def test_sigkill_before_step_two_still_pages_it_exactly_once(db_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, wait_minutes=0.05)  # step 1 waits 3 s, step 2 waits 30 s
    log = tmp_path / "sent.jsonl"
    a = spawn(db_url, cfg, log, "--report", "--me", "a")
    try:
        wait_line(a, "REPORTED")
        assert wait_for(lambda: pages(log) == ["user:sato"], 10)
    finally:
        a.send_signal(signal.SIGKILL)
        a.wait()
    killed_at = time.monotonic()
    assert pages(log) == ["user:sato"]  # killed before step 2 was due
    b = spawn(db_url, cfg, log, "--me", "b")
    try:
        wait_line(b, "READY")
        assert wait_for(lambda: "user:suzuki" in pages(log), 15), pages(log)
        await asyncio.sleep(max(0.0, 5 - (time.monotonic() - killed_at)) + 2)  # more ticks: still once
        assert pages(log) == ["user:sato", "user:suzuki"]
    finally:
        b.send_signal(signal.SIGKILL)
        b.wait()


@pytest.mark.skipif(not PG_URL, reason="MYNALEAK_TEST_DATABASE_URL not set")
async def test_two_processes_fire_500_due_timers_exactly_once(tmp_path: Path) -> None:
    url, schema = await fresh_pg_schema()
    try:
        store = Store.open(url)
        await upgrade(store.engine)
        await store.close()
        cfg = write_config(tmp_path, wait_minutes=5)
        clock = Clock(datetime.now(UTC) - timedelta(hours=1))  # reports made an hour ago: every step-1 timer is due
        setup = Harness(url, load_org(cfg), clock)
        for chunk in range(0, 500, 50):
            await asyncio.gather(*(setup.report(reporter=f"r{i}") for i in range(chunk, chunk + 50)))
        async with setup.store.tx() as tx:
            assert await tx.count_timers("pending") >= 500
        await setup.close()
        logs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
        procs = [spawn(url, cfg, logs[0], "--me", "a", "--tick", "0.1"), spawn(url, cfg, logs[1], "--me", "b", "--tick", "0.1")]
        try:
            for p in procs:
                wait_line(p, "READY")
            assert wait_for(lambda: sum(len(pages(x)) for x in logs) >= 500, 90)
            time.sleep(2)  # any duplicate would show up now
            per_proc = [pages(x) for x in logs]
            assert sum(map(len, per_proc)) == 500
            assert set(per_proc[0] + per_proc[1]) == {"user:suzuki"}
            # each incident's step 2 was paged once: the thread notes name each incident once
            notes = Counter()
            for x in logs:
                for line in x.read_text().splitlines():
                    rec = json.loads(line)
                    if rec["op"] == "notify":
                        notes[rec["view"]["title"]] += 1
            assert len(notes) == 500 and set(notes.values()) == {1}
            assert all(per_proc), "both processes should have taken a share"
        finally:
            for p in procs:
                p.send_signal(signal.SIGKILL)
                p.wait()
        store = Store.open(url)
        async with store.tx() as tx:
            assert await tx.count_timers("running") == 0
        await store.close()
    finally:
        await drop_pg_schema(schema)


def sent_lines(log: Path) -> list[tuple[str, str, str]]:
    """(op, to, what) of every message the platform got, in order (not the updates of messages in place:
    the first page gains its link to the card that way, flows.channel)."""
    if not log.exists():
        return []
    out = []
    for line in log.read_text().splitlines():
        if line.strip():
            x = json.loads(line)
            if x["op"] != "update":
                out.append((x["op"], x["to"], json.dumps(x["view"], ensure_ascii=False, sort_keys=True)))
    return out


async def test_sigkill_in_the_middle_of_delivering(db_url: str, tmp_path: Path) -> None:
    """Killed while sending an incident's messages: after a restart every message arrives, and at
    most the one being sent at the moment of the kill arrives twice (the at-least-once window)."""
    cfg = write_config(tmp_path, wait_minutes=30)
    log = tmp_path / "sent.jsonl"
    env_lease = {"MYNALEAK_LEASE_SECONDS": "2"}
    os.environ.update(env_lease)
    try:
        a = spawn(db_url, cfg, log, "--report", "--me", "a", "--send-delay", "0.25")
        try:
            wait_line(a, "REPORTED")
            assert wait_for(lambda: len(sent_lines(log)) >= 3, 10)
        finally:
            a.send_signal(signal.SIGKILL)
            a.wait()
        before = sent_lines(log)
        store = Store.open(db_url)
        async with store.tx() as tx:
            from sqlalchemy import select

            from storage.store import OUT

            expected = len((await tx.conn.execute(select(OUT.c.id).where(OUT.c.kind.in_(("notify", "post", "reply"))))).all())
        assert 3 <= len(before) < expected, (len(before), expected)  # killed in the middle
        b = spawn(db_url, cfg, log, "--me", "b")
        try:
            wait_line(b, "READY")
            assert wait_for(lambda: len(set(sent_lines(log))) >= expected, 20), (len(set(sent_lines(log))), expected)
            time.sleep(3)  # leases have run out twice over: anything resent would show now
        finally:
            b.send_signal(signal.SIGKILL)
            b.wait()
        after = sent_lines(log)
        dupes = [k for k, n in Counter(after).items() if n > 1]
        assert len(set(after)) == expected
        assert len(dupes) <= 1, dupes
        async with store.tx() as tx:
            statuses = Counter((await tx.conn.execute(select(OUT.c.status))).scalars().all())
        await store.close()
        assert set(statuses) <= {"sent", "skipped"}, statuses
    finally:
        for k in env_lease:
            os.environ.pop(k, None)
