"""The report's critical path (issue 15 item 1): what a report's transaction writes, and that its page
leaves right after commit with no database read before it; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import traceback
from typing import Any

import pytest
from sqlalchemy import event

from bot.core.events import FormSubmitted
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.views import Card
from tests.conftest import BACKENDS, Clock
from tests.contract.drivers import REPORT_VALUES
from tests.flows.helpers import ORG, config
from tests.support.harness import Harness


def report(who: str, clock: Clock) -> FormSubmitted:
    values = {**REPORT_VALUES, "summary": "USBメモリを紛失", "discovered_at": clock().isoformat()}
    return FormSubmitted(UserRef("playground", who), "report", values, place=PlaceRef("playground", f"dm:{who}"))


async def traced(db_url: str) -> tuple[list[str], list[str], list[str]]:
    """One report after a warm-up: the statements of its transaction, those between its commit and
    the step-1 person's page, and all of them."""
    clock = Clock()
    h = Harness(db_url, config(escalation={**ORG["escalation"], "coalesce": {"after_pages": 0}}), clock)
    await h.report("warm-up")  # the year's sequence, caches
    statements: list[str] = []

    @event.listens_for(h.store.engine.sync_engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(" ".join(statement.split()))

    paged_after: list[int] = []
    notify = h.adapter.notify

    async def timed(user: UserRef, view: Card) -> MessageRef:
        if user.key == "sato":
            paged_after.append(len(statements))
        return await notify(user, view)

    h.adapter.notify = timed  # type: ignore[method-assign]
    out = await h.runtime.dispatch(report("r1", clock))
    in_tx = list(statements)  # committed; the page is on its way
    await h.runtime.drain()
    await h.close()
    assert out.incident_id and paged_after, statements
    return in_tx, statements[len(in_tx) : paged_after[0]], statements


async def test_a_report_writes_nothing_only_to_cancel_it(db_url: str) -> None:
    """A new incident has no older rows: the timers and messages its own flow cancels are never written,
    and the ledger's head row is not touched (sealed after commit)."""
    in_tx, _, _ = await traced(db_url)
    assert not [s for s in in_tx if re.match(r"UPDATE (timer|outbox)\b", s)], in_tx
    assert not [s for s in in_tx if "audit_ledger" in s], in_tx


async def test_the_page_leaves_right_after_commit_with_no_lookup(db_url: str) -> None:
    """The incident card the page links to was queued by the same event (not posted yet): no query for
    it before the page; at most the settling of an urgent message sent before the page."""
    _, between, _ = await traced(db_url)
    assert all(s.startswith("UPDATE outbox SET status") for s in between), between


@pytest.mark.parametrize("db_url", [p for p in BACKENDS if p != "sqlite"], indirect=True)
async def test_settling_a_sent_message_opens_no_transaction(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL each delivered message is settled by one autocommitted statement: no BEGIN and
    COMMIT round trips after the page and every other message."""
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

    begun: list[str] = []
    start = AsyncAdapt_asyncpg_connection._start_transaction

    async def counting(self: Any) -> None:
        if self.isolation_level != "autocommit":
            begun.extend(f.name for f in traceback.extract_stack() if f.name == "settle_message")
        await start(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "_start_transaction", counting)
    _, _, statements = await traced(db_url)
    settled = [s for s in statements if s.startswith("UPDATE outbox SET status")]
    assert settled and not begun, (len(settled), begun)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_settling_a_sent_message_on_sqlite_is_one_statement(db_url: str) -> None:
    """On SQLite too (under the process's write lock) a delivered message is settled by the UPDATE
    alone, its own implicit transaction: no BEGIN IMMEDIATE and COMMIT around it."""
    _, _, statements = await traced(db_url)
    settled = [n for n, s in enumerate(statements) if s.startswith("UPDATE outbox SET status") and "lease_until" not in s]  # not claims
    assert settled, statements
    wrapped = [n for n in settled if statements[n - 1].startswith("BEGIN")]
    assert not wrapped, [statements[n - 1 : n + 2] for n in wrapped]
