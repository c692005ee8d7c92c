"""Issue 14 (playground): 「/mynaleak　report」 typed with a Japanese keyboard's full-width space is the
command, not a refused "unknown command"."""

from __future__ import annotations

import pytest

from adapters.playground import inbound
from bot.core.events import CommandInvoked
from tests.adapters.playground.test_playground_inbound import PEOPLE, RID


@pytest.mark.parametrize(
    ("text", "words"),
    [("/mynaleak\u3000report", "report"), ("/mynaleak\u3000\u3000close\u3000ML-2026-0001\u3000重複", "close\u3000ML-2026-0001\u3000重複"),
     ("/mynaleak\treport", "report"), ("/mynaleak", "")],
)  # fmt: skip
def test_a_full_width_space_separates_the_command(text: str, words: str) -> None:
    event = inbound.command({"id": RID, "persona": "yamada", "text": text}, PEOPLE, "incidents")
    assert isinstance(event, CommandInvoked)
    assert event.text == words
    assert event.text.split() == words.split()  # the flows split on any white space, 「　」 included
