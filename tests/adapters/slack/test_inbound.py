"""Slack payloads (shaped like the captured examples in Slack's docs) → neutral events."""

from __future__ import annotations

import json

from adapters.slack import inbound
from adapters.slack.inbound import Who
from bot.core.model import MessageRef, PlaceRef, UserRef

COMMAND = {"token": "x", "team_id": "T0001", "team_domain": "example", "channel_id": "C2147483705", "channel_name": "test",
           "user_id": "U2147483697", "user_name": "steve", "command": "/mynaleak", "text": "status ML-2026-0001",
           "response_url": "https://hooks.slack.com/commands/1234/5678", "trigger_id": "13345224609.738474920.8088930838d88f008e0",
           "api_app_id": "A123456"}  # fmt: skip


def _view(values: dict, meta: dict | None = None) -> dict:
    return {"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "U0SATO", "username": "sato", "name": "sato", "team_id": "T0001"},
            "api_app_id": "A1", "trigger_id": "1.2.3", "view": {"id": "V0PKB1ZFV", "hash": "1586285521.F3yAoLIt", "type": "modal",
            "callback_id": "item_na", "private_metadata": json.dumps(meta if meta is not None else {"f": "item_na", "c": "ML-2026-0001|1.2", "p": "C0INC"}),
            "state": {"values": values}, "blocks": []}}  # fmt: skip


def test_command():
    ev = inbound.command(COMMAND, Who("Steve Jobs", "en"))
    assert ev.actor == UserRef("slack", "U2147483697", "Steve Jobs")
    assert ev.place == PlaceRef("slack", "C2147483705")
    assert (ev.text, ev.trigger, ev.lang) == ("status ML-2026-0001", COMMAND["trigger_id"], "en")
    assert ev.dedup == f"slack:command:{COMMAND['trigger_id']}"
    assert inbound.command(COMMAND).actor.name == "steve"  # no users.info answer: the payload's name
    assert inbound.command({"text": "x"}) is None


def test_view_submission_values_and_dedup():
    values = {
        "reason": {"reason": {"type": "plain_text_input", "value": "対象外のため"}},
        "medium": {
            "medium": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "紙"}, "value": "paper"}}
        },
        "data_items": {"data_items": {"type": "multi_static_select", "selected_options": [{"value": "name"}, {"value": "mynumber"}]}},
        "discovered_at": {"discovered_at": {"type": "datetimepicker", "selected_date_time": 1795000000}},
        "occurred_at": {"occurred_at": {"type": "datetimepicker", "selected_date_time": None}},
        "people": {"people": {"type": "number_input", "value": None}},
    }
    ev = inbound.view_submission(_view(values))
    assert ev.form_id == "item_na" and ev.context == "ML-2026-0001|1.2" and ev.place == PlaceRef("slack", "C0INC")
    assert ev.values == {"reason": "対象外のため", "medium": "paper", "data_items": ("name", "mynumber"), "discovered_at": "2026-11-18T11:06:40+00:00",
                         "occurred_at": "", "people": ""}  # fmt: skip
    same = inbound.view_submission(_view(values))
    changed = inbound.view_submission(_view(values | {"reason": {"reason": {"type": "plain_text_input", "value": "別の理由"}}}))
    assert ev.dedup == same.dedup != changed.dedup  # a double click is one event; a corrected resubmission is another
    assert inbound.view_submission(_view({}, meta={})).form_id == "item_na"  # callback_id when metadata is missing


def test_block_actions_button_and_overflow():
    body = {"type": "block_actions", "user": {"id": "U0SATO", "username": "sato"}, "trigger_id": "12466734323.1395872398",
            "container": {"type": "message", "message_ts": "1548261231.000200", "channel_id": "D0SATO", "is_ephemeral": False},
            "channel": {"id": "D0SATO", "name": "directmessage"},
            "actions": [{"type": "button", "action_id": "ack~3", "block_id": "b", "value": "ML-2026-0001", "action_ts": "1548426417.840180"}]}  # fmt: skip
    ev = inbound.block_action(body)
    assert (ev.action, ev.value, ev.trigger) == ("ack", "ML-2026-0001", body["trigger_id"])
    assert ev.message == MessageRef("slack", inbound.message_key("D0SATO", "1548261231.000200"))
    assert ev.place == PlaceRef("slack", "D0SATO") and ev.dedup == "slack:action:12466734323.1395872398"
    body["actions"] = [
        {"type": "overflow", "action_id": "overflow~1", "selected_option": {"value": "item:na~ML-2026-0001|1.2"}, "action_ts": "1"}
    ]
    ev = inbound.block_action(body)
    assert (ev.action, ev.value) == ("item:na", "ML-2026-0001|1.2")
    body["container"]["is_ephemeral"] = True
    assert inbound.block_action(body).message is None
    body["actions"] = [{"type": "static_select", "action_id": "x"}]
    assert inbound.block_action(body) is None


def test_message_events():
    body = {
        "type": "event_callback",
        "event_id": "Ev0PV52K21",
        "event": {"type": "message", "channel": "C0INC", "user": "U0TANAKA", "text": "hi", "ts": "1.2"},
    }
    ev = inbound.message_event(body)
    assert (ev.actor.key, ev.place.key, ev.text, ev.dedup) == ("U0TANAKA", "C0INC", "hi", "slack:event:Ev0PV52K21")
    for extra in ({"subtype": "message_changed"}, {"subtype": "bot_message", "bot_id": "B1"}, {"bot_id": "B1"}):
        assert inbound.message_event({**body, "event": {**body["event"], **extra}}) is None
    assert inbound.message_event({**body, "event": {**body["event"], "subtype": "thread_broadcast"}}) is not None


def test_message_keys_and_locales():
    key = inbound.message_key("C1", "1.2")
    assert inbound.parse_message_key(key) == ("C1", "1.2")
    assert [inbound.locale_lang(x) for x in ("ja-JP", "en-GB", "fr-FR", None)] == ["ja", "en", None, None]
