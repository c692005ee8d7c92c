"""The store: one async engine (SQLite or PostgreSQL) and the transactional operations the runtime
and the ticker need. SQL lives here and nowhere else."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, event, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, InvalidatePoolError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.core import serde
from bot.core.model import Incident, IncidentSummary
from storage import audit, sqlite_driver
from storage.away import AwayOps
from storage.ledger import LEDGER, LEDGER_HEAD, UNSEALED, LedgerOps
from storage.pagelog import PageLogOps
from storage.queue import OUT, TIMER, Claimed, QueueOps
from storage.sqlite_driver import OneHopConnection, OneHopDBAPI
from storage.tables import AuditEvent, IncidentRow, IncidentSeq, ProcessedEvent, table_of

INC, SEQ, AUD, SEEN = (table_of(t) for t in (IncidentRow, IncidentSeq, AuditEvent, ProcessedEvent))
# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out (a database
# restarted meanwhile: replaced, unnoticed by the caller); one back in the pool for less was working a
# moment ago and is not (asyncpg's ping is BEGIN, ";" and ROLLBACK: three round trips per checkout).
PING_IDLE_SECONDS = 1.0

# An event's statements, built once with bound parameters (see storage.queue): by dialect where they differ.
_FIRST_TIME = {
    "sqlite": sqlite_insert(SEEN).on_conflict_do_nothing(),
    "postgresql": pg_insert(SEEN).on_conflict_do_nothing(),
}
_LOAD = select(INC).where(INC.c.id == bindparam("incident"))
_LOAD_LOCKED = _LOAD.with_for_update()
_NEXT_SEQ_SQLITE = update(SEQ).where(SEQ.c.scope == bindparam("b_scope")).values(last=SEQ.c.last + 1).returning(SEQ.c.last)
_NEW_SEQ_SQLITE = sqlite_insert(SEQ).on_conflict_do_nothing()
_INSERT_INCIDENT = insert(INC)
_UPDATE_INCIDENT = (
    update(INC)
    .where(INC.c.id == bindparam("incident"), INC.c.version == bindparam("loaded_version"))
    .values(status=bindparam("v_status"), data=bindparam("v_data"), audit_head=bindparam("v_head"), audit_seq=bindparam("v_seq"),
            version=bindparam("v_version"))
)  # fmt: skip
_INSERT_AUDIT = insert(AUD)


def _json_text(value: Any) -> str:
    """JSON columns: a document encoded already (``audit.Encoded``) is stored as it is."""
    return value if isinstance(value, audit.Encoded) else json.dumps(value)


def make_engine(url: str, **kw: Any) -> AsyncEngine:
    """An async engine; on SQLite: WAL, BEGIN IMMEDIATE so writers queue, no busy timeout and no
    checkpoint at commit on the loop's thread (``storage.sqlite_driver`` waits and checkpoints on
    aiosqlite's thread)."""
    kw.setdefault("json_serializer", _json_text)
    if url.startswith("sqlite"):
        if url.startswith("sqlite+aiosqlite:"):  # statements on the loop, no thread hop (storage.sqlite_driver)
            kw.setdefault("module", OneHopDBAPI())
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kw)

        @event.listens_for(engine.sync_engine, "connect")
        def _connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=0")  # never sleep on the loop: storage.sqlite_driver waits on its thread
            if isinstance(dbapi_conn, OneHopConnection):
                # no checkpoint inside a commit on the loop's thread (it writes back and syncs the whole WAL):
                # the ticker checkpoints on aiosqlite's thread instead (Store.checkpoint); another driver
                # keeps SQLite's own checkpoint at commit
                cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":  # Store.single: no BEGIN
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    url, schema = _split_search_path(url)
    if schema:
        kw.setdefault("connect_args", {}).setdefault("server_settings", {})["search_path"] = schema
    kw.setdefault("pool_size", 20)
    kw.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **kw)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """``pool_pre_ping``, for connections idle longer than :data:`PING_IDLE_SECONDS` only (SQLAlchemy's
    custom pessimistic ping: a checkout listener raising a disconnection error, the pool reconnects)."""
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return  # a new connection, or one in use a moment ago
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_conn, None):
                raise InvalidatePoolError() from exc  # like pre-ping: every older pooled connection is replaced too
            raise


