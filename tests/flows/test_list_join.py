"""Issue 14: lists are joined the way the language joins them — 「、」 in Japanese, ", " in English —
through one catalogue-driven helper, not a hard-coded 「、」 (English organisation files showed
"Name、My Number")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.effects import Post
from bot.core.events import TimerFired
from bot.core.i18n import join, t
from bot.core.views import Card, mention, plain
from flows.cards import incident_card
from flows.common import Ctx
from tests.flows.helpers import T0, config, of, report, step


def test_join_uses_the_catalogue_separator() -> None:
    assert join(["a", "b", "c"], "ja") == "a、b、c"
    assert join(["a", "b", "c"], "en") == "a, b, c"
    assert join([], "en") == "" and join(["only"], "en") == "only"
    assert t("list.sep", "en") == ", "


def _fields(card: Card) -> dict[str, str]:
    return {f.label: f.value for f in card.fields}


@pytest.mark.parametrize(("lang", "sep", "other"), [("en", ", ", "、"), ("ja", "、", ", ")])
def test_the_incident_card_joins_in_the_incidents_language(lang: str, sep: str, other: str) -> None:
    cfg = config(language=lang)
    inc, _ = report(cfg, data_items=("mynumber", "name", "address"))
    card = incident_card(inc, Ctx(T0, cfg, lang))
    fields = _fields(card)
    items = fields[t("facts.data_items", lang)]
    assert items == sep.join(t(f"data.{d}", lang) for d in ("mynumber", "name", "address"))
    law_items = fields[t("law.report", lang)]
    assert other not in items and other not in law_items


def test_an_english_thread_names_the_paged_people_with_commas() -> None:
    cfg = config(
        language="en",
        escalation={"steps": [{"people": ["sato", "suzuki"], "wait_minutes": 5}], "repeat_last": 1},
    )
    inc, effects = report(cfg)
    (note,) = [p for p in of(effects, Post) if "佐藤" in p.view.text]
    assert "佐藤, 鈴木" in plain(note.view.text) and "、" not in note.view.text


def test_an_english_deadline_reminder_mentions_the_chain_with_commas() -> None:
    cfg = config(language="en")
    inc, _ = report(cfg, people="120", wrongful_purpose="no")
    on_the_day = datetime(2026, 12, 25, 0, 0, tzinfo=UTC)
    _, effects = step(inc, TimerFired(inc.id, "deadline", "final-0"), on_the_day, cfg)
    (post,) = of(effects, Post)
    people = [mention(u) for u in inc.escalation.members()[:5]]
    assert len(people) == 3 and ", ".join(people) in post.view.text and "、" not in post.view.text
