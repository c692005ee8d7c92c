"""Issue 13 item 7 over the real botbuilder stack: a page sent once the incident card is in the channel
carries an Action.OpenUrl with the Teams deep link to the card; the first page (before the card) none."""

from __future__ import annotations

import json
from urllib.parse import quote

from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot
from tests.adapters.teams.test_scenario import install_everyone, report


def open_urls(card: dict) -> list[str]:
    return [a["url"] for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]


async def test_the_page_carries_a_deep_link_to_the_card(bot: Bot) -> None:
    url = await install_everyone(bot)
    await report(bot, url)
    c = bot.connector
    (root,) = c.to(fakes.CHANNEL, "send")
    first = c.to("a:personal-aad-sato", "send")[-1]
    assert open_urls(first.card) == []  # step 1 was paged before the card was posted

    clock = bot.app.runtime.clock
    for _ in range(2):  # step 2 (takahashi never installed: skipped at once), then step 3: suzuki
        clock.advance(minutes=6)  # type: ignore[attr-defined]
        await bot.app.ticker.tick()
        await bot.app.ticker.tick()
    page = c.to("a:personal-aad-suzuki", "send")[-1]
    want = f"https://teams.microsoft.com/l/message/{quote(fakes.CHANNEL, safe='')}/{root.result_id}?parentMessageId={root.result_id}"
    assert open_urls(page.card) == [want]
    fakes.validate_card(page.card)


async def test_the_first_page_gains_the_link_once_the_card_is_posted(bot: Bot) -> None:
    """The first page is sent before the card exists; once the card is in the channel, that page is
    updated in place (an updated activity: no second notification) to carry the deep link."""
    url = await install_everyone(bot)
    await report(bot, url)
    c = bot.connector
    (root,) = c.to(fakes.CHANNEL, "send")
    (first,) = c.to("a:personal-aad-sato", "send")  # one message to sato: the page, never sent again
    assert open_urls(first.card) == []
    want = f"https://teams.microsoft.com/l/message/{quote(fakes.CHANNEL, safe='')}/{root.result_id}?parentMessageId={root.result_id}"
    (updated,) = c.by_id(first.result_id)
    assert updated.conversation == "a:personal-aad-sato"
    assert open_urls(updated.card) == [want]
    assert any(a["type"] == "Action.Submit" and a["data"]["action"] == "ack" for a in updated.card["actions"])
    assert "notification" not in json.dumps(updated.body.get("channelData") or {})  # an update raises no alert
    fakes.validate_card(updated.card)
