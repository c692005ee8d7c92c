"""SQLite statements run on the event loop's own thread; aiosqlite's thread only waits out another
process's write lock.

SQLAlchemy's aiosqlite adapter makes each statement three or four calls on aiosqlite's thread (open a
cursor, execute, fetch the rows, close the cursor), each a queue hand-off there and a wake-up of the
event loop back — and under load every hand-off also waits for the GIL and for the loop to come round,
stretching each transaction while it holds the database's one write lock (a burst of reports queues
behind it). A statement on a local SQLite file in WAL mode takes microseconds, and this process's
writers already queue on its own lock (``Store.tx``), so this adapter (passed to the engine as its
DBAPI ``module``; the dialect is SQLAlchemy's own) runs the whole statement right where it is called,
with no busy timeout. Only when another process holds the write lock (a second worker on the same
file, a CLI command) does SQLite answer "database is locked" at once; the statement is then run again
on aiosqlite's thread, waiting as SQLite's busy timeout lets it (30 s), while the loop goes on.
What the cursor reported is kept: the rows, ``description``, ``rowcount``, ``lastrowid``. Errors are
raised as before (the adapter translates them). Checkpoints, which write back and sync the whole log,
are not left to SQLite's commits (``wal_autocheckpoint=0``): the ticker runs one on aiosqlite's thread
(``Store.checkpoint``). The price left: a statement that takes long on its own (a large export query)
holds the loop for that long.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_Reported = tuple[Any, list[Any] | None, int, int | None]


BUSY_MS = 30000  # how long a statement waits, on aiosqlite's thread, for another process's write lock


def _run(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Reported:
    """The statement, its rows, and what the cursor says about it."""
    cur = conn.cursor()
    try:
        if parameters is None:
            cur.execute(operation)
        else:
            cur.execute(operation, parameters)
        description = cur.description
        rows = cur.fetchall() if description else None  # all fetched first: rowcount counts RETURNING rows then
        return description, rows, cur.rowcount, cur.lastrowid
    finally:
        cur.close()


def _run_many(conn: sqlite3.Connection, operation: str, seq_of_parameters: Sequence[Any]) -> _Reported:
    cur = conn.cursor()
    try:
        cur.executemany(operation, seq_of_parameters)
        return cur.description, None, cur.rowcount, cur.lastrowid
    finally:
        cur.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose every statement runs at once on the calling thread (no aiosqlite cursor)."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")
    _awaitable_cursor_close = False  # nothing to close on the thread: the sqlite3 cursor is closed there

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # every row is fetched at once

    def _keep(self, reported: _Reported) -> None:
        self._description, rows, self._rowcount, self._lastrowid = reported
        self._rows = collections.deque(rows or ())

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            self._keep(await _here_or_waiting(self._connection, _run, operation, parameters))
        return self

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            self._keep(await _here_or_waiting(self._connection, _run_many, operation, seq_of_parameters))
        return self


async def _here_or_waiting(conn: Any, run: Any, *args: Any) -> _Reported:
    """``run`` on this thread; if another process holds the write lock, on aiosqlite's thread, waiting."""
    try:
        return run(conn._conn, *args)
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
            raise
    return await conn._execute(_waiting, run, conn._conn, *args)


def _waiting(run: Any, conn: sqlite3.Connection, *args: Any) -> _Reported:
    """On aiosqlite's thread: the statement again, with SQLite's busy timeout (the connection has none
    otherwise: on the loop's thread a statement must never sleep)."""
    conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    try:
        return run(conn, *args)
    finally:
        conn.execute("PRAGMA busy_timeout=0")


async def checkpoint(adapted: AsyncAdapt_aiosqlite_connection) -> None:
    """Copy the write-ahead log back into the database file (PASSIVE: writers are not held up) on
    aiosqlite's thread — it writes back and syncs the whole log; the loop goes on meanwhile.
    ``adapted``: a pooled connection's ``dbapi_connection``."""
    async with adapted._execute_mutex:
        conn = adapted._connection
        await conn._execute(_waiting, _run, conn._conn, "PRAGMA wal_checkpoint(PASSIVE)", None)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor  # type: ignore[assignment]  # a subclass of the declared one


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for ``create_async_engine(…, module=OneHopDBAPI())``."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        kw["check_same_thread"] = False  # used on the loop's thread and on aiosqlite's, never at once (the mutex)
        plain = super().connect(*arg, **kw)
        return OneHopConnection(self, plain._connection)
