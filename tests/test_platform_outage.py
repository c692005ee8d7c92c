"""Faults: the Slack Web API / the Bot Framework connector fail (503s, and for Slack timeouts too) for
a while. Everything the bot queued meanwhile is delivered afterwards, once per idempotency key."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

import adapters
from storage.store import OUT
from tests.conftest import Clock
from tests.contract.drivers import REPORT_VALUES, contract_org, driver_module
from tests.contract.test_contract import ID_RE, of

pytestmark = pytest.mark.slow


def outage(d, on: bool, delay: float = 0.0) -> None:
    fake = getattr(d, "fake", None) or d.connector
    fake.down, fake.down_delay = on, delay


@pytest.mark.parametrize("platform", [p for p in adapters.names() if p in ("slack", "teams")])
async def test_everything_queued_during_an_outage_is_delivered_once(platform: str, db_url: str, clock: Clock) -> None:
    d = driver_module(platform).DRIVER()
    await d.start(db_url, contract_org(), clock)
    try:
        assert await d.send_command("reporter", "report") in range(200, 300)
        await d.settle()
        delay = 0.0
        if platform == "slack":  # some calls time out rather than fail fast
            d.app.adapters["slack"].timeout = 0.3
            delay = 0.5
        outage(d, True, delay)
        when = clock().astimezone(contract_org().tz).strftime("%Y-%m-%dT%H:%M")
        res = await d.submit_form("reporter", "report", {**REPORT_VALUES, "discovered_at": when})
        assert res.status in range(200, 300) and not res.errors
        await d.settle()
        for _ in range(5):  # the outage lasts a few minutes: the ticker keeps trying with backoff
            clock.advance(seconds=61)
            await d.app.ticker.tick()
            await d.settle()
        if platform == "slack":
            outage(d, True, 0.0)
        async with d.app.store.tx() as tx:
            waiting = (await tx.conn.execute(select(OUT.c.status, OUT.c.kind))).all()
        # only the reporter's view of the form (sent before the outage) got through so far
        assert "pending" in {w.status for w in waiting}
        assert {w.kind for w in waiting if w.status == "sent"} <= {"form"}, Counter((w.kind, w.status) for w in waiting)
        outage(d, False)
        for _ in range(4):
            clock.advance(seconds=61)
            await d.app.ticker.tick()
            await d.settle()
        async with d.app.store.tx() as tx:
            rows = (await tx.conn.execute(select(OUT.c.idem_key, OUT.c.status, OUT.c.kind, OUT.c.tag))).all()
        assert {r.status for r in rows} <= {"sent", "skipped"}, Counter(r.status for r in rows)
        # on the platform: one page, one card, each thread message once — nothing twice
        pages = [r for r in of(d, "dm", "manager") if any(a == "ack" for a, _ in r.buttons)]
        assert len(pages) == 1
        incident = ID_RE.search(pages[0].text).group(0)
        cards = [r for r in of(d, "post") if r.thread is None and incident in r.text]
        assert len(cards) == 1
        thread = [r.text for r in of(d, "post") if r.thread == cards[0].ref]
        assert len(thread) == len(set(thread)), "a thread message arrived twice"
        assert len(thread) >= 1 + len(d.app.config.checklist)
        # the page was late: the thread says so, once
        assert sum(1 for text in thread if "まだ届いていません" in text or "not gone through" in text) == 1
        sent = Counter(r.idem_key for r in rows if r.status == "sent")
        assert sent and max(sent.values()) == 1
    finally:
        await d.stop()
