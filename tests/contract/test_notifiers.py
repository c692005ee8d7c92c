"""The contract every page-only channel (``bot.core.platform.Notifier``) keeps, run against each
``notifier_<channel>.py`` here (e-mail) through the real application (``bot.app.build``, the playground
as its chat platform, on SQLite and PostgreSQL): a page arrives saying little; its acknowledgement
round-trips as that person and updates the chat page and the card; a replayed acknowledgement is
refused; a page made before a restart is acknowledged after it; a recipient who can never be reached
is reported at once, an outage is retried."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import Clock
from tests.contract.drivers import contract_org, driver_module
from tests.contract.test_contract import latest, of, report

HERE = Path(__file__).resolve().parent
CHANNELS = sorted(p.stem.removeprefix("notifier_") for p in HERE.glob("notifier_*.py"))


def test_every_notifier_channel_has_a_driver() -> None:
    from bot.core.paging import VIA

    assert set(CHANNELS) == set(VIA) - {"chat"}


class Setup:
    def __init__(self, chat: Any, notifier: Any):
        self.chat, self.notifier = chat, notifier

    async def ack(self, path: str) -> tuple[int, int, str]:
        """Open the link (GET), then press its button (POST): both statuses and the final page."""
        async with aiohttp.ClientSession() as s:
            async with s.get(self.chat.base + path) as got:
                await got.text()
            async with s.post(self.chat.base + path) as posted:
                return got.status, posted.status, await posted.text()


@pytest.fixture(params=CHANNELS)
async def both(request: pytest.FixtureRequest, db_url: str, clock: Clock) -> AsyncIterator[Setup]:
    notifier = importlib.import_module(f"tests.contract.notifier_{request.param}").NOTIFIER()
    await notifier.start()
    org = contract_org()
    people = {h: replace(p, **notifier.person(h)) for h, p in org.people.items()}
    chat = driver_module("playground").DRIVER()
    await chat.start(db_url, replace(org, people=people), clock, env=notifier.env())
    try:
        yield Setup(chat, notifier)
    finally:
        await chat.stop()
        await notifier.stop()


async def test_a_page_arrives_and_says_little(both: Setup, clock: Clock) -> None:
    inc = await report(both.chat, clock)
    (page,) = both.notifier.pages("manager")
    assert inc in page.subject and "重大度" in page.subject and page.ack_path
    assert "USBメモリ" not in page.text and "経理" not in page.text  # the facts stay in the thread
    assert not both.notifier.pages("deputy") and not both.notifier.pages("reporter")
    assert len(of(both.chat, "dm", "manager")) == 1  # the chat page too


async def test_the_acknowledgement_round_trips_as_that_person(both: Setup, clock: Clock) -> None:
    inc = await report(both.chat, clock)
    (page,) = both.notifier.pages("manager")
    dm = of(both.chat, "dm", "manager")[0]
    got, posted, body = await both.ack(page.ack_path)
    assert (got, posted) == (200, 200) and inc in body
    await both.chat.settle()
    assert ("ack", inc) not in latest(both.chat, dm.ref).buttons  # the chat page is updated
    card = next(r for r in of(both.chat, "post") if r.thread is None and inc in r.text)
    assert "佐藤 花子" in latest(both.chat, card.ref).text
    again = await both.ack(page.ack_path)
    assert again[0] == 410 and again[1] == 410  # a link works once


async def test_a_page_sent_before_a_restart_is_acknowledged_after_it(both: Setup, clock: Clock) -> None:
    inc = await report(both.chat, clock)
    (page,) = both.notifier.pages("manager")
    await both.chat.restart()
    _, posted, _ = await both.ack(page.ack_path)
    assert posted == 200
    async with both.chat.app.store.tx() as tx:
        loaded = await tx.load(inc)
    assert loaded is not None and loaded.incident.escalation.status == "acked"


async def test_failures_are_classified(both: Setup, clock: Clock) -> None:
    both.notifier.unreachable("manager")  # can never work: told in the thread at once
    await both.notifier.outage()  # and the server is down as well: retried
    inc = await report(both.chat, clock)
    await both.chat.settle()
    async with both.chat.app.store.tx() as tx:
        rows = [r for r in await tx.conn.execute(tx_outbox(inc)) if r.platform == both.notifier.channel]
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1)]
    await both.notifier.recover()
    clock.advance(seconds=5)
    await both.chat.app.ticker.tick()
    await both.chat.settle()
    notes = [r.text for r in of(both.chat, "post") if r.thread and "届けられませんでした" in r.text]
    assert len(notes) == 1 and "佐藤 花子" in notes[0]
    assert not both.notifier.pages("manager")


def tx_outbox(inc: str) -> Any:
    from sqlalchemy import select

    from storage.queue import OUT

    return select(OUT.c.platform, OUT.c.status, OUT.c.attempts).where(OUT.c.incident_id == inc, OUT.c.kind == "notify")