def _split_search_path(url: str) -> tuple[str, str | None]:
    """``?search_path=x`` on a PostgreSQL URL selects a schema (tests run each in their own)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    schema = u.query.get("search_path")
    if not schema:
        return url, None
    return u.difference_update_query(["search_path"]).render_as_string(hide_password=False), str(schema)


class PriorityLock:
    """A mutex where urgent holders go first: background holders wait while any urgent one waits."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._urgent_waiting = 0
        self._clear = asyncio.Event()
        self._clear.set()

    @asynccontextmanager
    async def hold(self, urgent: bool) -> AsyncIterator[None]:
        if urgent:
            self._urgent_waiting += 1
            self._clear.clear()
            try:
                await self._lock.acquire()
            finally:
                self._urgent_waiting -= 1
                if not self._urgent_waiting:
                    self._clear.set()
        else:
            while True:
                await self._clear.wait()
                await self._lock.acquire()
                if not self._urgent_waiting:
                    break
                self._lock.release()
        try:
            yield
        finally:
            self._lock.release()


def _sequence_name(scope: str) -> str:
    if not re.fullmatch(r"[A-Z0-9-]{1,16}", scope):
        raise ValueError(f"bad sequence scope {scope!r}")
    return "incident_seq_" + scope.lower().replace("-", "_")


@dataclass(frozen=True)
class Loaded:
    incident: Incident
    version: int
    audit_head: str
    audit_seq: int


