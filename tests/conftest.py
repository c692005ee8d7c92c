"""Shared fixtures: a fresh, migrated database per test on SQLite and (when
MYNALEAK_TEST_DATABASE_URL is set, as in CI) on PostgreSQL, in its own schema."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings

from bot.core.config import SAMPLE_CONFIG, OrgConfig, normalise_db_url
from storage.migrate import upgrade
from storage.store import Store
from tests.support.orgs import load_org

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


_PG_TEMPLATE: list[str] = []  # the DDL and rows of a migrated schema, from pg_dump (computed once)
_SQLITE_TEMPLATE: list[Path] = []  # a migrated SQLite file (made once), copied for each test
_TEMPLATE_SCHEMA = "mynaleak_template_schema"  # replaced by each test's own schema name
_DROP_LATER: list[str] = []  # schemas dropped together at the end of the run (a drop per test took 0.1 s)


async def _pg_template() -> str | None:
    """The SQL that recreates a freshly migrated schema: the migrations are run once into a template
    schema and dumped (``pg_dump``, schema and rows). None where pg_dump is missing or refuses."""
    if _PG_TEMPLATE:
        return _PG_TEMPLATE[0] or None
    dump = shutil.which("pg_dump")
    sql = ""
    if dump:
        schema = f"tmpl_{uuid.uuid4().hex[:12]}"
        await _exec(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in PG_URL else "?"
        store = Store.open(normalise_db_url(PG_URL) + f"{sep}search_path={schema}")
        try:
            await upgrade(store.engine)
        finally:
            await store.close()
        dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
        args = [dump, "--dbname", dsn, "--schema", schema, "--no-owner", "--no-privileges", "--inserts"]
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        await _exec(f'DROP SCHEMA "{schema}" CASCADE')
        if proc.returncode == 0 and f"CREATE SCHEMA {schema};" in proc.stdout:
            sql = re.sub(rf"\b{schema}\b", _TEMPLATE_SCHEMA, proc.stdout)
            # the dump resets the session's search_path; the connection is closed right after anyway
            sql = "\n".join(line for line in sql.splitlines() if not line.startswith("\\"))  # psql meta-commands
    _PG_TEMPLATE.append(sql)
    return sql or None


async def _exec(sql: str) -> None:
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def migrated_pg_schema() -> tuple[str, str]:
    """A new schema on the test PostgreSQL, migrated to the newest revision: (url selecting it, name)."""
    template = await _pg_template()
    if template is None:
        url, schema = await fresh_pg_schema()
        store = Store.open(url)
        try:
            await upgrade(store.engine)
        finally:
            await store.close()
        return url, schema
    schema = f"t_{uuid.uuid4().hex[:12]}"
    await _exec(template.replace(_TEMPLATE_SCHEMA, schema))
    sep = "&" if "?" in PG_URL else "?"
    return normalise_db_url(PG_URL) + f"{sep}search_path={schema}", schema


async def migrated_sqlite(path: Path) -> str:
    """A migrated SQLite database at ``path`` (a copy of one migrated once per run)."""
    if not _SQLITE_TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="mynaleak-template-")) / "template.db"
        store = Store.open(f"sqlite+aiosqlite:///{template}")
        try:
            await upgrade(store.engine)
        finally:
            await store.close()
        _SQLITE_TEMPLATE.append(template)
    shutil.copyfile(_SQLITE_TEMPLATE[0], path)
    return f"sqlite+aiosqlite:///{path}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _DROP_LATER and PG_URL:
        asyncio.run(_drop_all(list(_DROP_LATER)))
        _DROP_LATER.clear()


async def _drop_all(schemas: list[str]) -> None:
    for n in range(0, len(schemas), 10):  # a few at a time: each drop takes a lock per object
        await _exec("; ".join(f'DROP SCHEMA IF EXISTS "{s}" CASCADE' for s in schemas[n : n + 10]))


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a fresh, migrated database."""
    if request.param == "sqlite":
        yield await migrated_sqlite(tmp_path / "test.db")
        return
    url, schema = await migrated_pg_schema()
    yield url
    _DROP_LATER.append(schema)


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
