"""Issue 14, names: one rule on every platform — a person in a chat view is a mention where the
platform has them (Slack ``<@U…>``, a Teams ``<at>`` mention entity, the playground's name chip).
The same person is named the same way on the incident card, on the checklist and in the thread notes
(before, the card and the notes named people by plain name while the checklist mentioned owners).

Driven through each platform's real request path (``tests/contract``), on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.core.views import MENTION_RE
from tests.conftest import Clock
from tests.contract.drivers import Driver, Received
from tests.contract.test_contract import driver, latest, of, ok, report, the_card

__all__ = ["driver"]  # the fixture, shared with the contract suite


def _step_card_with_take(d: Driver, card: Received) -> tuple[Received, str]:
    for r in of(d, "post"):
        if r.thread == card.ref:
            take = next((v for a, v in r.buttons if a == "item:take"), None)
            if take:
                return r, take
    raise AssertionError("no checklist card offers 担当する")


async def test_one_person_is_named_the_same_way_on_the_card_the_checklist_and_in_the_thread(driver: Driver, clock: Clock) -> None:
    inc = await report(driver, clock)
    card, page = the_card(driver, inc), of(driver, "dm", "manager")[0]
    assert await driver.press("manager", "ack", inc, page.ref) in ok
    await driver.settle()
    step, value = _step_card_with_take(driver, card)
    assert await driver.press("manager", "item:take", value, step.ref) in ok
    await driver.settle()

    on_card = latest(driver, card.ref)
    assert {"manager", "reporter"} <= driver.mentioned(on_card), on_card.text  # acked by …, reported by …
    assert "manager" in driver.mentioned(latest(driver, step.ref))  # the owner of the item
    notes = [r for r in of(driver, "post") if r.thread == card.ref and r.ref not in (step.ref,)]
    acked = [r for r in notes if "対応を開始しました" in r.text]
    took = [r for r in notes if "を担当します" in r.text]
    assert acked and took, [r.text for r in notes]
    for note in (*acked, *took):
        assert driver.mentioned(note) == {"manager"}, note.text
    # nowhere a token leaks as text, and Japanese names the person with さん
    for r in (on_card, latest(driver, step.ref), *acked, *took):
        assert "⟦" not in r.text and not MENTION_RE.search(r.text)
    assert all("さん" in r.text for r in (*acked, *took))
