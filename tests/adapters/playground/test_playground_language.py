"""Issue 14 (playground): the language switch governs what is said to that person alone — the status
answer, a refusal — while the incident's card and thread stay in the incident's language, whoever
acts and whatever the switch says. Over HTTP, through the real app."""

from __future__ import annotations

import html as html_
import re

from bot.core.i18n import t
from tests.adapters.playground.test_playground_web import state
from tests.conftest import Clock
from tests.contract.driver_playground import PlaygroundDriver
from tests.contract.test_contract import report


def _text(html: str) -> str:
    return html_.unescape(re.sub(r"<[^>]+>", " ", html))


async def test_the_switch_sets_private_answers_and_the_thread_keeps_the_incidents_language(pg: PlaygroundDriver, clock: Clock) -> None:
    incident = await report(pg, clock)  # in Japanese
    responder = pg.persona_id("responder")
    status, _ = await pg.post(
        "command", {"persona": responder, "place": pg.pg.channel, "text": f"/mynaleak status {incident}", "lang": "en"}
    )
    assert status == 200
    await pg.settle()
    messages = (await state(pg, responder, "en"))["messages"]
    (answer,) = [m for m in messages if m.get("private") and t("card.title", "ja", id=incident) in m.get("html", "")]
    shown = _text(answer["html"])
    assert t("names.status_frame", "en", lang=t("names.lang.ja", "en")) in shown  # said to them, in English
    assert t("playground.only_you", "en") in shown
    # an English speaker acknowledges from the channel card: the card and the thread stay Japanese
    status, _ = await pg.post("press", {"persona": responder, "action": "ack", "value": incident, "lang": "en",
                                         "message": next(m["key"] for m in messages if t("card.title", "ja", id=incident) in m.get("html", "")
                                                         and not m.get("private") and not m.get("thread"))})  # fmt: skip
    assert status == 200
    await pg.settle()
    shared = [m for m in (await state(pg, responder, "ja"))["messages"] if not m.get("private") and m.get("kind") != "form"]
    assert shared and not any(t("common.unknown", "en") in m.get("html", "") for m in shared)
    assert any("対応を開始しました" in m.get("html", "") for m in shared)