class Store:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = PriorityLock() if self.is_sqlite else None
        self._sequences: set[str] = set()

    @classmethod
    def open(cls, url: str, **kw: Any) -> Store:
        return cls(make_engine(url, **kw))

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def tx(self, urgent: bool = True) -> AsyncIterator[Tx]:
        """One transaction. On SQLite, writers of this process queue on a lock first, urgent ones
        (events, pages) ahead of background work (channel posts, updates)."""
        if self._write_lock is not None:
            async with self._write_lock.hold(urgent), self.engine.begin() as conn:
                yield Tx(conn, self.is_sqlite)
        else:
            async with self.engine.begin() as conn:
                yield Tx(conn, self.is_sqlite)

    @asynccontextmanager
    async def single(self, urgent: bool = True) -> AsyncIterator[Tx]:
        """For ONE statement that is atomic on its own (settling a message): without BEGIN and COMMIT
        (autocommit: one round trip instead of three); on SQLite under the process's write lock, as in
        :meth:`tx` (the statement is its own implicit transaction)."""
        if self._write_lock is not None:
            async with self._write_lock.hold(urgent), self.engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                yield Tx(conn, True)
            return
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield Tx(conn, False)

    async def ensure_sequence(self, scope: str) -> None:
        """PostgreSQL numbers incidents from a sequence per scope ("2026", "DRILL-2026"): no row lock
        is held while a report is being stored, so concurrent reports do not queue on one row.
        Created once, continuing from any number already handed out."""
        if self.is_sqlite or scope in self._sequences:
            return
        name = _sequence_name(scope)
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            exists = (await conn.execute(text("SELECT to_regclass(:n)"), {"n": name})).scalar()
            if exists is None:
                start = (await conn.execute(select(SEQ.c.last).where(SEQ.c.scope == scope))).scalar() or 0
                try:
                    await conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(start) + 1}"))
                except (IntegrityError, ProgrammingError):
                    pass  # another replica created it at the same moment
        self._sequences.add(scope)

    async def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log back into the database file (PASSIVE: writers are not held
        up), on aiosqlite's thread — the loop goes on meanwhile (``storage.sqlite_driver``). Each tick
        does it; SQLite's own checkpoint at commit is off, as it would run on the loop's thread."""
        if not self.is_sqlite:
            return
        async with self.engine.connect() as conn:
            adapted = (await conn.get_raw_connection()).dbapi_connection
            if isinstance(adapted, OneHopConnection):  # another driver checkpoints at commit (make_engine)
                await sqlite_driver.checkpoint(adapted)

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(select(1))
        return True


class Tx(QueueOps, PageLogOps, AwayOps, LedgerOps):
    """One transaction's operations: dedup, incidents, audit (timers and outbox: QueueOps)."""

    def __init__(self, conn: AsyncConnection, is_sqlite: bool):
        self.conn = conn
        self.is_sqlite = is_sqlite

    # ---- inbound dedup -------------------------------------------------------------------------
    async def first_time(self, key: str, now: datetime) -> bool:
        """Record an inbound delivery key; False if it was seen before (a platform retry)."""
        stmt = _FIRST_TIME["sqlite" if self.is_sqlite else "postgresql"]
        res = await self.conn.execute(stmt, {"key": key[:256], "at": now})
        return res.rowcount == 1

    async def once(self, key: str, now: datetime, within: timedelta) -> bool:
        """Claim ``key`` for ``within``: True for the first claim, and again once the last claim is
        older than ``within``; False meanwhile — on every replica (the row is shared and the claim
        atomic: an insert, else a conditional update)."""
        if await self.first_time(key, now):
            return True
        res = await self.conn.execute(SEEN.update().where(SEEN.c.key == key[:256], SEEN.c.at < now - within).values(at=now))
        return res.rowcount == 1

    async def seen(self, key: str) -> bool:
        """Was this delivery key recorded (a used acknowledge link, say)?"""
        return (await self.conn.execute(select(SEEN.c.key).where(SEEN.c.key == key[:256]))).first() is not None

    async def forget_seen(self, before: datetime) -> int:
        """Drop the delivery keys recorded before ``before`` (past every platform's retry window)."""
        res = await self.conn.execute(SEEN.delete().where(SEEN.c.at < before))
        return int(res.rowcount or 0)

    # ---- incidents -----------------------------------------------------------------------------
    async def load(self, incident_id: str, lock: bool = False) -> Loaded | None:
        """The incident; ``lock`` holds its row until commit (PostgreSQL), so concurrent events on one
        incident queue instead of conflicting. The version check in :meth:`save` stays the guard."""
        stmt = _LOAD_LOCKED if lock and not self.is_sqlite else _LOAD
        row = (await self.conn.execute(stmt, {"incident": incident_id})).mappings().first()
        if row is None:
            return None
        return Loaded(serde.load(Incident, row["data"]), row["version"], row["audit_head"], row["audit_seq"])

    async def next_seq(self, scope: str) -> int:
        """The next incident number in ``scope`` (PostgreSQL: call Store.ensure_sequence first)."""
        if not self.is_sqlite:
            return int((await self.conn.execute(_nextval(scope))).scalar_one())
        got = (await self.conn.execute(_NEXT_SEQ_SQLITE, {"b_scope": scope})).scalar()
        if got is None:
            await self.conn.execute(_NEW_SEQ_SQLITE, {"scope": scope, "last": 0})
            got = (await self.conn.execute(_NEXT_SEQ_SQLITE, {"b_scope": scope})).scalar()
        return int(got)

    async def save(self, inc: Incident, loaded: Loaded | None, head: str, seq: int, data: Any = None) -> bool:
        """Insert or update (optimistic: the version must still be the one loaded); ``data``: ``inc``
        serialised already (``serde.dump``, or :func:`encoded`: stored as it is), if the caller has it."""
        data = serde.dump(inc) if data is None else data
        if loaded is None:
            row = {"id": inc.id, "platform": inc.platform, "status": inc.status, "drill": inc.drill, "created_at": inc.created_at,
                   "data": data, "audit_head": head, "audit_seq": seq, "version": 1}  # fmt: skip
            await self.conn.execute(_INSERT_INCIDENT, row)
            return True
        params = {"incident": inc.id, "loaded_version": loaded.version, "v_status": inc.status, "v_data": data, "v_head": head,
                  "v_seq": seq, "v_version": loaded.version + 1}  # fmt: skip
        res = await self.conn.execute(_UPDATE_INCIDENT, params)
        return res.rowcount == 1

    async def summaries(self, limit: int = 200) -> list[IncidentSummary]:
        rows = (await self.conn.execute(select(INC.c.data).order_by(INC.c.created_at.desc()).limit(limit))).scalars()
        out = []
        for data in rows:
            inc = serde.load(Incident, data)
            out.append(IncidentSummary(inc.id, inc.status, inc.severity, inc.created_at,
                                       inc.escalation.status == "acked", len(inc.open_required()), inc.drill, inc))  # fmt: skip
        return out

    # ---- audit ---------------------------------------------------------------------------------
    async def append_audit(
        self, stream: str, prev: str, seq: int, at: datetime, actor: str, entries: list[tuple[str, Any]], *, key: bytes, state: str
    ) -> tuple[str, int]:
        """Append entries (action, detail) to one incident's keyed chain, each covering ``state`` (the
        digest of the incident's row as it will be saved); returns the new (head, seq)."""
        at = at.astimezone(UTC)
        rows = []
        for action, detail in entries:
            detail = json.loads(json.dumps(detail, ensure_ascii=False, default=str))
            seq += 1
            digest = audit.entry_mac(key, stream, seq, at, actor, action, detail, prev, state)
            rows.append({"stream": stream, "seq": seq, "at": at, "actor": actor, "action": action, "detail": detail,
                         "prev_hash": prev, "hash": digest, "alg": audit.KEYED, "state": state})  # fmt: skip
            prev = digest
        if rows:
            await self.conn.execute(_INSERT_AUDIT, rows)
        return prev, seq

    # ---- audit read ------------------------------------------------------------------------------
    async def audit_rows(self, stream: str | None = None) -> list[dict[str, Any]]:
        stmt = select(AUD).order_by(AUD.c.stream, AUD.c.seq)
        if stream:
            stmt = stmt.where(AUD.c.stream == stream)
        return [dict(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def audit_heads(self) -> dict[str, tuple[str, int]]:
        rows = await self.conn.execute(select(INC.c.id, INC.c.audit_head, INC.c.audit_seq))
        return {r[0]: (r[1], r[2]) for r in rows}

    async def audit_incidents(self) -> dict[str, audit.Stored]:
        """Every incident's chain head and count, and the digest of its stored state."""
        cols = (INC.c.id, INC.c.platform, INC.c.status, INC.c.drill, INC.c.created_at, INC.c.data, INC.c.audit_head, INC.c.audit_seq)
        rows = (await self.conn.execute(select(*cols))).mappings()
        return {r["id"]: audit.Stored(r["audit_head"], r["audit_seq"], audit.state_digest(dict(r))) for r in rows}

    async def row_ids(self) -> tuple[set[int], set[int]]:
        """The ids of every timer row and every outbox row."""
        timers = set((await self.conn.execute(select(TIMER.c.id))).scalars())
        return timers, set((await self.conn.execute(select(OUT.c.id))).scalars())


_NEXTVAL: dict[str, Any] = {}


def _nextval(scope: str) -> Any:
    """``SELECT nextval(…)`` of ``scope``'s sequence (PostgreSQL), built once per scope."""
    stmt = _NEXTVAL.get(scope)
    if stmt is None:
        stmt = _NEXTVAL[scope] = text(f"SELECT nextval('{_sequence_name(scope)}')")
    return stmt


def encoded(data: Any) -> audit.Encoded:
    """An incident serialised (``serde.dump``) as the JSON text that is both stored (:meth:`Tx.save`)
    and digested (:func:`incident_state`): the incident is encoded once per event."""
    return audit.Encoded(audit.canonical(data).decode())


def incident_state(inc: Incident, data: Any = None) -> str:
    """The digest :func:`storage.audit.state_digest` will find for ``inc`` once :meth:`Tx.save` stored it;
    ``data``: ``inc`` serialised already (``serde.dump``, or :func:`encoded`), if the caller has it.
    ``serde.dump`` gives what the JSON column gives back (string keys, lists, no other types)."""
    data = serde.dump(inc) if data is None else data
    row = {"id": inc.id, "platform": inc.platform, "status": inc.status, "drill": inc.drill, "created_at": inc.created_at.astimezone(UTC)}
    if isinstance(data, audit.Encoded):
        return audit.state_digest(row, data)
    return audit.state_digest(row | {"data": data})


__all__ = [
    "LEDGER",
    "LEDGER_HEAD",
    "OUT",
    "TIMER",
    "UNSEALED",
    "Claimed",
    "IntegrityError",
    "Loaded",
    "Store",
    "Tx",
    "encoded",
    "incident_state",
    "make_engine",
]
