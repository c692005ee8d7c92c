"""The audit ledger sealed after commit (issue 15: no event transaction waits for the ledger's head row).
An event queues its incident's new chain head; the sealer moves it into the ledger after commit; `mynaleak
audit verify` accepts a head still queued while it is young and reports it after a minute."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.core.events import FormSubmitted
from bot.core.model import PlaceRef, UserRef
from bot.runtime import utcnow
from storage.store import LEDGER, UNSEALED, Store
from tests.conftest import BACKENDS, Clock
from tests.contract.drivers import REPORT_VALUES
from tests.flows.helpers import ORG, config
from tests.support.harness import Harness
from tests.test_audit_trail import KEY, fetch, sql, verify

PG_ONLY = [p for p in BACKENDS if p != "sqlite"]


def report(who: str, clock: Clock) -> FormSubmitted:
    values = {**REPORT_VALUES, "summary": "USBメモリを紛失", "discovered_at": clock().isoformat()}
    return FormSubmitted(UserRef("playground", who), "report", values, place=PlaceRef("playground", f"dm:{who}"))


async def count(db_url: str, table: object) -> int:
    rows = await fetch(db_url, select(func.count().label("n")).select_from(table))  # type: ignore[arg-type]
    return int(rows[0]["n"])


async def test_a_head_waiting_for_the_ledger_is_accepted_while_young_and_reported_after(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(utcnow())
    h = Harness(db_url, config(), clock, audit_key=KEY.encode())
    a = (await h.report()).incident_id
    monkeypatch.setattr(h.runtime.sealer, "due", lambda: False)  # the process stops before it seals what follows
    await h.press("sato", "ack", a)
    assert await count(db_url, UNSEALED) == 1
    code, out = verify(db_url)
    assert code == 0 and "intact" in out, out  # young: being sealed, not tampering
    await sql(db_url, update(UNSEALED).values(at=clock() - timedelta(minutes=2)))  # …and a couple of minutes pass
    code, out = verify(db_url)
    assert code == 1 and f"TAMPERED {a}" in out and re.search(r"waited 12\d s to be sealed", out), out
    assert await h.runtime.sealer.seal() == 1  # the next tick (or commit) seals it
    code, out = verify(db_url)
    assert code == 0 and "intact" in out, out
    assert await count(db_url, UNSEALED) == 0
    await h.close()


async def test_a_head_queued_for_a_rewritten_chain_does_not_cover_it(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue cannot be used to hide a ledger that is behind: a queued head must be the chain's."""
    clock = Clock(utcnow())
    h = Harness(db_url, config(), clock, audit_key=KEY.encode())
    a = (await h.report()).incident_id
    monkeypatch.setattr(h.runtime.sealer, "due", lambda: False)
    await h.press("sato", "ack", a)
    await sql(db_url, update(UNSEALED).values(entry="f" * 64))
    code, out = verify(db_url)
    assert code == 1 and f"TAMPERED {a}" in out and "head mismatch with the ledger" in out, out
    await h.close()


@pytest.mark.parametrize("db_url", PG_ONLY, indirect=True)
async def test_reports_commit_and_page_while_the_ledger_head_is_held(db_url: str) -> None:
    """Another transaction holds the ledger's head row (a sealer, or before: every event's end): a report
    still commits and pages at once; its head is sealed when the row is free."""
    clock = Clock(utcnow())
    h = Harness(db_url, config(escalation={**ORG["escalation"], "coalesce": {"after_pages": 0}}), clock, audit_key=KEY.encode())
    holder = Store.open(db_url)
    async with holder.engine.connect() as conn:
        tx = await conn.begin()
        await conn.exec_driver_sql("SELECT seq FROM audit_ledger_head WHERE id = 1 FOR UPDATE")
        outs = await asyncio.wait_for(asyncio.gather(*(h.runtime.dispatch(report(f"r{i}", clock)) for i in range(5))), 10)
        assert all(o.incident_id for o in outs)
        for _ in range(100):  # the pages go out right after commit
            if len(h.adapter.ops("notify", "user:sato")) == 5:
                break
            await asyncio.sleep(0.05)
        assert len(h.adapter.ops("notify", "user:sato")) == 5
        assert await count(db_url, LEDGER) == 0
        await tx.rollback()
    await holder.close()
    await h.close()  # drains: the sealer has its row now
    assert await count(db_url, LEDGER) == 5 and await count(db_url, UNSEALED) == 0
    code, out = verify(db_url)
    assert code == 0 and "intact" in out, out


@pytest.mark.parametrize("db_url", PG_ONLY, indirect=True)
async def test_two_replicas_reporting_at_once_leave_one_gapless_ledger(db_url: str) -> None:
    clock = Clock(utcnow())
    cfg = config()
    a = Harness(db_url, cfg, clock, me="replica-a", audit_key=KEY.encode())
    b = Harness(db_url, cfg, clock, me="replica-b", audit_key=KEY.encode())
    outs = await asyncio.gather(*(h.runtime.dispatch(report(f"{h.runtime.me}-{i}", clock)) for i in range(15) for h in (a, b)))
    await asyncio.gather(*(h.runtime.dispatch(report("late", clock)) for h in (a, b)))
    await a.close()
    await b.close()
    ids = {o.incident_id for o in outs}
    assert len(ids) == 30
    ledger = await fetch(db_url, select(LEDGER).order_by(LEDGER.c.gseq))
    assert [g["gseq"] for g in ledger] == list(range(1, 33)) and {g["stream"] for g in ledger} >= ids
    code, out = verify(db_url)
    assert code == 0 and "intact" in out, out


async def test_a_sealer_without_its_database_logs_one_line_and_seals_later(caplog: pytest.LogCaptureFixture) -> None:
    """The database unreachable right after a commit: no traceback, one warning; the ticker seals later."""
    from bot.sealer import Sealer

    store = Store.open("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")  # nothing listens on port 9
    sealer = Sealer(store, KEY.encode())
    try:
        assert sealer.due()
        await sealer.run()
        assert sealer.due()  # ready to run again (the failed one ended)
    finally:
        await store.close()
    warned = [r for r in caplog.records if r.name == "mynaleak.sealer"]
    assert len(warned) == 1 and warned[0].levelname == "WARNING" and not warned[0].exc_info


async def test_sealing_takes_what_is_queued_in_one_transaction_and_stops(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sealing takes every queued head in one transaction and stops: no empty round after it to find
    nothing (on the old code every sealing was followed by one: a transaction of four statements)."""
    from sqlalchemy import event

    clock = Clock(utcnow())
    h = Harness(db_url, config(), clock, audit_key=KEY.encode())
    monkeypatch.setattr(h.runtime.sealer, "due", lambda: False)  # queued, not sealed yet
    for who in ("r1", "r2", "r3"):
        await h.report(who)
    queued = await count(db_url, UNSEALED)
    looked: list[str] = []

    @event.listens_for(h.store.engine.sync_engine, "before_cursor_execute")
    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        if re.match(r"\s*(SELECT audit_unsealed\.|INSERT INTO audit_ledger\b)", statement):
            looked.append(statement.split()[0])

    monkeypatch.undo()
    assert h.runtime.sealer.due()
    await h.runtime.sealer.run()
    await h.close()
    assert queued >= 3 and await count(db_url, UNSEALED) == 0
    assert looked.count("SELECT") == 1 and looked.count("INSERT") == 1, looked
    code, out = verify(db_url)
    assert code == 0 and "intact" in out, out
