"""The playground's chat log: the playground *is* the platform, so the messages it shows live here
(one table, ``playground_message``, created by migration 0002). A message is addressed by its
``key`` (the ``MessageRef`` key the bot stores), so updates and thread replies work on any replica
and after a restart.

Visibility: a message in a channel is seen by everyone, a message in ``dm:<persona>`` by that
persona; ``audience`` narrows either to one persona (private replies, forms).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, and_, or_, select, update

from bot.core.platform import StoredMessage
from storage.store import Store
from storage.tables import UTCDateTime, metadata

MESSAGE = Table(
    "playground_message",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("key", String(32), nullable=False),
    Column("place", String(160), nullable=False),
    Column("thread", String(32), nullable=True),
    Column("audience", String(64), nullable=True),
    Column("kind", String(16), nullable=False),  # card | text | form
    Column("author", String(64), nullable=False),  # "bot" or a persona id
    Column("body", JSON, nullable=False),
    Column("status", String(16), nullable=False, default="shown"),  # shown | closed (forms)
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("uq_playground_message_key", "key", unique=True),
    Index("ix_playground_message_place", "place", "id"),
)


def _row(r: Any) -> StoredMessage:
    return StoredMessage(**{k: r[k] for k in StoredMessage.__dataclass_fields__})


class PlaygroundStore:
    """:class:`bot.core.platform.Transcript` on the application's store. Reads and writes of the chat log, on the application's store (its engine and write lock)."""

    def __init__(self, store: Store):
        self.store = store

    async def add(self, *, place: str, kind: str, author: str, body: dict[str, Any], now: datetime,
                  thread: str | None = None, audience: str | None = None) -> StoredMessage:  # fmt: skip
        key = uuid.uuid4().hex[:20]
        values: dict[str, Any] = {"key": key, "place": place, "thread": thread, "audience": audience, "kind": kind, "author": author,
                  "body": body, "status": "shown", "version": 1, "created_at": now, "updated_at": now}  # fmt: skip
        async with self.store.tx() as tx:
            res = await tx.conn.execute(MESSAGE.insert().values(**values).returning(MESSAGE.c.id))
            new_id = int(res.scalar_one())
        return StoredMessage(id=new_id, **values)

    async def get(self, key: str) -> StoredMessage | None:
        async with self.store.engine.connect() as conn:
            r = (await conn.execute(select(MESSAGE).where(MESSAGE.c.key == key))).mappings().first()
        return _row(r) if r else None

    async def replace(self, key: str, body: dict[str, Any], now: datetime, *, status: str | None = None) -> StoredMessage | None:
        """New content for a message (its version goes up); ``None`` if there is no such message."""
        values: dict[str, Any] = {"body": body, "updated_at": now, "version": MESSAGE.c.version + 1}
        if status is not None:
            values["status"] = status
        async with self.store.tx() as tx:
            res = await tx.conn.execute(update(MESSAGE).where(MESSAGE.c.key == key).values(**values))
            if res.rowcount != 1:
                return None
            r = (await tx.conn.execute(select(MESSAGE).where(MESSAGE.c.key == key))).mappings().first()
        return _row(r)

    async def close_form(self, key: str, now: datetime) -> StoredMessage | None:
        async with self.store.tx() as tx:
            await tx.conn.execute(
                update(MESSAGE).where(and_(MESSAGE.c.key == key, MESSAGE.c.kind == "form")).values(status="closed", updated_at=now)
            )
            r = (await tx.conn.execute(select(MESSAGE).where(MESSAGE.c.key == key))).mappings().first()
        return _row(r) if r else None

    async def visible(self, persona: str, limit: int = 1000) -> list[StoredMessage]:
        """What ``persona`` sees: every channel, their own DM; private messages only if theirs. Oldest
        first; the newest ``limit``."""
        cond = and_(
            or_(MESSAGE.c.place == f"dm:{persona}", ~MESSAGE.c.place.startswith("dm:")),
            or_(MESSAGE.c.audience.is_(None), MESSAGE.c.audience == persona),
        )
        stmt = select(MESSAGE).where(cond).order_by(MESSAGE.c.id.desc()).limit(limit)
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [_row(r) for r in reversed(rows)]
