"""The playground's inbound translators: the page's JSON → events, and every malformed request refused."""

from __future__ import annotations

import pytest

from adapters.playground import inbound
from adapters.playground.inbound import InboundError
from adapters.playground.personas import personas
from bot.core.config import SAMPLE_CONFIG, load_org
from bot.core.events import ButtonPressed, CommandInvoked, FormSubmitted, MessagePosted
from bot.core.model import MessageRef, PlaceRef

PEOPLE = {p.id: p for p in personas(load_org(SAMPLE_CONFIG))}
RID = "0123456789abcdef"


def test_personas_come_from_the_config_plus_a_reporter_and_an_outsider() -> None:
    assert [(p.id, p.role, p.step) for p in PEOPLE.values()] == [
        ("yamada", "reporter", 0),
        ("sato", "chain", 1),
        ("suzuki", "chain", 2),
        ("takahashi", "chain", 3),
        ("tanaka", "responder", 0),
        ("outsider", "outsider", 0),
    ]
    assert PEOPLE["sato"].user().name == "佐藤 花子"


def test_a_slash_command_becomes_a_command() -> None:
    ev = inbound.command({"id": RID, "persona": "yamada", "text": "  /mynaleak report  ", "lang": "en"}, PEOPLE, "incidents")
    assert isinstance(ev, CommandInvoked)
    assert (ev.text, ev.place, ev.trigger, ev.dedup, ev.lang) == (
        "report",
        PlaceRef("playground", "incidents"),
        "yamada",
        f"playground:{RID}",
        "en",
    )
    assert ev.actor.key == "yamada"


def test_plain_text_is_a_message_and_keeps_its_thread() -> None:
    ev = inbound.command({"id": RID, "persona": "sato", "text": "見ました", "thread": "abc123"}, PEOPLE, "incidents")
    assert isinstance(ev, MessagePosted) and ev.lang == "ja"
    assert inbound.split_place(ev.place.key) == ("incidents", "abc123")


def test_a_command_in_your_own_dm() -> None:
    ev = inbound.command({"id": RID, "persona": "sato", "place": "dm:sato", "text": "/mynaleak help"}, PEOPLE, "incidents")
    assert ev.place == PlaceRef("playground", "dm:sato")


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"persona": "yamada", "text": "/mynaleak report"}, "bad_id"),
        ({"id": "short", "persona": "yamada", "text": "x"}, "bad_id"),
        ({"id": RID, "persona": "nobody", "text": "x"}, "unknown_persona"),
        ({"id": RID, "persona": ["yamada"], "text": "x"}, "unknown_persona"),
        ({"id": RID, "persona": "yamada", "text": "x", "lang": "fr"}, "bad_lang"),
        ({"id": RID, "persona": "yamada", "text": "   "}, "missing_field"),
        ({"id": RID, "persona": "yamada", "text": 42}, "bad_field"),
        ({"id": RID, "persona": "yamada", "text": "x" * 4001}, "too_long"),
        ({"id": RID, "persona": "yamada", "text": "/giphy cats"}, "unknown_command"),
        ({"id": RID, "persona": "yamada", "text": "x", "place": "dm:sato"}, "bad_place"),
        ({"id": RID, "persona": "yamada", "text": "x", "place": "general"}, "bad_place"),
        ({"id": RID, "persona": "yamada", "text": "x", "thread": "../../etc"}, "bad_key"),
    ],
)
def test_malformed_commands_are_refused(payload: dict, code: str) -> None:
    with pytest.raises(InboundError) as err:
        inbound.command(payload, PEOPLE, "incidents")
    assert err.value.code == code


def test_a_press_carries_its_message_and_place() -> None:
    ev = inbound.press({"id": RID, "persona": "sato", "message": "abc", "action": "ack", "value": "ML-2026-0001"}, PEOPLE, "dm:sato")
    assert isinstance(ev, ButtonPressed)
    assert (ev.action, ev.value, ev.message, ev.place) == (
        "ack",
        "ML-2026-0001",
        MessageRef("playground", "abc"),
        PlaceRef("playground", "dm:sato"),
    )


def test_a_submission_keeps_lists_as_tuples() -> None:
    ev = inbound.submit(
        {"id": RID, "persona": "yamada", "values": {"summary": "x", "data_items": ["mynumber", "name"]}}, PEOPLE, "report", "", "incidents"
    )
    assert isinstance(ev, FormSubmitted)
    assert ev.values == {"summary": "x", "data_items": ("mynumber", "name")} and ev.form_id == "report"


@pytest.mark.parametrize(
    "values",
    [None, [], "x", {"a": 1}, {"a": {"b": "c"}}, {"a": [1]}, {"a": "x" * 10001}, {f"k{i}": "" for i in range(51)}, {"k" * 65: ""}],
)
def test_malformed_values_are_refused(values: object) -> None:
    with pytest.raises(InboundError) as err:
        inbound.submit({"id": RID, "persona": "yamada", "values": values}, PEOPLE, "report", "", None)
    assert err.value.code == "bad_values"


@pytest.mark.parametrize("raw", [b"", b"{", b"[1]", b"\xff\xfe", b'"x"', b"null"])
def test_a_body_must_be_a_json_object(raw: bytes) -> None:
    with pytest.raises(InboundError) as err:
        inbound.parse_json(raw)
    assert err.value.code == "bad_json"


@pytest.mark.parametrize("place, thread", [("incidents", None), ("incidents", "abc"), ("dm:sato", None), ("a#b", "c")])
def test_places_round_trip(place: str, thread: str | None) -> None:
    assert inbound.split_place(inbound.place_key(place, thread)) == (place, thread)
