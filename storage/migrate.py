"""Alembic migrations, run programmatically (``mynaleak migrate``), and the start-up check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

HERE = Path(__file__).resolve().parent


class NotMigrated(Exception):
    """The database is missing tables or is at an older revision than this code."""

    def __init__(self, have: str | None, want: str):
        self.have, self.want = have or "none (empty)", want
        super().__init__(f"the database is at revision {self.have}, this code needs {want}: run `mynaleak migrate` first")


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database to the newest revision (idempotent)."""

    def run(conn: Any) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def current(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def require_migrated(engine: AsyncEngine) -> None:
    """Refuse to run on a database that `mynaleak migrate` has not brought up to date."""
    have, want = await current(engine), head()
    if have != want:
        raise NotMigrated(have, want)
