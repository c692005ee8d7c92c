"""Alembic environment. ``storage.migrate`` hands in a live connection; the ``alembic`` command line
runs on its own async engine from ``sqlalchemy.url``."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

import storage.playground_store  # noqa: F401 - its table is on the same metadata
from storage.tables import metadata

config = context.config


def _run(connection: Any) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _standalone() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"))
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `mynaleak migrate`")
if (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    asyncio.run(_standalone())
