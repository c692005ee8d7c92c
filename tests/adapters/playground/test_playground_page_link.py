"""Issue 13 item 7 in the playground (the real app on port 0): a page sent once the incident card is
posted carries a link to the card's anchor (``/#thread=<key>``, which app.js opens); the first page,
sent before the card, gains it once the card is posted (the same message, updated in place)."""

from __future__ import annotations

from tests.adapters.playground.test_playground_web import state
from tests.conftest import Clock
from tests.contract.driver_playground import PlaygroundDriver
from tests.contract.test_contract import report, the_card


async def test_the_page_links_to_the_card_once_it_is_posted(pg: PlaygroundDriver, clock: Clock) -> None:
    inc = await report(pg, clock)
    card = the_card(pg, inc)
    first = [m["html"] for m in (await state(pg, pg.persona_id("manager")))["messages"] if m["place"].startswith("dm:")]
    # step 1 was paged before the card existed: the page was updated in place once it was posted
    assert len(first) == 1 and inc in first[0]
    assert f'href="/#thread={card.ref}"' in first[0]

    clock.advance(minutes=6)  # step 1 did not acknowledge: step 2 is paged, the card is posted by now
    await pg.app.ticker.tick()
    await pg.settle()
    pages = [m["html"] for m in (await state(pg, pg.persona_id("deputy")))["messages"] if m["place"].startswith("dm:")]
    assert len(pages) == 1
    assert f'href="/#thread={card.ref}"' in pages[0] and "インシデントのスレッドを開く" in pages[0]
