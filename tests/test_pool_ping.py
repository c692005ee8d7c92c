"""PostgreSQL connections are pinged before use only when they sat idle in the pool (storage.store:
``PING_IDLE_SECONDS``): a burst reuses connections without asyncpg's three-round-trip ping each time,
and a connection the database dropped while it was idle is still replaced unseen by the caller."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

import storage.store
from storage.store import Store
from tests.conftest import BACKENDS, PG_URL

pytestmark = pytest.mark.parametrize("db_url", [p for p in BACKENDS if p != "sqlite"], indirect=True)


def counting_pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

    pings: list[int] = []
    ping = AsyncAdapt_asyncpg_connection.ping

    def counted(self: Any) -> None:
        pings.append(1)
        ping(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    return pings


async def backend_pid(store: Store) -> int:
    async with store.tx() as tx:
        return int((await tx.conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one())


async def test_a_connection_used_a_moment_ago_is_not_pinged(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pings = counting_pings(monkeypatch)
    store = Store.open(db_url)
    try:
        pids = {await backend_pid(store) for _ in range(5)}
        async with store.single() as tx:
            await tx.conn.exec_driver_sql("SELECT 1")
    finally:
        await store.close()
    assert len(pids) == 1 and not pings, (pids, len(pings))


async def test_a_connection_dropped_while_idle_is_replaced_unseen(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.store, "PING_IDLE_SECONDS", 0.0)  # every pooled connection counts as idle
    pings = counting_pings(monkeypatch)
    store = Store.open(db_url)
    try:
        first = await backend_pid(store)
        admin = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", first)
        finally:
            await admin.close()
        second = await backend_pid(store)  # no error: the ping found the connection gone, the pool made another
    finally:
        await store.close()
    assert second != first and pings
