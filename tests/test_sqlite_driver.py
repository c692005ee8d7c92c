"""SQLite statements make one call each on aiosqlite's thread (storage.sqlite_driver), and report what
SQLAlchemy reads from a cursor as before: rows, RETURNING rows, rowcounts, errors."""

from __future__ import annotations

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


async def test_one_thread_hop_per_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
    assert statements == 3, hops


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
