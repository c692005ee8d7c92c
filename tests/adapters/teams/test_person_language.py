"""Issue 14 (Teams): a person's language governs what is said to them alone — 1:1 answers, refusals,
forms — from their Teams client's locale (the activity's ``locale``), like Slack's user locale; the
incident's card and thread stay in the organisation's language. Through botbuilder's real path.

Before, the flows wrote an English speaker's form in English but the adapter rendered its own words
(each field's error message, the time field's label, the note in the channel) in Japanese."""

from __future__ import annotations

from typing import Any

from bot.core.i18n import t
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot
from tests.adapters.teams.test_scenario import TANAKA, install_everyone, report
from tests.support.jsontree import nodes


def english(activity: dict[str, Any]) -> dict[str, Any]:
    activity["locale"] = "en-US"
    activity["entities"] = [*(e for e in activity.get("entities") or [] if e.get("type") != "clientInfo"),
                            {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}]  # fmt: skip
    return activity


def japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def _texts(card: dict | None) -> str:
    return " ".join(str(n.get("text", "")) for n in nodes(card or {}) if n.get("type") == "TextBlock")


async def test_a_form_and_the_note_in_the_channel_speak_the_persons_language(bot: Bot) -> None:
    url = await install_everyone(bot)
    c = bot.connector
    before = len(c.calls)
    assert await bot.post(english(fakes.message(url, TANAKA, "report", fakes.in_channel(), mention=True))) == 201
    new = c.calls[before:]
    (form,) = [x for x in new if x.conversation == "a:personal-aad-tanaka"]
    inputs = [el for el in form.card["body"] if str(el.get("type", "")).startswith("Input.")]
    words = [el.get("label", "") for el in inputs] + [el.get("errorMessage", "") for el in inputs]
    assert any(el.get("errorMessage") for el in inputs) and not [w for w in words if japanese(w)], words
    assert any(w.startswith(t("teams.required_text", "en", field="").split("“")[0]) for w in words)  # the adapter's own words
    (pointer,) = [x for x in new if x.conversation == fakes.CHANNEL]
    assert _texts(pointer.card) == t("teams.form_in_dm", "en", name="<at>田中 美咲</at>")  # said to him, in English


async def test_private_answers_follow_the_locale_and_the_thread_stays_japanese(bot: Bot) -> None:
    url = await install_everyone(bot)
    incident, _ = await report(bot, url)  # reported by a Japanese speaker: the incident is Japanese
    c = bot.connector
    before = len(c.calls)
    assert await bot.post(english(fakes.message(url, TANAKA, f"status {incident}", fakes.personal("aad-tanaka")))) == 201
    (answer,) = [x for x in c.calls[before:] if x.conversation == "a:personal-aad-tanaka"]
    shown = _texts(answer.card)
    assert t("card.title", "ja", id=incident) in shown  # the card as the channel has it
    assert t("names.status_frame", "en", lang=t("names.lang.ja", "en")) in shown  # and why, in English
    # a usage answer, in English too
    before = len(c.calls)
    assert await bot.post(english(fakes.message(url, TANAKA, "close", fakes.personal("aad-tanaka")))) == 201
    (usage,) = [x for x in c.calls[before:] if x.conversation == "a:personal-aad-tanaka"]
    assert "ML-" in _texts(usage.card) and not japanese(_texts(usage.card))
