"""Pages first, through Bolt's real path: channel posts and card updates (background rows) wait while
requests are being answered — a burst of reports is not slowed by the posts of the reports before — and
the serving ticker never waits for them, so a slow channel does not hold up the next escalation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from tests.adapters.slack.fake_slack import Slow


def card_call(c: Any) -> bool:
    return c.method == "chat.postMessage" and c.args.get("channel") == "C0INCIDENTS" and "thread_ts" not in c.args


async def until(found: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := found()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)
    return got


async def test_a_slow_channel_post_does_not_hold_up_the_next_escalation(slack, fake, clock) -> None:
    slack.adapter.timeout = 10.0
    fake.slow.append(Slow("chat.postMessage", 3.0, match=lambda a: a.get("channel") == "C0INCIDENTS" and "thread_ts" not in a))
    slack.app.ticker.start(0.05)  # the serving ticker, as `mynaleak run` starts it
    try:
        await slack.command("report")
        await slack.settle()
        submitted = asyncio.ensure_future(slack.submit(max(fake.views), {"summary": "USBメモリを紛失", "medium": "removable",
                                                                         "people": "30", "whose": "employees"}))  # fmt: skip
        await until(lambda: fake.called("chat.postMessage", channel="D0SATO"))  # step 1 is paged at once
        card = await until(lambda: [c for c in fake.calls if card_call(c)])  # the card: being answered, slowly
        clock.advance(minutes=5, seconds=1)  # nobody acknowledged: step 2 is due
        await until(lambda: fake.called("chat.postMessage", channel="D0SUZUKI"))
        # step 2 was paged while the card was still on its way (the old ticker waited for it, ~3 s)
        assert not card[0].result, "step 2 was paged only after the slow channel post was answered"
        assert (await submitted).status == 200
    finally:
        slack.app.ticker.stop()
    await slack.settle()
    assert len(fake.called("chat.postMessage", channel="D0SUZUKI")) == 1 and [c for c in fake.calls if card_call(c)][0].result


async def test_channel_posts_wait_while_a_request_is_being_answered(slack, fake) -> None:
    values = {"summary": "鞄を紛失", "medium": "paper", "people": "3", "whose": "employees"}
    for _ in range(2):
        await slack.command("report")
        await slack.settle()
    first, second = sorted(fake.views)[-2:]
    cards_before = len([c for c in fake.calls if card_call(c)])
    # someone else's report, held 0.6 s by a slow look-up of their name, is being answered …
    fake.slow.append(Slow("users.info", 0.6, match=lambda a: a.get("user") == "U0TANAKA"))
    other = asyncio.ensure_future(slack.submit(first, values, user="U0TANAKA"))
    await until(lambda: [c for c in fake.calls if c.method == "users.info" and c.args.get("user") == "U0TANAKA"])
    # … when a report comes in: its page goes at once, its card waits until the other is answered
    assert (await slack.submit(second, values)).status == 200
    page = await until(lambda: fake.called("chat.postMessage", channel="D0SATO"))
    assert not other.done(), "the other request was answered too soon for this test"
    assert (await other).status == 200
    answered = time.monotonic()
    await slack.settle()
    cards = [c for c in fake.calls if card_call(c)][cards_before:]
    assert len(cards) == 2 and len(fake.called("chat.postMessage", channel="D0SATO")) == 2
    assert page[0].at < answered
    assert cards[0].at >= answered - 0.05, f"a card was posted {answered - cards[0].at:.3f} s before the other request was answered"
