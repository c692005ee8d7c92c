"""The report's path through Slack's real Bolt stack does each piece of work once (issue 15 item 1):
the report form is read (validated) once — not in the Bolt handler, again in the runtime's precheck
and again in the flow — and the incident is serialised once per event (diffed, digested and saved
from the same data)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from bot.core import serde
from bot.core.model import Incident
from flows import intake
from tests.adapters.slack.test_flow import report


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the real form reader and the real serialiser ran (they still do the work)."""
    calls: Counter[str] = Counter()
    validate, dump = intake.validate, serde.dump

    def counting_validate(*a: Any, **kw: Any) -> Any:
        calls["validate"] += 1
        return validate(*a, **kw)

    def counting_dump(obj: object) -> Any:
        if isinstance(obj, Incident):
            calls["dump"] += 1
        return dump(obj)

    monkeypatch.setattr(intake, "validate", counting_validate)
    monkeypatch.setattr(serde, "dump", counting_dump)
    return calls


async def test_a_report_is_read_once_and_its_incident_serialised_once(slack, fake, counted: Counter[str]) -> None:
    r, _ = await report(slack, fake)
    assert r.status == 200 and r.text == "", r.text  # accepted: the modal closes
    assert fake.called("chat.postMessage", channel="D0SATO"), "no page"
    assert counted["validate"] == 1, counted
    assert counted["dump"] == 1, counted  # created: diffed (nothing before), digested and saved from one dump


async def test_an_incomplete_report_is_read_once_and_shown_back(slack, fake, counted: Counter[str]) -> None:
    r, _ = await report(slack, fake, summary="")
    assert r.status == 200 and r.json()["response_action"] == "errors", r.text
    assert counted["validate"] == 1, counted
    assert not fake.called("chat.postMessage", channel="D0SATO")


async def test_an_acknowledgement_serialises_the_incident_once_after_the_change(slack, fake, counted: Counter[str]) -> None:
    """An event on a stored incident: the state before (for the audit diff) and after, once each."""
    await report(slack, fake)
    page_ts = next(ts for (ch, ts) in fake.messages if ch == "D0SATO")
    counted.clear()
    dispatched: list[str] = []
    dispatch = slack.app.runtime.dispatch

    async def noting(event: Any, **kw: Any) -> Any:
        dispatched.append(type(event).__name__)
        return await dispatch(event, **kw)

    slack.app.runtime.dispatch = noting  # type: ignore[method-assign]
    r = await slack.click("D0SATO", page_ts, "ack", "U0SATO")
    assert r.status == 200
    await slack.settle()
    assert fake.called("chat.update", channel="D0SATO"), "the page was not updated"
    assert dispatched == ["ButtonPressed"], dispatched
    assert counted["dump"] == 2, counted  # before (the diff) and after (diffed, digested and saved)


async def test_a_bursts_channel_posts_are_claimed_together(slack, fake, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports at once: their channel posts (cards, thread notes) go out after the pages in background
    batches that take every row waiting — not a claiming transaction per report — and all arrive."""
    import asyncio

    from bot.outbox import BACKGROUND

    n = 6
    views = []
    for i in range(n):
        assert (await slack.command("report", user=f"U0R{i}")).status == 200
        await slack.settle()
        views.append(max(fake.views))
    claims: list[int] = []
    deliver = slack.app.deliverer.deliver

    async def counting(ids: Any = None, *a: Any, **kw: Any) -> int:
        if kw.get("kinds") == BACKGROUND:
            claims.append(len(ids or ()))
        return await deliver(ids, *a, **kw)

    monkeypatch.setattr(slack.app.deliverer, "deliver", counting)
    base = {"summary": "USBメモリを紛失", "medium": "removable", "people": "3", "whose": "employees"}
    replies = await asyncio.gather(*(slack.submit(v, base, user=f"U0R{i}") for i, v in enumerate(views)))
    assert all(r.status == 200 and r.text == "" for r in replies), replies
    await slack.settle()
    posts = [c.args["text"] for c in fake.called("chat.postMessage", channel="C0INCIDENTS") if "thread_ts" not in c.args]
    cards = {p.split()[1] for p in posts if p.startswith("マイナンバー漏えい等事案 ML-")}  # one card per incident (and a burst notice)
    assert len(cards) == n and len(fake.called("chat.postMessage", channel="D0SATO")) == n
    assert 1 <= len(claims) < n, claims
