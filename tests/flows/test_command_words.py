"""Help lists every command by the word a person types on each platform (its ``Platform.command``),
and the Japanese words for the commands work everywhere."""

from __future__ import annotations

from dataclasses import replace

import pytest

import adapters
from bot.core.i18n import catalogue
from flows import State, needs
from flows.commands import VERBS, parse
from tests.flows.helpers import (
    OUTSIDER,
    SATO,
    T0,
    command,
    config,
    handle,  # flows.handle, with the cards drawn when sent drawn
)


@pytest.mark.parametrize("platform", adapters.PLATFORMS, ids=lambda p: p.name)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_help_lists_every_command_as_typed_on_each_platform(platform: adapters.Platform, lang: str) -> None:
    event = replace(command(OUTSIDER, "help"), lang=lang)
    (reply,) = handle(State(), event, T0, config(), platform.command)[1]
    text = reply.view.text
    assert [v for v in VERBS if f"・{platform.command}{v}" not in text and f"• {platform.command}{v}" not in text] == []
    if not platform.command.startswith("/"):
        assert "/mynaleak" not in text
    if lang == "ja":  # the Japanese words are named too
        from flows.commands import ALIASES

        assert [w for w in ALIASES if w not in text] == []


def test_teams_is_typed_without_a_slash_command() -> None:
    assert adapters.get("teams").command == ""


def test_every_command_text_reads_right_without_a_slash_command() -> None:
    for lang in ("ja", "en"):
        for key, text in catalogue(lang).items():
            if "{cmd}" in text:
                empty = text.replace("{cmd}", "")
                assert "  " not in empty and "：" + " " not in empty and "　" not in empty, (key, empty)


@pytest.mark.parametrize(("typed", "verb"), [("報告", "report"), ("状況 ML-2026-0001", "status"), ("一覧", "list"),
                                             ("ヘルプ", "help"), ("クローズ ML-2026-0001 理由", "close"), ("訓練", "drill")])  # fmt: skip
def test_japanese_words_are_the_commands(typed: str, verb: str) -> None:
    from flows.commands import ALIASES

    assert parse(typed)[0] == verb
    assert set(ALIASES.values()) <= set(VERBS)
    assert needs(command(SATO, typed)) == needs(command(SATO, typed.replace(typed.split()[0], verb)))
