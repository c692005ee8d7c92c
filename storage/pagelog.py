"""The recent-paging log (table ``page_log``): what flood control counts (``flows.coalesce``).
Mixed into :class:`storage.store.Tx`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.model import PageMark
from storage.tables import PageLogRow, table_of

LOG = table_of(PageLogRow)
KEEP = timedelta(days=1)  # rows older than this are pruned as new ones are written
_LOCK = 0x6D796E61_70616765  # PostgreSQL advisory lock id ("mynapage"): one paging decision at a time
# read and written by every paging decision: built once (see storage.queue)
_TAKE_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_SINCE = (
    select(LOG.c.kind, LOG.c.who, LOG.c.at, LOG.c.incident_id, LOG.c.tag, LOG.c.name)
    .where(LOG.c.at > bindparam("since"))
    .order_by(LOG.c.id)
)
_PRUNE = delete(LOG).where(LOG.c.at < bindparam("before"))
_ADD = insert(LOG)


class PageLogOps:
    conn: AsyncConnection
    is_sqlite: bool

    async def recent_marks(self, since: datetime, *, lock: bool = True) -> tuple[PageMark, ...]:
        """The log since ``since``, oldest first. ``lock``: first wait for every other transaction that
        read the log to paging people to commit (PostgreSQL; SQLite writers are serialised anyway), so
        two replicas never both send a person's sixth page or both start their digest."""
        if lock and not self.is_sqlite:
            await self.conn.execute(_TAKE_LOCK, {"k": _LOCK})
        rows = await self.conn.execute(_SINCE, {"since": since})
        return tuple(PageMark(r.kind, r.who, r.at, r.incident_id, r.tag, r.name) for r in rows)

    async def add_marks(self, marks: list[dict[str, Any]], now: datetime) -> None:
        """Record marks (dicts of the table's columns) and drop the rows nobody will count again."""
        if not marks:
            return
        await self.conn.execute(_PRUNE, {"before": now - KEEP})
        await self.conn.execute(_ADD, marks)
