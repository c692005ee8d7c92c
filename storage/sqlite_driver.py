"""SQLite through aiosqlite, one thread hop per statement.

SQLAlchemy's aiosqlite adapter makes each statement three or four calls on aiosqlite's thread (open a
cursor, execute, fetch the rows, close the cursor), each a queue hand-off there and a wake-up of the
event loop back. This adapter (passed to the engine as its DBAPI ``module``; the dialect is SQLAlchemy's
own) runs the whole statement in ONE call on that thread and keeps what the cursor reported: the rows,
``description``, ``rowcount``, ``lastrowid``. Errors are raised as before (the adapter translates them).
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


def _run(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Reported:
    """On aiosqlite's thread: the statement, its rows, and what the cursor says about it."""
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
    """A cursor whose every statement is one call on the connection's thread (no aiosqlite cursor)."""

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
            conn = self._connection
            self._keep(await conn._execute(_run, conn._conn, operation, parameters))
        return self

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            conn = self._connection
            self._keep(await conn._execute(_run_many, conn._conn, operation, seq_of_parameters))
        return self


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor  # type: ignore[assignment]  # a subclass of the declared one


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for ``create_async_engine(…, module=OneHopDBAPI())``."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        plain = super().connect(*arg, **kw)
        return OneHopConnection(self, plain._connection)
