"""Away periods set by command (table ``away``; ``bot.core.away``). Mixed into :class:`storage.store.Tx`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.away import Away
from storage.tables import AwayRow, table_of

AWAY = table_of(AwayRow)
KEEP = timedelta(days=30)  # periods over this long ago are pruned as new ones are written
_CURRENT = (  # read by every report and page: built once (see storage.queue)
    select(AWAY.c.person, AWAY.c.starts_at, AWAY.c.ends_at, AWAY.c.deputy, AWAY.c.set_by)
    .where(AWAY.c.ends_at > bindparam("now"))
    .order_by(AWAY.c.id)
)


class AwayOps:
    conn: AsyncConnection

    async def away_periods(self, now: datetime) -> tuple[Away, ...]:
        """The periods not over at ``now``, in the order they were set (a later one wins)."""
        rows = await self.conn.execute(_CURRENT, {"now": now})
        return tuple(Away(r.person, r.starts_at, r.ends_at, r.deputy, r.set_by) for r in rows)

    async def add_away(self, away: Away, now: datetime) -> None:
        await self.conn.execute(delete(AWAY).where(AWAY.c.ends_at < now - KEEP))
        row = {"person": away.person, "starts_at": away.start, "ends_at": away.end, "deputy": away.deputy, "set_by": away.by[:300]}
        await self.conn.execute(insert(AWAY), [row | {"created_at": now}])

    async def clear_away(self, person: str, at: datetime) -> None:
        """End ``person``'s periods at ``at``: those not begun yet are removed, the current one ends now."""
        await self.conn.execute(delete(AWAY).where(and_(AWAY.c.person == person, AWAY.c.starts_at >= at)))
        await self.conn.execute(update(AWAY).where(and_(AWAY.c.person == person, AWAY.c.ends_at > at)).values(ends_at=at))
