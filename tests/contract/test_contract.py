"""The contract every platform adapter keeps (DESIGN.md, Testing), run against the driver of every
platform in the registry (``adapters.PLATFORMS``; ``driver_<name>.py`` defining ``DRIVER``) on SQLite and, when configured, PostgreSQL:
a DM arrives; a thread reply stays in its thread; an update replaces the message; a button round-trips;
a form submission arrives; a bad signature is refused; a retried delivery is dropped; a proactive
message works after a restart."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import adapters
from bot.core.views import Card
from tests.conftest import Clock
from tests.contract.drivers import REPORT_VALUES, Driver, Received, contract_org, driver_module

HERE = Path(__file__).resolve().parent
DRIVER_FILES = {p.stem.removeprefix("driver_") for p in HERE.glob("driver_*.py")}
ID_RE = re.compile(r"ML-\d{4}-\d{4}")
ok = range(200, 300)


def test_every_registered_platform_has_a_driver() -> None:
    """The suite runs over the registry: a platform without a driver (or a driver of no platform) fails."""
    assert set(adapters.names()) == DRIVER_FILES


@pytest.fixture(params=adapters.names())
async def driver(request: pytest.FixtureRequest, db_url: str, clock: Clock) -> AsyncIterator[Driver]:
    d = driver_module(request.param).DRIVER()
    assert isinstance(d, Driver)
    await d.start(db_url, contract_org(), clock)
    try:
        yield d
    finally:
        await d.stop()


def of(d: Driver, op: str, to: str | None = None) -> list[Received]:
    return [r for r in d.received() if r.op == op and (to is None or r.to == to)]


def latest(d: Driver, ref: str) -> Received:
    """The message ``ref`` as it stands now (its last update, or the original)."""
    return [r for r in d.received() if r.ref == ref and r.op in ("post", "dm", "update")][-1]


async def report(d: Driver, clock: Clock, handle: str = "reporter") -> str:
    """``/mynaleak report``, fill in the form, submit; returns the new incident's id."""
    assert await d.send_command(handle, "report") in ok
    await d.settle()
    assert [r for r in of(d, "form", handle) if r.form_id == "report"], "the report form was not shown"
    when = clock().astimezone(contract_org().tz).strftime("%Y-%m-%dT%H:%M")
    res = await d.submit_form(handle, "report", {**REPORT_VALUES, "discovered_at": when})
    assert res.status in ok and not res.errors, res
    await d.settle()
    confirmations = [r for r in of(d, "private", handle) if ID_RE.search(r.text)]
    assert confirmations, "the reporter got no confirmation"
    return ID_RE.search(confirmations[-1].text).group(0)  # type: ignore[union-attr]


def the_card(d: Driver, incident: str) -> Received:
    cards = [r for r in of(d, "post") if r.thread is None and incident in r.text]
    assert len(cards) == 1, cards
    return cards[0]


async def test_a_dm_arrives(driver: Driver, clock: Clock) -> None:
    inc = await report(driver, clock)
    pages = of(driver, "dm", "manager")
    assert len(pages) == 1 and inc in pages[0].text
    assert ("ack", inc) in pages[0].buttons
    assert not of(driver, "dm", "deputy") and not of(driver, "dm", "outsider")


async def test_a_thread_reply_stays_in_its_thread(driver: Driver, clock: Clock) -> None:
    inc = await report(driver, clock)
    card = the_card(driver, inc)
    assert card.to == driver.app.config.channels[driver.platform]
    replies = [r for r in of(driver, "post") if r.thread == card.ref]
    assert len(replies) >= 1 + len(driver.app.config.checklist)  # the paging note and one card per step
    assert [r for r in of(driver, "post") if r.thread is None] == [card]
    assert all(r.thread in (None, card.ref) for r in of(driver, "post"))


async def test_an_update_replaces_the_message(driver: Driver, clock: Clock) -> None:
    inc = await report(driver, clock)
    card, page = the_card(driver, inc), of(driver, "dm", "manager")[0]
    assert ("ack", inc) in card.buttons
    assert await driver.press("manager", "ack", inc, page.ref) in ok
    await driver.settle()
    assert [r for r in of(driver, "update") if r.ref == card.ref], "the card was not updated"
    now = latest(driver, card.ref)
    assert "manager" in driver.mentioned(now) and ("ack", inc) not in now.buttons
    assert ("ack", inc) not in latest(driver, page.ref).buttons
    assert [r for r in of(driver, "post") if r.thread is None] == [card]  # replaced, not re-posted


