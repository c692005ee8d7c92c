"""Inbound translators on Teams-shaped activities."""

from __future__ import annotations

import json

import pytest

from adapters.teams import inbound
from bot.core.events import ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted
from tests.adapters.teams import fakes

URL = "https://smba.trafficmanager.net/jp/"
SATO = fakes.person("aad-sato", "佐藤 花子")


@pytest.mark.parametrize(
    ("text", "mention", "expected"),
    [
        ("report", False, "report"),
        ("report", True, "report"),
        ("<at>mynaleak</at>&nbsp;status ML-2026-0001", False, "status ML-2026-0001"),
        ("<p>list&nbsp;all</p>", False, "list all"),
        ("  HELP  ", False, "HELP"),
    ],
)
def test_commands_with_and_without_mentions(text: str, mention: bool, expected: str) -> None:
    act = fakes.message(URL, SATO, text, fakes.in_channel("123"), mention=mention)
    ev = inbound.translate(act)
    assert isinstance(ev, CommandInvoked)
    assert ev.text == expected
    assert ev.actor.key == "aad-sato" and ev.actor.name == "佐藤 花子"
    assert ev.place.key == f"{fakes.CHANNEL};messageid=123"
    assert ev.dedup == f"teams:{act['id']}" and ev.lang == "ja"


def test_other_mentions_keep_their_names() -> None:
    act = fakes.message(URL, SATO, "status <at>Tanaka</at>", fakes.personal("aad-sato"), mention=True)
    assert inbound.translate(act).text == "status Tanaka"  # type: ignore[union-attr]


def test_without_aad_id_the_channel_account_id_is_the_key() -> None:
    act = fakes.message(URL, {"id": "29:abc", "name": "X"}, "help", fakes.personal("x"))
    act["locale"] = "en-US"
    ev = inbound.translate(act)
    assert ev.actor.key == "29:abc" and ev.lang == "en"  # type: ignore[union-attr]


def test_a_my_number_is_not_a_command() -> None:
    act = fakes.message(URL, SATO, "123456789018 を紛失", fakes.personal("aad-sato"))
    assert isinstance(inbound.translate(act), MessagePosted)


def test_form_submission_joins_date_and_time_and_splits_multiselect() -> None:
    value = {"form": "report", "context": "", "mynaleak": {"dt": ["discovered_at", "occurred_at"], "multi": ["data_items"]},
             "summary": "紛失", "discovered_at__date": "2026-11-26", "discovered_at__time": "09:30",
             "occurred_at__date": "2026-11-25", "data_items": "mynumber,name", "people": 20}  # fmt: skip
    ev = inbound.translate(fakes.submit(URL, SATO, value, fakes.personal("aad-sato"), "99"))
    assert isinstance(ev, FormSubmitted) and ev.form_id == "report"
    assert ev.values == {"summary": "紛失", "data_items": ("mynumber", "name"), "people": "20",
                         "discovered_at": "2026-11-26T09:30", "occurred_at": "2026-11-25T00:00"}  # fmt: skip


def test_button_press_carries_the_message() -> None:
    act = fakes.submit(URL, SATO, {"action": "ack", "value": "ML-2026-0001"}, fakes.personal("aad-sato"), "1700")
    ev = inbound.translate(act)
    assert isinstance(ev, ButtonPressed) and (ev.action, ev.value) == ("ack", "ML-2026-0001")
    assert json.loads(ev.message.key) == {"conversation": "a:personal-aad-sato", "activity_id": "1700", "service_url": URL}  # type: ignore[union-attr]


def test_unreadable_submissions_and_other_activities() -> None:
    with pytest.raises(inbound.BadActivity):
        inbound.translate(fakes.submit(URL, SATO, {"what": 1}, fakes.personal("aad-sato"), "1"))
    with pytest.raises(inbound.BadActivity):
        inbound.translate({"type": "message", "text": "help", "conversation": {"id": "a:1"}})  # no sender
    assert inbound.translate(fakes.installed(URL, SATO, fakes.personal("aad-sato"))) is None
    typing = fakes.message(URL, SATO, "", fakes.personal("aad-sato"))
    typing["type"] = "typing"
    assert inbound.translate(typing) is None


def test_installation_events() -> None:
    assert inbound.installation(fakes.installed(URL, SATO, fakes.personal("aad-sato"))) == "add"
    assert inbound.installation(fakes.added_to_team(URL, SATO, fakes.in_channel())) == "add"
    removed = dict(fakes.installed(URL, SATO, fakes.personal("aad-sato")), action="remove")
    assert inbound.installation(removed) == "remove"
    assert inbound.installation(fakes.message(URL, SATO, "help", fakes.personal("aad-sato"))) is None
