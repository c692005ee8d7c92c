"""SQLite statements run on the event loop's thread, with no hop to aiosqlite's thread unless another
process holds the write lock (then they wait there, the loop going on) (storage.sqlite_driver), and
report what SQLAlchemy reads from a cursor as before: rows, RETURNING rows, rowcounts, errors."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.store import Store


def counting_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hops: list[str] = []
    execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", "?"))
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return hops


async def test_statements_make_no_thread_hop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(f"sqlite+aiosqlite:///{tmp_path}/one.db")
    try:
        async with store.single() as tx:
            await tx.conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        hops = counting_hops(monkeypatch)
        async with store.single() as tx:
            before = len(hops)
            await tx.conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}])
            rows = (await tx.conn.execute(text("SELECT id, v FROM t ORDER BY id"))).all()
            returned = (await tx.conn.execute(text("UPDATE t SET v = v || '!' RETURNING id"))).scalars().all()
            statements = len(hops) - before
    finally:
        await store.close()
    assert [tuple(r) for r in rows] == [(1, "a"), (2, "b")] and sorted(returned) == [1, 2]
    assert statements == 0, hops  # aiosqlite's own statements: 3 calls each on its thread; before this driver: 11


async def test_another_process_holding_the_write_lock_is_waited_for_off_the_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second worker or a CLI command writing: the statement waits on aiosqlite's thread (busy
    timeout) while the loop serves on, and goes through once the lock is released."""
    path = tmp_path / "busy.db"
    store = Store.open(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        async with store.single() as tx:
            await tx.conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        hops = counting_hops(monkeypatch)
        other.execute("BEGIN IMMEDIATE")  # the other process's write transaction
        other.execute("INSERT INTO t (v) VALUES ('theirs')")

        async def write() -> float:
            async with store.tx() as tx:
                await tx.conn.execute(text("INSERT INTO t (v) VALUES ('ours')"))
            return time.monotonic()

        task = asyncio.ensure_future(write())
        turns, until = 0, time.monotonic() + 0.4
        while time.monotonic() < until:  # the loop keeps turning meanwhile
            await asyncio.sleep(0.01)
            turns += 1
        assert not task.done()
        released = time.monotonic()
        other.execute("COMMIT")
        done = await asyncio.wait_for(task, 10)
        async with store.single() as tx:
            rows = (await tx.conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    finally:
        other.close()
        await store.close()
    assert turns >= 20, turns
    assert done >= released and rows == ["theirs", "ours"]
    assert "_waiting" in hops, hops


async def test_a_cursor_reports_what_sqlalchemy_reads(tmp_path: Path) -> None:
    store = Store.open(f"sqlite+aiosqlite:///{tmp_path}/two.db")
    try:
        async with store.tx() as tx:
            await tx.conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
            many = await tx.conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": str(n)} for n in range(250)])
            one = await tx.conn.execute(text("INSERT INTO t (v) VALUES ('x')"))
            updated = await tx.conn.execute(text("UPDATE t SET v = v || '?' WHERE id <= 10"))
            returning = await tx.conn.execute(text("DELETE FROM t WHERE id > 240 RETURNING id"))
            deleted = sorted(returning.scalars())
            nothing = await tx.conn.execute(text("UPDATE t SET v = 'y' WHERE id < 0"))
            count = (await tx.conn.execute(text("SELECT count(*) FROM t"))).scalar_one()
            first = (await tx.conn.execute(text("SELECT v FROM t ORDER BY id"))).first()
        assert many.rowcount == 250 and one.lastrowid == 251 and updated.rowcount == 10 and nothing.rowcount == 0
        assert deleted == list(range(241, 252)) and returning.rowcount == 11 and count == 240 and first == ("0?",)
        with pytest.raises(IntegrityError):  # translated as before; the transaction rolled back
            async with store.tx() as tx:
                await tx.conn.execute(text("DELETE FROM t WHERE id = 1"))
                await tx.conn.execute(text("INSERT INTO t (v) VALUES ('100')"))
        async with store.tx() as tx:
            assert (await tx.conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 240
    finally:
        await store.close()


async def test_checkpoints_run_off_the_loop_not_inside_a_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit never copies the write-ahead log back on the loop's thread (SQLite's automatic
    checkpoint is off: it syncs the whole log); the ticker's Store.checkpoint does, on aiosqlite's thread."""
    path = tmp_path / "wal.db"
    store = Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        async with store.single() as tx:
            auto = (await tx.conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar_one()
            await tx.conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        for _ in range(30):  # more than SQLite's default threshold (1000 pages) would have let pass
            async with store.tx() as tx:
                await tx.conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "x" * 2000}] * 40)
        wal = Path(f"{path}-wal")
        before = path.stat().st_size
        assert wal.stat().st_size > 2_000_000 and before < 100_000  # all of it still in the log
        hops = counting_hops(monkeypatch)
        await store.checkpoint()
        assert hops.count("_waiting") == 1, hops  # (and the connection given back: a rollback)
        assert path.stat().st_size > 2_000_000  # copied back into the database file
    finally:
        await store.close()
    assert auto == 0
