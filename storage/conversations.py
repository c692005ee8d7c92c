"""Stored conversation references: how to reach a person or a place proactively, on any replica,
after any restart. ``ref`` is an opaque JSON object that only the platform's adapter understands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.store import Store
from storage.tables import ConversationRef, table_of

REF = table_of(ConversationRef)


class StoredReferences:
    """:class:`bot.core.platform.References` on the application's store."""

    def __init__(self, store: Store):
        self.store = store

    async def save(self, platform: str, key: str, ref: dict[str, Any], now: datetime) -> None:
        """Insert or replace the reference stored under ``(platform, key)``."""
        async with self.store.tx() as tx:
            stmt = tx._insert(REF).values(platform=platform, key=key[:256], ref=ref, updated_at=now)
            stmt = stmt.on_conflict_do_update(
                index_elements=[REF.c.platform, REF.c.key],
                set_={"ref": stmt.excluded.ref, "updated_at": stmt.excluded.updated_at},
            )
            await tx.conn.execute(stmt)

    async def load(self, platform: str, key: str) -> dict[str, Any] | None:
        """The reference stored under ``(platform, key)``, or ``None``."""
        async with self.store.tx() as tx:
            row = (await tx.conn.execute(select(REF.c.ref).where(REF.c.platform == platform, REF.c.key == key[:256]))).first()
        return dict(row[0]) if row is not None else None
