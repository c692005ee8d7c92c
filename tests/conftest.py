"""Shared fixtures: a fresh, migrated database per test on SQLite and (when
MYNALEAK_TEST_DATABASE_URL is set, as in CI) on PostgreSQL, in its own schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings

from bot.core.config import SAMPLE_CONFIG, OrgConfig, load_org, normalise_db_url
from storage.migrate import upgrade
from storage.store import Store

# Property tests: `ci` (selected by .ci/run) draws the same examples on every run and keeps no
# example database, so a red build is never luck; `fuzz` (`make fuzz`) draws fresh ones, and more
# (see scaled). Every example that ever failed is pinned in its test with @example.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("fuzz", derandomize=False, print_blob=True)
if os.environ.get("HYPOTHESIS_PROFILE"):  # else pytest's --hypothesis-profile (or the default)
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def scaled(n: int) -> int:
    """``max_examples`` for a property test: ``n``, ten times as many under the ``fuzz`` profile."""
    return n * 10 if settings.get_current_profile_name() == "fuzz" else n


PG_URL = os.environ.get("MYNALEAK_TEST_DATABASE_URL", "")
ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(not PG_URL, reason="MYNALEAK_TEST_DATABASE_URL not set"))]


class Clock:
    """A controllable clock for the runtime: ``clock()`` is now; ``advance(minutes=5)`` moves it."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thu 10:00 in Tokyo

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


async def fresh_pg_schema() -> tuple[str, str]:
    """A new empty schema on the test PostgreSQL: (url selecting it, schema name)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    sep = "&" if "?" in PG_URL else "?"
    return normalise_db_url(PG_URL) + f"{sep}search_path={schema}", schema


async def drop_pg_schema(schema: str) -> None:
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a fresh, migrated database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        schema = None
    else:
        url, schema = await fresh_pg_schema()
    store = Store.open(url)
    await upgrade(store.engine)
    await store.close()
    yield url
    if schema:
        await drop_pg_schema(schema)


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    s = Store.open(db_url)
    yield s
    await s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def org() -> OrgConfig:
    return load_org(SAMPLE_CONFIG)
