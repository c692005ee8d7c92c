"""The playground's chat log: migration 0002 up and down, visibility rules, updates."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import inspect

from storage.migrate import alembic_config, current
from storage.playground_store import PlaygroundStore
from storage.store import Store
from tests.conftest import Clock


async def tables(store: Store) -> set[str]:
    async with store.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def migrate(store: Store, target: str, down: bool = False) -> None:
    def run(conn: Any) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)

    async with store.engine.begin() as conn:
        await conn.run_sync(run)


async def test_migration_0002_goes_up_and_down(store: Store) -> None:
    await migrate(store, "0002", down=True)  # from the head (0003: the audit ledger)
    assert "audit_ledger" not in await tables(store)
    assert await current(store.engine) == "0002" and "playground_message" in await tables(store)
    await migrate(store, "0001", down=True)
    assert await current(store.engine) == "0001" and "playground_message" not in await tables(store)
    await migrate(store, "head")
    assert "playground_message" in await tables(store) and "audit_ledger" in await tables(store)


async def test_who_sees_what(store: Store, clock: Clock) -> None:
    log = PlaygroundStore(store)
    now = clock()
    chan = await log.add(place="incidents", kind="card", author="bot", body={"n": 1}, now=now)
    mine = await log.add(place="incidents", kind="card", author="bot", body={"n": 2}, now=now, audience="sato", thread=chan.key)
    dm = await log.add(place="dm:sato", kind="card", author="bot", body={"n": 3}, now=now)
    other = await log.add(place="dm:suzuki", kind="card", author="bot", body={"n": 4}, now=now)
    assert [m.key for m in await log.visible("sato")] == [chan.key, mine.key, dm.key]
    assert [m.key for m in await log.visible("suzuki")] == [chan.key, other.key]
    assert [m.key for m in await log.visible("sato", limit=2)] == [mine.key, dm.key]  # the newest, oldest first
    assert all(m.visible_to("sato") for m in (chan, mine, dm)) and not other.visible_to("sato")


async def test_replace_bumps_the_version(store: Store, clock: Clock) -> None:
    log = PlaygroundStore(store)
    m = await log.add(place="incidents", kind="card", author="bot", body={"v": 1}, now=clock())
    clock.advance(minutes=1)
    new = await log.replace(m.key, {"v": 2}, clock())
    assert new is not None and (new.version, new.body, new.updated_at) == (2, {"v": 2}, clock())
    assert await log.replace("ffffffff", {"v": 3}, clock()) is None
    form = await log.add(place="dm:sato", kind="form", author="bot", body={}, now=clock(), audience="sato")
    closed = await log.close_form(form.key, clock())
    assert closed is not None and closed.status == "closed"
