"""Refusals reach the person through the runtime, even when the event would have created an
incident (``drill``): the transaction that would have used up a number is rolled back, but the
flow's private answer is still queued and delivered. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from bot.core.events import CommandInvoked
from bot.core.model import PlaceRef
from tests.conftest import Clock
from tests.flows.helpers import config
from tests.support.harness import Harness


async def test_refused_drill_answers_and_uses_up_no_number(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        out = await h.command("outsider", "drill")
        assert out.incident_id is None
        (answer,) = h.adapter.ops("reply", "user:outsider")
        assert "訓練を開始できるのは" in answer.view.text and "一覧" not in answer.view.text
        assert not h.adapter.ops("notify") and not h.adapter.ops("post")  # nothing paged, nothing posted
        # a platform retry of the same delivery is answered once
        again = CommandInvoked(h.user("outsider"), PlaceRef("playground", "dm:outsider"), "drill", dedup="slack:retry-1")
        await h.send(again)
        assert (await h.send(again)).duplicate
        assert len(h.adapter.ops("reply", "user:outsider")) == 2
        # no number was used up: the first drill a responder starts is the first one
        started = await h.command("tanaka", "drill")
        assert started.incident_id is not None and started.incident_id.endswith("-0001")
    finally:
        await h.close()
