"""Rate limits and outages: 429 waits Retry-After and resends; 5xx and timeouts back off and resend;
a DM that can never be delivered is reported in the incident thread and the log while the escalation
moves on. Web API errors are classified precisely for the outbox."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from adapters.slack.adapter import SlackAdapter, make_client
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.platform import DeliveryError
from bot.core.views import Card
from tests.adapters.slack.fake_slack import BOT_TOKEN
from tests.adapters.slack.test_flow import _card, report

TZ = None


def _is_card(args):
    return args.get("channel") == "C0INCIDENTS" and "thread_ts" not in args


async def _tick(slack, clock, **kw):
    clock.advance(**kw)
    await slack.app.ticker.tick()
    await slack.settle()


async def test_429_waits_retry_after_then_delivers(slack, fake, clock):
    fake.fail("chat.postMessage", status=429, headers={"Retry-After": "7"}, match=_is_card)
    await report(slack, fake)
    tries = [c for c in fake.calls if c.method == "chat.postMessage" and _is_card(c.args)]
    assert [c.status for c in tries] == [429]
    await _tick(slack, clock, seconds=5)  # before Retry-After: not resent
    assert len([c for c in fake.calls if c.method == "chat.postMessage" and _is_card(c.args)]) == 1
    await _tick(slack, clock, seconds=3)
    tries = [c for c in fake.calls if c.method == "chat.postMessage" and _is_card(c.args)]
    assert [c.status for c in tries] == [429, 200]
    _, card_ts = _card(fake)
    await _tick(slack, clock, seconds=2)  # the thread replies waited for the card, then followed it
    assert len(fake.thread("C0INCIDENTS", card_ts)) >= 7


async def test_5xx_and_timeouts_are_retried_with_backoff(slack, fake, clock):
    slack.adapter.timeout = 0.3
    page = lambda a: a.get("channel") == "D0SATO"  # noqa: E731
    fake.fail("chat.postMessage", status=503, times=1, match=page)
    fake.fail("chat.postMessage", status=500, times=1, match=page)
    fake.fail("chat.postMessage", delay=1.0, times=1, match=page)  # slower than the client's timeout
    await report(slack, fake)
    for _ in range(4):
        await _tick(slack, clock, seconds=10)
    attempts = [c for c in fake.calls if c.method == "chat.postMessage" and page(c.args)]
    assert [c.status for c in attempts][:2] == [503, 500]
    assert len(attempts) == 4 and any(ts for (ch, ts) in fake.messages if ch == "D0SATO"), "the page was never delivered"
    assert not any("D0SATO" in str(c.args) for c in fake.called("chat.postMessage", channel="C0INCIDENTS")), (
        "a delivered page was reported as failed"
    )


async def test_undeliverable_page_reported_in_thread_and_the_unreachable_step_skipped_at_once(slack, fake, clock, caplog):
    fake.users["U0SATO"]["deleted"] = True  # account_inactive: can never work
    with caplog.at_level(logging.WARNING, logger="mynaleak.delivery"):
        await report(slack, fake)
    await _tick(slack, clock, seconds=2)  # a thread reply waits (1 s) if the card was still on its way
    _, card_ts = _card(fake)
    notes = [m for m in fake.thread("C0INCIDENTS", card_ts) if "account_inactive" in m["text"]]
    assert len(notes) == 1, "the failed page is not reported in the thread"
    assert any(getattr(r, "final", False) and "account_inactive" in getattr(r, "error", "") for r in caplog.records)
    # step 1 (sato alone, chat only: no SMTP configured) cannot be reached at all: step 2 is paged now,
    # not after step 1's five minutes, and the thread says so
    assert len(fake.called("chat.postMessage", channel="D0SUZUKI")) == 1
    assert [m for m in fake.thread("C0INCIDENTS", card_ts) if "待たずに次の段階へ進みます" in m["text"]]
    await _tick(slack, clock, minutes=5)  # step 1's own timer is stale: nothing more
    assert len(fake.called("chat.postMessage", channel="D0SUZUKI")) == 1


async def test_expired_trigger_tells_the_person(slack, fake):
    body = slack.command_body("report", "U0REPORTER", "C0GENERAL", trigger=fake.trigger(ttl=-1))
    assert (await slack.form(body)).status == 200
    await slack.settle()
    assert [c.error for c in fake.calls if c.method == "views.open"] == ["expired_trigger_id"]
    assert len(fake.ephemerals) == 1 and fake.ephemerals[0]["user"] == "U0REPORTER"


async def test_ephemeral_where_impossible_falls_back_to_a_dm(slack, fake):
    fake.channels["C0PRIVATE"] = {"member": False, "archived": False}
    await slack.adapter.reply(UserRef("slack", "U0TANAKA"), PlaceRef("slack", "C0PRIVATE"), Card(title="t", text="x"))
    assert fake.called("chat.postMessage", channel="D0TANAKA")


async def test_error_classification(fake):
    async with aiohttp.ClientSession() as session:
        adapter = SlackAdapter(make_client(BOT_TOKEN, fake.api_url, session), tz=None)  # type: ignore[arg-type]
        adapter.timeout = 0.5
        card = Card(title="t")
        cases = [
            (dict(error="channel_not_found"), True, None),
            (dict(error="not_in_channel"), True, None),
            (dict(error="is_archived"), True, None),
            (dict(status=429, headers={"Retry-After": "30"}, error="ratelimited"), False, 30.0),
            (dict(status=502), False, None),
            (dict(error="internal_error"), False, None),
        ]
        for kw, permanent, retry_after in cases:
            fake.fail("chat.postMessage", **kw)
            with pytest.raises(DeliveryError) as info:
                await adapter.post(PlaceRef("slack", "C0INCIDENTS"), card)
            assert (info.value.permanent, info.value.retry_after) == (permanent, retry_after), kw
        for uid, code in (("U0NOBODY", "user_not_found"), ("U0BOT", "cannot_dm_bot")):
            with pytest.raises(DeliveryError, match=code) as info:
                await adapter.notify(UserRef("slack", uid), card)
            assert info.value.permanent
        with pytest.raises(DeliveryError, match="message_not_found") as info:
            await adapter.update(MessageRef("slack", '{"channel":"C0INCIDENTS","ts":"1.1"}'), card)
        assert info.value.permanent
        with pytest.raises(DeliveryError) as info:
            await adapter.update(MessageRef("slack", "m1"), card)
        assert info.value.permanent
    async with aiohttp.ClientSession() as session:  # nothing listens there: a connection error, transient
        adapter = SlackAdapter(make_client(BOT_TOKEN, "http://127.0.0.1:9/api/", session), tz=None)  # type: ignore[arg-type]
        with pytest.raises(DeliveryError) as info:
            await adapter.post(PlaceRef("slack", "C0INCIDENTS"), Card(title="t"))
        assert not info.value.permanent and info.value.retry_after is None
