"""Faults: PostgreSQL restarted in the middle of a run, through each platform's real request path.
Requests during the outage get a clear "try again" to the person; the bot recovers without a
restart; nothing accepted before is lost and nothing is done twice."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import make_mocked_request

import adapters
from storage.audit import verify_chain
from storage.migrate import upgrade
from storage.store import Store
from tests.conftest import PG_URL, Clock, drop_pg_schema, fresh_pg_schema
from tests.contract.drivers import REPORT_VALUES, driver_module
from tests.contract.test_contract import of, report

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL or not shutil.which("pg_ctlcluster"), reason="needs the local PostgreSQL cluster"),
]
ok = range(200, 300)


def cluster() -> list[str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    return [version, "main"]


def pg(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster(), action], check=True, capture_output=True, timeout=60)


async def wait_pg_up(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"), timeout=2)
            await conn.close()
            return
        except (OSError, asyncpg.PostgresError):
            await asyncio.sleep(0.3)
    raise AssertionError("PostgreSQL did not come back")


async def healthz(app):  # noqa: ANN001, ANN201 - the /healthz route's own handler
    handler = next(r.handler for r in app.web.router.routes() if r.resource is not None and r.resource.canonical == "/healthz")
    return await handler(make_mocked_request("GET", "/healthz"))


@pytest.mark.parametrize("platform", adapters.names())
async def test_postgres_restart_mid_run(platform: str, clock: Clock) -> None:
    url, schema = await fresh_pg_schema()
    store = Store.open(url)
    await upgrade(store.engine)
    await store.close()
    d = driver_module(platform).DRIVER()
    from tests.contract.drivers import contract_org

    await d.start(url, contract_org(), clock)
    try:
        inc = await report(d, clock)
        (page,) = of(d, "dm", "manager")
        assert await d.send_command("reporter", "report") in ok  # a form opened before the outage, submitted during it
        await d.settle()
        before = len(d.received())
        pg("stop")
        try:
            status = await d.press("manager", "ack", inc, message=page.ref)
            await d.settle()
            # a report typed while the database is down is not answered "accepted": the form stays
            # open with an error (Slack), or the answer is an error / a try-again (the others)
            when = clock().astimezone(contract_org().tz).strftime("%Y-%m-%dT%H:%M")
            typed = await d.submit_form("reporter", "report", {**REPORT_VALUES, "discovered_at": when, "summary": "停止中の報告"})
            await d.settle()
            retry = [r for r in d.received()[before:] if r.to == "reporter" and ("もう一度" in r.text or "try again" in r.text.lower())]
            assert typed.status not in ok or typed.errors or retry, typed
            down = await healthz(d.app)
            assert down.status == 503 and json.loads(down.body)["database"] == "unreachable"
        finally:
            pg("start")
        await wait_pg_up()
        for _ in range(20):
            if (await healthz(d.app)).status == 200:
                break
            await asyncio.sleep(0.3)
        assert (await healthz(d.app)).status == 200
        # the person was told to try again: an error answer, or a private message saying so
        told = [
            r
            for r in d.received()[before:]
            if r.to == "manager" and r.op in ("private", "dm") and ("もう一度" in r.text or "try again" in r.text.lower())
        ]
        assert status not in ok or told, (status, d.received()[before:])
        # the bot recovers by itself: the same press now works, once
        for _ in range(20):
            status = await d.press("manager", "ack", inc, message=page.ref)
            if status in ok:
                break
            await asyncio.sleep(0.5)
        assert status in ok
        await d.settle()
        await d.app.ticker.tick()
        await d.settle()
        acked = [r for r in d.received() if r.ref == page.ref and r.op == "update"]
        assert acked and ("ack", inc) not in acked[-1].buttons
        # nothing lost, nothing twice: the report from before the outage, one ack, an intact audit trail
        async with d.app.store.tx() as tx:
            loaded = await tx.load(inc)
            rows = await tx.audit_rows(inc)
        assert loaded is not None and loaded.incident.escalation.status == "acked"
        assert [r["action"] for r in rows].count("escalation.acked") == 1
        assert verify_chain(inc, rows, loaded.audit_head, loaded.audit_seq) == []
        # a new report after the outage works end to end
        second = await report(d, clock)
        assert second != inc and len(of(d, "dm", "manager")) == 2
    finally:
        await d.stop()
        await drop_pg_schema(schema)
