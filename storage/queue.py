"""The two queues that make "nothing lost, nothing twice" work: timer rows and outbox rows.

A row is claimed with a conditional ``UPDATE … RETURNING`` (on PostgreSQL over ``SELECT … FOR UPDATE
SKIP LOCKED``), so replicas never take the same row; it is settled only by its claimant; a claim whose
lease ran out (a crashed process) is taken over. Mixed into :class:`storage.store.Tx`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core import serde
from bot.core.model import Incident
from storage.tables import IncidentRow, OutboxRow, TimerRow, table_of

TIMER, OUT, INCIDENT = table_of(TimerRow), table_of(OutboxRow), table_of(IncidentRow)
# How long a claimed timer or message is its claimant's own; after a crash, others take over then.
LEASE = timedelta(seconds=float(os.environ.get("MYNALEAK_LEASE_SECONDS", "60")))

# The statements of the hot paths (a report, a delivery, a tick), built once with bound parameters:
# SQLAlchemy neither rebuilds them nor regenerates their cache keys on every call (the compiled
# form is cached by that key). Keyed by dialect where they differ: "sqlite" or "postgresql".
_ADD_TIMERS = {
    "sqlite": sqlite_insert(TIMER).on_conflict_do_nothing().returning(TIMER.c.id),
    "postgresql": pg_insert(TIMER)
    .on_conflict_do_nothing(index_elements=["incident_id", "kind", "key"], index_where=text("status = 'pending'"))
    .returning(TIMER.c.id),
}
_ADD_MESSAGES = {  # executemany: compiled once
    "sqlite": sqlite_insert(OUT).on_conflict_do_nothing().returning(OUT.c.id, OUT.c.idem_key),
    "postgresql": pg_insert(OUT).on_conflict_do_nothing().returning(OUT.c.id, OUT.c.idem_key),
}
_MINE = (TIMER.c.id == bindparam("timer_id"), TIMER.c.claimed_by == bindparam("me"), TIMER.c.status == "running")
_FINISH_TIMER = update(TIMER).where(*_MINE).values(status=bindparam("to"))
_RELEASE_TIMER = update(TIMER).where(*_MINE).values(status="pending", claimed_by=None)
_TIMER_DUE = or_(
    and_(TIMER.c.status == "pending", TIMER.c.due_at <= bindparam("now")),
    and_(TIMER.c.status == "running", TIMER.c.lease_until < bindparam("now")),
)
_CLAIM_TIMERS = (
    update(TIMER)
    .where(
        TIMER.c.id.in_(
            select(TIMER.c.id)
            .where(_TIMER_DUE)
            .order_by(TIMER.c.due_at)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        ),
        _TIMER_DUE,
    )
    .values(status="running", claimed_by=bindparam("me"), lease_until=bindparam("lease"), attempts=TIMER.c.attempts + 1)
    .returning(TIMER.c.id, TIMER.c.incident_id, TIMER.c.kind, TIMER.c.key, TIMER.c.payload, TIMER.c.attempts, TIMER.c.due_at)
)
_CANCEL_TIMERS = update(TIMER).where(TIMER.c.incident_id == bindparam("incident"), TIMER.c.status == "pending").values(status="cancelled")
_CANCEL_TIMER_KINDS = _CANCEL_TIMERS.where(TIMER.c.kind.in_(bindparam("kinds", expanding=True)))
_OUT_READY = or_(
    and_(OUT.c.status == "pending", OUT.c.next_attempt_at <= bindparam("now")),
    and_(OUT.c.status == "sending", OUT.c.lease_until < bindparam("now")),
)
_CLAIMED_COLUMNS = (OUT.c.id, OUT.c.incident_id, OUT.c.kind, OUT.c.idem_key, OUT.c.payload, OUT.c.tag, OUT.c.platform, OUT.c.attempts)


def _claim_messages(by_ids: bool, by_kinds: bool) -> Any:
    pick = select(OUT.c.id).where(_OUT_READY)
    if by_ids:
        pick = pick.where(OUT.c.id.in_(bindparam("ids", expanding=True)))
    if by_kinds:
        pick = pick.where(OUT.c.kind.in_(bindparam("kinds", expanding=True)))
    pick = pick.order_by(OUT.c.id).limit(bindparam("limit")).with_for_update(skip_locked=True)
    return (
        update(OUT)
        .where(OUT.c.id.in_(pick.scalar_subquery()), _OUT_READY)
        .values(status="sending", claimed_by=bindparam("me"), lease_until=bindparam("lease"))
        .returning(*_CLAIMED_COLUMNS)
    )


_CLAIM_MESSAGES = {(i, k): _claim_messages(i, k) for i in (False, True) for k in (False, True)}
_TARGETS = (
    select(OUT.c.incident_id, OUT.c.tag, OUT.c.status, OUT.c.result_ref)
    .where(
        OUT.c.incident_id.in_(bindparam("incidents", expanding=True)),
        OUT.c.tag.in_(bindparam("tags", expanding=True)),
        OUT.c.kind.in_(("notify", "post")),
    )
    .order_by(OUT.c.id)
)
_NEWEST_UPDATES = (
    select(OUT.c.incident_id, OUT.c.tag, func.max(OUT.c.id))
    .where(
        OUT.c.incident_id.in_(bindparam("incidents", expanding=True)),
        OUT.c.kind == "update",
        OUT.c.tag.in_(bindparam("tags", expanding=True)),
        OUT.c.status.in_(("pending", "sending", "sent")),
    )
    .group_by(OUT.c.incident_id, OUT.c.tag)
)
# settling a message: one statement per set of columns written (a few shapes; see settle_message)
_SETTLE: dict[frozenset[str], Any] = {}


def _settle(columns: frozenset[str]) -> Any:
    stmt = _SETTLE.get(columns)
    if stmt is None:
        stmt = (
            update(OUT)
            .where(OUT.c.id == bindparam("msg_id"), OUT.c.claimed_by == bindparam("me"), OUT.c.status == "sending")
            .values({"claimed_by": None} | {c: bindparam(f"v_{c}") for c in sorted(columns)})
        )
        _SETTLE[columns] = stmt
    return stmt


@dataclass(frozen=True)
class Claimed:
    id: int
    incident_id: str | None
    kind: str
    key: str
    payload: dict[str, Any]
    tag: str = ""
    platform: str = ""
    attempts: int = 0
    due_at: datetime | None = None


class QueueOps:
    conn: AsyncConnection
    is_sqlite: bool

    def _insert(self, table: Any) -> Any:
        return sqlite_insert(table) if self.is_sqlite else pg_insert(table)

    # ---- timers --------------------------------------------------------------------------------
    async def add_timers(self, timers: list[dict[str, Any]]) -> list[int]:
        """At most one pending timer per (incident, kind, key): a repeat is silently the same timer.
        Returns the ids of the rows created."""
        if not timers:
            return []
        stmt = _ADD_TIMERS["sqlite" if self.is_sqlite else "postgresql"]
        res = await self.conn.execute(stmt, [{**t, "status": "pending", "attempts": 0} for t in timers])
        return sorted(int(i) for i in res.scalars())

    async def cancel_timers(self, incident_id: str, kinds: tuple[str, ...]) -> None:
        if kinds:
            await self.conn.execute(_CANCEL_TIMER_KINDS, {"incident": incident_id, "kinds": list(kinds)})
        else:
            await self.conn.execute(_CANCEL_TIMERS, {"incident": incident_id})

    async def claim_timers(self, me: str, now: datetime, limit: int) -> list[Claimed]:
        params = {"now": now, "limit": limit, "me": me, "lease": now + LEASE}
        rows = (await self.conn.execute(_CLAIM_TIMERS, params)).mappings().all()
        return [
            Claimed(r["id"], r["incident_id"], r["kind"], r["key"], r["payload"], attempts=r["attempts"], due_at=r["due_at"]) for r in rows
        ]

    async def finish_timer(self, timer_id: int, me: str, status: str = "done") -> bool:
        return (await self.conn.execute(_FINISH_TIMER, {"timer_id": timer_id, "me": me, "to": status})).rowcount == 1

    async def count_timers(self, status: str = "pending") -> int:
        return int((await self.conn.execute(select(func.count()).select_from(TIMER).where(TIMER.c.status == status))).scalar() or 0)

    async def release_timer(self, timer_id: int, me: str) -> None:
        """Give a claimed timer back (the flow could not run now; it is retried on the next tick)."""
        await self.conn.execute(_RELEASE_TIMER, {"timer_id": timer_id, "me": me})

    async def release_claims(self, me: str) -> tuple[int, int]:
        """Give back every timer and message ``me`` still holds (a graceful shutdown, once nothing of
        this process is under way): others take them at once instead of after the lease. Returns how
        many timers and messages were released."""
        timers = await self.conn.execute(
            update(TIMER)
            .where(TIMER.c.claimed_by == me, TIMER.c.status == "running")
            .values(status="pending", claimed_by=None, lease_until=None)
        )
        messages = await self.conn.execute(
            update(OUT).where(OUT.c.claimed_by == me, OUT.c.status == "sending").values(status="pending", claimed_by=None, lease_until=None)
        )
        return int(timers.rowcount or 0), int(messages.rowcount or 0)

    # ---- the watchdog's questions (bot/watchdog.py) ------------------------------------------------
    async def overdue_timers(self, due_before: datetime, now: datetime, limit: int = 100) -> list[Claimed]:
        """Timers due before ``due_before`` that nobody is firing: still pending, or claimed by a
        process whose lease ran out."""
        late = or_(TIMER.c.status == "pending", and_(TIMER.c.status == "running", TIMER.c.lease_until < now))
        rows = await self.conn.execute(
            select(TIMER.c.id, TIMER.c.incident_id, TIMER.c.kind, TIMER.c.key, TIMER.c.attempts, TIMER.c.due_at)
            .where(TIMER.c.due_at < due_before, late)
            .order_by(TIMER.c.due_at)
            .limit(limit)
        )
        return [Claimed(r.id, r.incident_id, r.kind, r.key, {}, attempts=r.attempts, due_at=r.due_at) for r in rows]

    async def paging_without_timer(self, kind: str) -> list[Incident]:
        """Open incidents whose escalation is paging (not acknowledged, not exhausted) with no timer
        of ``kind`` pending or being fired: a chain that would never page its next step. One
        statement, so an event committing meanwhile cannot make a healthy chain look stalled."""
        armed = exists().where(TIMER.c.incident_id == INCIDENT.c.id, TIMER.c.kind == kind, TIMER.c.status.in_(("pending", "running")))
        rows = await self.conn.execute(select(INCIDENT.c.data).where(INCIDENT.c.status == "open", ~armed))
        found = [serde.load(Incident, data) for data in rows.scalars()]
        return [inc for inc in found if inc.escalation.status == "paging" and inc.escalation.chain]

    # ---- outbox --------------------------------------------------------------------------------
    async def add_messages(self, rows: list[dict[str, Any]], now: datetime, me: str, claim: tuple[str, ...] = ()) -> list[Claimed]:
        """Queue messages in one statement; a row whose idempotency key exists already is skipped.
        Rows of the kinds in ``claim`` are created already claimed by ``me`` (sent right after commit;
        if this process dies first, the lease runs out and the ticker sends them)."""
        if not rows:
            return []
        values = []
        for r in rows:
            mine = r["kind"] in claim
            values.append({**r, "status": "sending" if mine else "pending", "claimed_by": me if mine else None,
                           "lease_until": now + LEASE if mine else None, "next_attempt_at": now, "created_at": now, "attempts": 0})  # fmt: skip
        stmt = _ADD_MESSAGES["sqlite" if self.is_sqlite else "postgresql"]
        ids = {key: int(i) for i, key in (await self.conn.execute(stmt, values)).all()}
        out = [Claimed(ids[r["idem_key"]], r["incident_id"], r["kind"], r["idem_key"], r["payload"], r["tag"], r["platform"], 0)
               for r in rows if r["idem_key"] in ids]  # fmt: skip
        return sorted(out, key=lambda c: c.id)

    async def cancel_messages(self, incident_id: str, prefix: str) -> None:
        await self.conn.execute(
            update(OUT)
            .where(
                OUT.c.incident_id == incident_id,
                OUT.c.status == "pending",
                OUT.c.tag.startswith(prefix, autoescape=True),
                OUT.c.kind != "update",
            )
            .values(status="cancelled")
        )

    async def requeue_messages(self, incident_id: str, now: datetime) -> list[Claimed]:
        """Make the incident's channel messages not delivered yet (posts and updates waiting for a retry,
        or given up) due now, their backoff started afresh; returns them (``/mynaleak repost``). A row
        being sent right now is left to its claimant."""
        stmt = (
            update(OUT)
            .where(OUT.c.incident_id == incident_id, OUT.c.kind.in_(("post", "update")), OUT.c.status.in_(("pending", "failed")))
            .values(status="pending", next_attempt_at=now, attempts=0, claimed_by=None)
            .returning(OUT.c.id, OUT.c.incident_id, OUT.c.kind, OUT.c.idem_key, OUT.c.payload, OUT.c.tag, OUT.c.platform)
        )
        rows = (await self.conn.execute(stmt)).mappings().all()
        out = [Claimed(r["id"], r["incident_id"], r["kind"], r["idem_key"], r["payload"], r["tag"], r["platform"], 0) for r in rows]
        return sorted(out, key=lambda c: c.id)

    async def retry_time(self, incident_id: str, tag: str) -> datetime | None:
        """When the latest message that created ``tag`` is next tried, if it is waiting for a retry."""
        stmt = (
            select(OUT.c.next_attempt_at)
            .where(OUT.c.incident_id == incident_id, OUT.c.tag == tag, OUT.c.kind.in_(("notify", "post")), OUT.c.status == "pending")
            .order_by(OUT.c.id.desc())
            .limit(1)
        )
        return (await self.conn.execute(stmt)).scalar()

    async def claim_messages(self, me: str, now: datetime, limit: int, ids: list[int] | None = None,
                             kinds: tuple[str, ...] | None = None) -> list[Claimed]:  # fmt: skip
        params: dict[str, Any] = {"now": now, "limit": limit, "me": me, "lease": now + LEASE}
        if ids is not None:
            params["ids"] = list(ids)
        if kinds is not None:
            params["kinds"] = list(kinds)
        rows = (await self.conn.execute(_CLAIM_MESSAGES[(ids is not None, kinds is not None)], params)).mappings().all()
        out = [
            Claimed(r["id"], r["incident_id"], r["kind"], r["idem_key"], r["payload"], r["tag"], r["platform"], r["attempts"]) for r in rows
        ]
        return sorted(out, key=lambda c: c.id)

    async def targets(
        self, claimed: list[Claimed], extra: frozenset[str] = frozenset()
    ) -> tuple[dict[tuple[str, str], tuple[str, str | None]], set[int]]:
        """For a claimed batch: the latest (status, platform reference) of every message that created a
        tag the batch refers to (and of the ``extra`` tags: what a page links to), and the ids of
        updates superseded by a newer update of the same tag."""
        incidents = {c.incident_id for c in claimed if c.incident_id}
        if not incidents:
            return {}, set()
        tags = {c.tag for c in claimed if c.kind == "update"} | {c.payload.get("thread_of") or "" for c in claimed if c.kind == "post"}
        tags |= extra
        tags.discard("")
        found: dict[tuple[str, str], tuple[str, str | None]] = {}
        if tags:
            rows = await self.conn.execute(_TARGETS, {"incidents": sorted(incidents), "tags": sorted(tags)})
            for inc, tag, status, ref in rows:
                found[(inc, tag)] = (status, ref)  # the latest wins
        superseded: set[int] = set()
        updates = [c for c in claimed if c.kind == "update"]
        if updates:
            newest = await self.conn.execute(_NEWEST_UPDATES, {"incidents": sorted(incidents), "tags": sorted({c.tag for c in updates})})
            latest = {(inc, tag): top for inc, tag, top in newest}
            superseded = {c.id for c in updates if latest.get((c.incident_id, c.tag), c.id) > c.id}
        return found, superseded

    async def settle_message(self, msg_id: int, me: str, status: str, now: datetime, *, ref: str | None = None,
                             error: str | None = None, retry_at: datetime | None = None, attempts: int | None = None) -> bool:  # fmt: skip
        values: dict[str, Any] = {"status": status}
        if status == "sent":
            values.update(result_ref=ref, sent_at=now)
        if error is not None:
            values["last_error"] = error[:2000]
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        if attempts is not None:
            values["attempts"] = attempts
        params = {f"v_{c}": v for c, v in values.items()} | {"msg_id": msg_id, "me": me}
        return (await self.conn.execute(_settle(frozenset(values)), params)).rowcount == 1

    async def backlog(self) -> int:
        stmt = select(func.count()).select_from(OUT).where(OUT.c.status.in_(("pending", "sending")))
        return int((await self.conn.execute(stmt)).scalar() or 0)
