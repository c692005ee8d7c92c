from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.slack.blockkit import check_calls
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import SlackHarness


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    f = FakeSlack()
    await f.start()
    yield f
    await f.stop()


@pytest.fixture
async def slack(db_url, org, fake, clock) -> AsyncIterator[SlackHarness]:
    """The bot on Slack (HTTP mode) against the fake; every Block Kit payload it sent is checked at the end."""
    h = await SlackHarness.start(db_url, org, fake, clock)
    h.adapter.timeout = 2.0
    yield h
    await h.close()
    check_calls(fake.calls)
