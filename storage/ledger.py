"""The audit ledger (``storage.audit``), sealed after commit.

An event's transaction writes its incident's entries (the per-incident chain) and queues the new chain
head in ``audit_unsealed``; it never touches the ledger's head row, so events do not queue on it. The
sealer (``bot.sealer``: right after each commit, one at a time per process, and every tick) moves every
queued head into the ledger in one short transaction that holds the head row: many events' heads per
transaction, in the order they committed per incident. ``mynaleak audit verify`` accepts a head that is
still queued while it is young (``SEAL_GRACE``) and reports it after. Mixed into :class:`storage.store.Tx`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import audit
from storage.tables import AuditLedger, AuditLedgerHead, AuditUnsealed, table_of

LEDGER, LEDGER_HEAD, UNSEALED = table_of(AuditLedger), table_of(AuditLedgerHead), table_of(AuditUnsealed)
SEAL_GRACE = timedelta(minutes=1)  # a head queued for longer than this is reported by `audit verify`
SEAL_BATCH = 500  # heads sealed per transaction at most
# built once with bound parameters (see storage.queue)
_QUEUE = insert(UNSEALED)
_HEAD = select(LEDGER_HEAD.c.seq, LEDGER_HEAD.c.mac).where(LEDGER_HEAD.c.id == 1)
_HEAD_LOCKED = _HEAD.with_for_update()
_QUEUED = select(UNSEALED).order_by(UNSEALED.c.id).limit(bindparam("limit"))
_APPEND = insert(LEDGER)
_MOVE_HEAD = update(LEDGER_HEAD).where(LEDGER_HEAD.c.id == 1).values(seq=bindparam("v_seq"), mac=bindparam("v_mac"))
_SEALED = delete(UNSEALED).where(UNSEALED.c.id.in_(bindparam("ids", expanding=True)))


class LedgerOps:
    conn: AsyncConnection
    is_sqlite: bool

    async def queue_seal(self, stream: str, seq: int, entry: str, at: datetime) -> None:
        """Queue an incident's new chain head for the ledger (the sealer moves it after commit)."""
        await self.conn.execute(_QUEUE, {"stream": stream, "seq": seq, "entry": entry, "at": at.astimezone(UTC)})

    async def seal(self, key: bytes, limit: int = SEAL_BATCH) -> int:
        """Append the queued heads (oldest first) to the ledger, under the head row's lock; returns how
        many. An incident's heads are queued in its commit order (its row is locked by each change)."""
        head = (await self.conn.execute(_HEAD_LOCKED)).first()
        if head is None:
            raise RuntimeError("the audit ledger has no head row: run `mynaleak migrate`")
        queued = (await self.conn.execute(_QUEUED, {"limit": limit})).mappings().all()
        if not queued:
            return 0
        gseq, prev = int(head[0]), str(head[1])
        rows: list[dict[str, Any]] = []
        for q in queued:
            gseq += 1
            mac = audit.ledger_mac(key, gseq, q["stream"], q["seq"], q["entry"], q["at"], prev)
            rows.append(
                {"gseq": gseq, "stream": q["stream"], "seq": q["seq"], "entry": q["entry"], "at": q["at"], "prev": prev, "mac": mac}
            )
            prev = mac
        await self.conn.execute(_APPEND, rows)
        await self.conn.execute(_MOVE_HEAD, {"v_seq": gseq, "v_mac": prev})
        await self.conn.execute(_SEALED, {"ids": [q["id"] for q in queued]})
        return len(queued)

    async def unsealed(self) -> list[dict[str, Any]]:
        """The heads still waiting for the ledger, oldest first."""
        return [dict(r) for r in (await self.conn.execute(select(UNSEALED).order_by(UNSEALED.c.id))).mappings()]

    async def ledger(self) -> tuple[list[dict[str, Any]], tuple[int, str]]:
        """The ledger's rows in order and its head row's (seq, mac)."""
        rows = [dict(r) for r in (await self.conn.execute(select(LEDGER).order_by(LEDGER.c.gseq))).mappings()]
        return rows, await self.ledger_head()

    async def ledger_head(self) -> tuple[int, str]:
        head = (await self.conn.execute(_HEAD)).first()
        return (int(head[0]), str(head[1])) if head else (0, audit.GENESIS)
