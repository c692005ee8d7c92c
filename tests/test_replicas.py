"""Three bot processes (`mynaleak run`) on one PostgreSQL, requests spread across them: a report made
through one is acknowledged through another; every timer fires exactly once; nothing is paged after
the acknowledgement."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
import yaml
from sqlalchemy import func, select

from storage.migrate import upgrade
from storage.playground_store import MESSAGE as MESSAGES
from storage.store import AUD, TIMER, Store
from tests.conftest import PG_URL, ROOT, drop_pg_schema, fresh_pg_schema
from tests.flows.helpers import ORG

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PG_URL, reason="MYNALEAK_TEST_DATABASE_URL not set")]


def start_bot(url: str, cfg: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "MYNALEAK_CONFIG": str(cfg), "MYNALEAK_TICK_SECONDS": "0.2", "PORT": "0",
           "PYTHONPATH": str(ROOT), "MYNALEAK_LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def base_url(proc: subprocess.Popen, name: str) -> str:
    """The address ``proc`` serves on, once it says so."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if found := re.search(r"http://127\.0\.0\.1:\d+", line):
            return found.group(0)
        if not line and proc.poll() is not None:
            raise AssertionError(f"{name} died: {proc.stderr.read()[-2000:]}")
    raise AssertionError(f"{name} did not start")


class Browser:
    """What the playground page does, against one process."""

    def __init__(self, session: aiohttp.ClientSession, base: str):
        self.session, self.base, self.token = session, base, ""

    async def open(self) -> None:
        async with self.session.get(self.base + "/") as r:
            page = await r.text()
        self.token = page.split('name="mynaleak-token" content="', 1)[1].split('"', 1)[0]

    async def post(self, path: str, body: dict) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", "X-Mynaleak-Token": self.token, "Origin": self.base}
        async with self.session.post(f"{self.base}/playground/api/{path}", json={"id": uuid.uuid4().hex, **body}, headers=headers) as r:
            return r.status, await r.json()


CHAIN = ("dm:sato", "dm:suzuki", "dm:takahashi")


async def pages(store: Store) -> list[tuple[str, str]]:
    """(DM place, message key) of every page in the playground's chat log: the chain's DMs hold
    nothing but pages (acknowledged ones lose their button but stay)."""
    async with store.tx() as tx:
        rows = (await tx.conn.execute(select(MESSAGES.c.place, MESSAGES.c.key, MESSAGES.c.kind).where(MESSAGES.c.place.in_(CHAIN)))).all()
    return [(place, key) for place, key, kind in rows if kind == "card"]


async def wait_until(cond, timeout: float) -> bool:  # noqa: ANN001
    import asyncio

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await cond():
            return True
        await asyncio.sleep(0.2)
    return await cond()


async def test_three_replicas_one_escalation(tmp_path: Path) -> None:
    url, schema = await fresh_pg_schema()
    store = Store.open(url)
    procs: list[subprocess.Popen] = []
    try:
        await upgrade(store.engine)
        org = json.loads(json.dumps(ORG))
        org["escalation"] = {"steps": [{"people": [p], "wait_minutes": 0.05} for p in ("sato", "suzuki", "takahashi")], "repeat_last": 1}
        cfg = tmp_path / "org.yml"
        cfg.write_text(yaml.safe_dump(org, allow_unicode=True))
        procs += [start_bot(url, cfg) for _ in "abc"]  # started together: each takes a second or two
        bases = [base_url(proc, name) for proc, name in zip(procs, "abc", strict=True)]
        async with aiohttp.ClientSession() as session:
            a, b, c = (Browser(session, base) for base in bases)
            for br in (a, b, c):
                await br.open()
            status, _ = await a.post("command", {"persona": "yamada", "place": "incidents", "text": "/mynaleak report"})
            assert status == 200
            values = {"summary": "USBメモリを紛失", "medium": "removable", "people": "12", "data_items": ["mynumber"], "whose": "employees",
                      "discovered_at": time.strftime("%Y-%m-%dT%H:%M", time.localtime())}  # fmt: skip
            status, body = await b.post("submit", {"persona": "yamada", "form_id": "report", "context": "", "values": values})
            assert status == 200 and not body.get("errors"), body
            assert await wait_until(lambda: _has(store, "dm:sato"), 10), "step 1 was not paged"
            assert await wait_until(lambda: _has(store, "dm:suzuki"), 15), "step 2 was not paged"
            (page,) = [k for p, k in await pages(store) if p == "dm:suzuki"]
            async with store.tx() as tx:
                (inc,) = (await tx.conn.execute(select(AUD.c.stream).distinct())).scalars().all()
            status, _ = await c.post("press", {"persona": "suzuki", "message": page, "action": "ack", "value": inc})
            assert status == 200
            # until the acknowledged step's timer would have fired, and a few ticks more: a page by then
            # would be a page after the ack
            async with store.tx() as tx:
                due = (await tx.conn.execute(select(func.max(TIMER.c.due_at)).where(TIMER.c.kind == "escalate"))).scalar_one()
            due = due if due.tzinfo else due.replace(tzinfo=UTC)
            time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 2)
        paged = Counter(p for p, _ in await pages(store))
        assert paged == Counter({"dm:sato": 1, "dm:suzuki": 1}), paged
        async with store.tx() as tx:  # both pages were updated in place: neither offers Acknowledge any more
            bodies = (await tx.conn.execute(select(MESSAGES.c.body).where(MESSAGES.c.place.in_(CHAIN)))).scalars().all()
        assert bodies and not any(b.get("action") == "ack" for body in bodies for b in (body.get("data") or {}).get("buttons") or [])
        async with store.tx() as tx:
            timers = (await tx.conn.execute(select(TIMER.c.kind, TIMER.c.key, TIMER.c.status).where(TIMER.c.kind == "escalate"))).all()
            actions = Counter((await tx.conn.execute(select(AUD.c.action))).scalars().all())
        assert sorted((t.key, t.status) for t in timers) == [("e1-s0-a0", "done"), ("e1-s1-a0", "cancelled")], timers
        assert actions["escalation.paged"] == 2 and actions["escalation.acked"] == 1
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        await store.close()
        await drop_pg_schema(schema)


async def _has(store: Store, place: str) -> bool:
    return any(p == place for p, _ in await pages(store))
