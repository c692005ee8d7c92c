"""A report answered "accepted" is never lost (issue: the Slack modal was closed before the incident
was stored). A real `mynaleak run` process serves Slack against a fake Web API; many people submit the
report form at once; the process is SIGKILLed the moment the first 200 comes back; after a restart,
every submission that was answered 200 has its incident and its page (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
import yaml
from sqlalchemy import select

from storage.migrate import upgrade
from storage.store import INC, Store
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack, _user
from tests.adapters.slack.harness import SECRET, SlackHarness
from tests.conftest import PG_URL, ROOT, drop_pg_schema, fresh_pg_schema

pytestmark = pytest.mark.slow
REPORTERS = [f"U0R{n:02d}" for n in range(12)]


def _config(tmp: Path) -> Path:
    org = {
        "organisation": "永続テスト株式会社",
        "people": {"manager": {"name": "佐藤 花子", "slack": "U0SATO"}, "deputy": {"name": "鈴木 一郎", "slack": "U0SUZUKI"}},
        "incident_channel": {"slack": "C0INCIDENTS"},
        "escalation": {
            "steps": [{"people": ["manager"], "wait_minutes": 30}, {"people": ["deputy"], "wait_minutes": 30}],
            "coalesce": {"after_pages": 0},  # a page per report: flood control (tests/test_flood.py) is off here
        },
    }
    path = tmp / "org.yml"
    path.write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")
    return path


def _start(db: str, cfg: Path, api: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "DATABASE_URL": db, "MYNALEAK_CONFIG": str(cfg), "PORT": "0", "PYTHONPATH": str(ROOT),
           "MYNALEAK_TICK_SECONDS": "0.2", "MYNALEAK_LEASE_SECONDS": "1", "LOG_LEVEL": "WARNING",
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api, "MYNALEAK_AUDIT_KEY": "durable-test-audit-key-0123456789"}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if found := re.search(r"http://127\.0\.0\.1:\d+", line):
            return proc, found.group(0)
        if not line and proc.poll() is not None:
            raise AssertionError("the bot did not start")
    raise AssertionError("the bot did not start in time")


async def _post(session: aiohttp.ClientSession, url: str, h: SlackHarness, body: str) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **h.headers(body)}
    async with session.post(url + "/slack/events", data=body.encode(), headers=headers) as resp:
        text = await resp.text()
        # a modal kept open with an error is not "accepted"
        return resp.status if not (text and json.loads(text).get("response_action") == "errors") else 0


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(not PG_URL, reason="no PostgreSQL"))])
async def test_every_report_answered_200_survives_a_sigkill(backend: str, tmp_path: Path) -> None:
    from urllib.parse import urlencode

    schema = None
    if backend == "postgres":
        db, schema = await fresh_pg_schema()
    else:
        db = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    store = Store.open(db)
    await upgrade(store.engine)
    fake = FakeSlack()
    for uid in REPORTERS:
        fake.users[uid] = _user(uid, f"Reporter {uid}")
    await fake.start()
    cfg = _config(tmp_path)
    h = SlackHarness(None, fake, None, None)  # type: ignore[arg-type]  # only its request builders
    proc, url = _start(db, cfg, fake.api_url)
    try:
        async with aiohttp.ClientSession() as session:
            # one person opens the report form: its blocks are what every submission fills in
            body = urlencode(h.command_body("report", REPORTERS[0], "C0GENERAL"))
            assert await _post(session, url, h, body) == 200
            for _ in range(100):
                if fake.views:
                    break
                await asyncio.sleep(0.05)
            (view_id,) = list(fake.views)
            when = int(datetime.now(UTC).timestamp())
            bodies = []
            for n, uid in enumerate(REPORTERS):
                payload = h.view_payload(view_id, {"summary": f"書類を誤送付した 第{n}報", "discovered_at": when, "medium": "paper"}, uid)
                payload["view"] = {**payload["view"], "id": f"V0SUB{n:02d}"}
                bodies.append(urlencode({"payload": json.dumps(payload, ensure_ascii=False)}))

            first_ok = asyncio.Event()

            async def submit(body: str) -> int:
                try:
                    status = await _post(session, url, h, body)
                except aiohttp.ClientError:
                    return -1  # the process was killed before it answered
                if status == 200:
                    first_ok.set()
                return status

            tasks = [asyncio.ensure_future(submit(b)) for b in bodies]
            await asyncio.wait_for(first_ok.wait(), 20)
            proc.send_signal(signal.SIGKILL)
            statuses = await asyncio.gather(*tasks)
        proc.wait(10)
        accepted = [n for n, s in enumerate(statuses) if s == 200]
        assert accepted, statuses

        proc, url = _start(db, cfg, fake.api_url)  # the restart: the ticker sends what the crash left

        async def stored() -> dict[str, str]:
            async with store.tx() as tx:
                rows = (await tx.conn.execute(select(INC.c.id, INC.c.data))).all()
            out = {}
            for inc_id, data in rows:
                found = re.search(r"第(\d+)報", json.dumps(data, ensure_ascii=False))
                if found:
                    out[found.group(1)] = inc_id
            return out

        def paged(inc_id: str) -> bool:
            return any(
                inc_id in json.dumps(c.args, ensure_ascii=False)
                for c in fake.called("chat.postMessage")
                if c.args.get("channel", "").startswith("D")
            )

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            incidents = await stored()
            if all(str(n) in incidents and paged(incidents[str(n)]) for n in accepted):
                break
            await asyncio.sleep(0.3)
        incidents = await stored()
        missing = [n for n in accepted if str(n) not in incidents]
        assert not missing, f"answered 200 but lost after the SIGKILL: {missing} (statuses {statuses})"
        unpaged = [n for n in accepted if not paged(incidents[str(n)])]
        assert not unpaged, f"stored but never paged after the restart: {unpaged}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            # waited for off the loop: the fake Slack runs on it, and a call the bot has under way (the
            # pages' link updates after the restart) must be answered for its graceful stop to finish
            await asyncio.to_thread(proc.wait, 10)
        await fake.stop()
        await store.close()
        if schema:
            await drop_pg_schema(schema)
