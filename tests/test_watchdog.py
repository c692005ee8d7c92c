"""The watchdog, through the real ticker (store, runtime, deliverer, Ticker.tick) on SQLite and
PostgreSQL: an escalation left paging with no timer, or a timer overdue by more than a minute, is
logged at ERROR (a structured record naming the incident), counted in /metrics, and repaired — the
next step is paged by the same tick."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from bot.core.config import parse_org
from storage.store import TIMER
from tests.conftest import Clock
from tests.flows.helpers import ORG
from tests.support.harness import Harness


@pytest.fixture
async def h(db_url: str, clock: Clock) -> AsyncIterator[Harness]:
    org = {**ORG, "escalation": {**ORG["escalation"], "coalesce": {"after_pages": 0}}}
    harness = Harness(db_url, parse_org(org), clock)
    yield harness
    await harness.close()


def metric(h: Harness, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", h.runtime.metrics.render().decode(), re.M)
    return float(found.group(1)) if found else 0.0


def pages(h: Harness, who: str) -> list[object]:
    """The pages ``who`` got: DMs with an Acknowledge button."""
    return [s for s in h.adapter.ops("notify", f"user:{who}") if any(b.action == "ack" for b in getattr(s.view, "buttons", ()))]


def watchdog_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "mynaleak.watchdog" and r.levelno == logging.ERROR]


async def _report(h: Harness) -> str:
    out = await h.report()
    assert out.incident_id and len(pages(h, "sato")) == 1
    await h.tick()  # nothing due yet; the watchdog's first look finds nothing wrong
    return out.incident_id


async def test_escalation_paging_with_no_timer_is_logged_counted_and_re_armed(
    h: Harness, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    incident = await _report(h)
    caplog.set_level(logging.INFO)
    async with h.store.tx() as tx:  # the step's timer failed for good (its flow raised five times)
        await tx.conn.execute(update(TIMER).where(TIMER.c.incident_id == incident, TIMER.c.kind == "escalate").values(status="failed"))
    clock.advance(seconds=40)  # long before the step's 5 minutes are up
    await h.tick()
    (err,) = watchdog_errors(caplog)
    assert err.incident == incident and err.key == "e1-s0-a0" and err.step == 1  # type: ignore[attr-defined]
    assert metric(h, "mynaleak_watchdog_stalled_escalations_total") == 1
    assert len(pages(h, "suzuki")) == 1  # repaired: the chain went on to step 2 in the same tick
    caplog.clear()
    clock.advance(minutes=1)
    await h.tick()  # step 2 has its timer: nothing more to say
    assert watchdog_errors(caplog) == []
    assert metric(h, "mynaleak_watchdog_stalled_escalations_total") == 1
    assert len(pages(h, "suzuki")) == 1 and len(pages(h, "takahashi")) == 0


async def test_acknowledged_or_exhausted_chains_are_left_alone(h: Harness, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    incident = await _report(h)
    await h.press("sato", "ack", incident)
    caplog.set_level(logging.INFO)
    clock.advance(minutes=1)
    await h.tick()
    assert watchdog_errors(caplog) == [] and metric(h, "mynaleak_watchdog_stalled_escalations_total") == 0


async def test_a_timer_30_s_late_is_just_fired(h: Harness, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    await _report(h)
    caplog.set_level(logging.INFO)
    clock.advance(minutes=5, seconds=30)
    await h.tick()
    assert watchdog_errors(caplog) == [] and metric(h, "mynaleak_watchdog_overdue_timers_total") == 0
    assert len(pages(h, "suzuki")) == 1


@pytest.mark.parametrize("claimed_by_a_dead_replica", [False, True])
async def test_timer_overdue_by_more_than_a_minute_is_logged_counted_and_fired(
    h: Harness, clock: Clock, caplog: pytest.LogCaptureFixture, claimed_by_a_dead_replica: bool
) -> None:
    incident = await _report(h)
    caplog.set_level(logging.INFO)
    due = clock.advance(minutes=5)  # step 1's wait is over ...
    if claimed_by_a_dead_replica:  # ... and a replica claimed the timer, then died before firing it
        async with h.store.tx() as tx:
            await tx.conn.execute(update(TIMER).where(TIMER.c.incident_id == incident, TIMER.c.kind == "escalate")
                                  .values(status="running", claimed_by="dead-replica", lease_until=due))  # fmt: skip
    clock.advance(seconds=90)  # ... and no tick ran for 90 s (the ticker was down, or the database)
    await h.tick()
    (err,) = watchdog_errors(caplog)
    assert err.incident == incident and err.kind == "escalate" and err.late_seconds >= 60  # type: ignore[attr-defined]
    assert metric(h, "mynaleak_watchdog_overdue_timers_total") == 1
    assert len(pages(h, "suzuki")) == 1  # the same tick fired it (taking a dead replica's claim over)
