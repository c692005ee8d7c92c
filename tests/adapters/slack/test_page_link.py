"""Issue 13 item 7: the page leads to the incident — a DM page carries the card's permalink
(``chat.getPermalink`` on the fake Slack Web API) once the card is posted; a page sent before the card
exists carries no link, and is not held up or refused for it: once the card is posted, that page is
updated in place (``chat.update``, which notifies nobody) to carry the link."""

from __future__ import annotations

import json

from tests.adapters.slack.test_flow import _card, report


def _urls(call):
    return [el.get("url") for b in call.args["blocks"] if b["type"] == "actions" for el in b["elements"] if el.get("url")]


async def test_page_after_the_card_carries_its_permalink(slack, fake, clock):
    await report(slack, fake)
    _, card_ts = _card(fake)
    first = fake.called("chat.postMessage", channel="D0SATO")
    assert len(first) == 1
    # step 1's page went out the moment the report committed, before the card: no link, no error
    assert _urls(first[0]) == []
    assert first[0].status == 200

    clock.advance(minutes=5, seconds=1)  # nobody acknowledged: step 2 (suzuki) is paged, the card is posted by now
    await slack.app.ticker.tick()
    await slack.settle()
    asked = fake.called("chat.getPermalink", channel="C0INCIDENTS", message_ts=card_ts)
    assert asked, [c.method for c in fake.calls]
    pages = fake.called("chat.postMessage", channel="D0SUZUKI")
    assert len(pages) == 1
    assert _urls(pages[0]) == [asked[-1].result["permalink"]]


async def test_no_permalink_the_page_still_goes(slack, fake, clock):
    fake.fail("chat.getPermalink", status=200, error="internal_error", times=5)
    await report(slack, fake)
    clock.advance(minutes=5, seconds=1)
    await slack.app.ticker.tick()
    await slack.settle()
    # asked twice (step 1's page updated once the card was posted, step 2's page), failed both times
    assert [c.error for c in fake.calls if c.method == "chat.getPermalink"] == ["internal_error"] * 2
    pages = fake.called("chat.postMessage", channel="D0SUZUKI")
    assert len(pages) == 1 and pages[0].status == 200
    assert _urls(pages[0]) == []


async def test_the_first_page_gains_the_link_once_the_card_is_posted(slack, fake, clock):
    await report(slack, fake)
    _, card_ts = _card(fake)
    (first,) = fake.called("chat.postMessage", channel="D0SATO")
    assert _urls(first) == []  # sent before the card existed
    permalink = fake.called("chat.getPermalink", channel="C0INCIDENTS", message_ts=card_ts)[-1].result["permalink"]
    (updated,) = fake.called("chat.update", channel="D0SATO", ts=first.result["ts"])
    assert _urls(updated) == [permalink]
    assert "ack" in json.dumps(updated.args["blocks"])  # still a page: acknowledge from it
    assert len(fake.called("chat.postMessage", channel="D0SATO")) == 1  # updated in place: no second ping

    # acknowledged from the page: it is answered, and no later update brings the old page back
    r = await slack.click("D0SATO", first.result["ts"], "ack", "U0SATO")
    assert r.status == 200
    await slack.settle()
    await slack.app.ticker.tick()
    await slack.settle()
    last = fake.called("chat.update", channel="D0SATO", ts=first.result["ts"])[-1]
    assert _urls(last) == [] and '"ack' not in json.dumps(last.args["blocks"])