async def test_a_button_round_trips(driver: Driver, clock: Clock) -> None:
    inc = await report(driver, clock)
    step1 = next(r for r in of(driver, "post") if ("item:done", f"{inc}|1.1") in r.buttons)
    assert await driver.press("manager", "item:done", f"{inc}|1.1", step1.ref) in ok
    await driver.settle()
    now = latest(driver, step1.ref)
    assert ("item:done", f"{inc}|1.1") not in now.buttons and ("item:reopen", f"{inc}|1.1") in now.buttons
    updates = len(of(driver, "update"))
    assert await driver.press("outsider", "item:done", f"{inc}|1.2", step1.ref) in ok
    await driver.settle()
    refusals = of(driver, "private", "outsider")
    assert refusals and inc in refusals[-1].text
    assert len(of(driver, "update")) == updates  # nothing changed
    assert ("item:done", f"{inc}|1.2") in latest(driver, step1.ref).buttons


async def test_a_form_submission_arrives(driver: Driver, clock: Clock) -> None:
    assert await driver.send_command("reporter", "report") in ok
    await driver.settle()
    when = clock().astimezone(contract_org().tz).strftime("%Y-%m-%dT%H:%M")
    bad = await driver.submit_form("reporter", "report", {**REPORT_VALUES, "discovered_at": when, "summary": ""})
    assert bad.status in ok and "summary" in bad.errors
    await driver.settle()
    assert not of(driver, "post") and not of(driver, "dm")
    good = await driver.submit_form("reporter", "report", {**REPORT_VALUES, "discovered_at": when})
    assert good.status in ok and not good.errors
    await driver.settle()
    assert [r for r in of(driver, "post") if r.thread is None and ID_RE.search(r.text)]


async def test_a_refused_drill_is_answered(driver: Driver) -> None:
    """A refusal reaches the person even when the event would have created an incident."""
    assert await driver.send_command("outsider", "drill") in ok
    await driver.settle()
    refusals = of(driver, "private", "outsider")
    assert len(refusals) == 1 and "訓練を開始できるのは" in refusals[0].text
    assert not of(driver, "post") and not of(driver, "dm")
    async with driver.app.store.tx() as tx:
        assert await tx.summaries() == []


async def test_a_bad_signature_is_refused(driver: Driver) -> None:
    assert await driver.bad_request() in (401, 403)
    await driver.settle()
    assert driver.received() == []
    async with driver.app.store.tx() as tx:
        assert await tx.summaries() == []


async def test_a_retried_delivery_is_dropped(driver: Driver, clock: Clock) -> None:
    inc = await report(driver, clock)
    assert await driver.replay_last() in ok  # the form submission again
    await driver.settle()
    the_card(driver, inc)
    async with driver.app.store.tx() as tx:
        assert len(await tx.summaries()) == 1
    assert await driver.press("manager", "ack", inc) in ok
    await driver.settle()
    thread_posts = len([r for r in of(driver, "post") if r.thread])
    told = len(of(driver, "dm", "reporter"))
    assert await driver.replay_last() in ok  # the ack again
    await driver.settle()
    assert len([r for r in of(driver, "post") if r.thread]) == thread_posts
    assert len(of(driver, "dm", "reporter")) == told == 1


async def test_a_proactive_message_works_after_a_restart(driver: Driver, clock: Clock) -> None:
    inc = await report(driver, clock)
    card = the_card(driver, inc)
    await driver.restart()
    clock.advance(minutes=6)  # step 1 did not acknowledge: the timer pages step 2
    await driver.app.ticker.tick()
    await driver.settle()
    pages = of(driver, "dm", "deputy")
    assert len(pages) == 1 and ("ack", inc) in pages[0].buttons
    assert await driver.press("deputy", "ack", inc, pages[0].ref) in ok
    await driver.settle()
    assert "deputy" in driver.mentioned(latest(driver, card.ref))  # a message from before the restart, updated
    await driver.app.adapters[driver.platform].notify(driver.user("responder"), Card(title="proactive hello"))
    await driver.settle()
    assert any("proactive hello" in r.text for r in of(driver, "dm", "responder"))


async def test_the_first_page_gains_its_link_in_place_and_repost_posts_nothing_twice(driver: Driver, clock: Clock) -> None:
    """Issue 13 items 7 and 8 on every platform: step 1's page, sent before the card existed, is updated
    in place once the card is posted (never sent again); ``repost ML-…`` (the platform's command words)
    is answered privately and posts nothing already in the channel a second time."""
    inc = await report(driver, clock)
    card = the_card(driver, inc)
    (page,) = of(driver, "dm", "manager")
    assert [r for r in of(driver, "update") if r.ref == page.ref], "the first page was not updated once the card was posted"
    assert ("ack", inc) in latest(driver, page.ref).buttons  # still a page
    posts = len(of(driver, "post"))
    assert await driver.send_command("manager", f"repost {inc}") in ok
    await driver.settle()
    await driver.app.ticker.tick()
    await driver.settle()
    answers = [r for r in of(driver, "private", "manager") if inc in r.text]
    assert answers, "repost was not answered"
    assert [r for r in of(driver, "post") if r.thread is None] == [card] and len(of(driver, "post")) == posts
    assert len(of(driver, "dm", "manager")) == 1
