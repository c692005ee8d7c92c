"""Issue 14 (Slack): the message shortcut 「マイナンバー事案として報告」 opens the report form that
`/mynaleak report` opens, pre-filled with the message's text — masked, cut to the form's limit — and a
reference to the message, through the real Bolt app against the fake Web API."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from adapters.slack.shortcuts import CALLBACK_ID
from bot.core.redaction import MASK
from tests.adapters.slack.test_refused_logging import traces

NUMBER = "1234 5678 9018"  # a valid My Number (check digit 8)


def shortcut_payload(fake, message_text: str, user: str = "U0REPORTER", channel_name: str = "general") -> dict:
    return {"type": "message_action", "callback_id": CALLBACK_ID, "trigger_id": fake.trigger(), "token": "legacy",
            "api_app_id": "A0FAKE", "team": {"id": "T0FAKE", "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0FAKE"},
            "channel": {"id": "C0GENERAL", "name": channel_name}, "message_ts": "1700000123.000200",
            "message": {"type": "message", "user": "U0SATO", "ts": "1700000123.000200", "text": message_text},
            "response_url": "https://hooks.slack.invalid/app/1"}  # fmt: skip


def _summary(view: dict) -> dict:
    return next(b["element"] for b in view["blocks"] if b.get("type") == "input" and b["element"]["action_id"] == "summary")


async def _everything_stored(slack) -> str:
    out = []
    async with slack.app.store.engine.connect() as conn:
        for table in ("incident", "outbox", "audit_event"):
            out += [repr(tuple(r)) for r in await conn.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(out)


async def test_message_shortcut_opens_the_report_form_masked_with_a_reference(slack, fake, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    r = await slack.interactive(shortcut_payload(fake, f"経理の鞄を紛失しました。番号 {NUMBER} のメモが入っていました"))
    assert r.status == 200
    await slack.settle()
    (opened,) = fake.called("views.open")
    view = opened.args["view"]
    summary = _summary(view)["initial_value"]
    assert "経理の鞄を紛失しました" in summary and MASK in summary
    assert "9018" not in summary
    assert "#general (C0GENERAL) ts=1700000123.000200" in summary
    # the person is told, privately, that the number was masked
    assert any("伏せ字" in str(e.get("text")) or "伏せ字" in str(e.get("blocks")) for e in fake.ephemerals)

    # the same form as /mynaleak report opens (same callback, same inputs)
    assert (await slack.command("report")).status == 200
    await slack.settle()
    plain = fake.called("views.open")[-1].args["view"]
    assert plain["callback_id"] == view["callback_id"]
    assert [b.get("block_id") for b in plain["blocks"]] == [b.get("block_id") for b in view["blocks"]]
    assert _summary(plain).get("initial_value", "") == ""

    # submitted as it came (the summary untouched): the incident records where it was declared from
    view_id = next(v for v, stored in fake.views.items() if _summary(stored).get("initial_value") == summary)
    r = await slack.submit(view_id, {"medium": "paper", "people": "1", "whose": "employees"})
    assert r.status == 200 and r.text == "", r.text
    await slack.settle()
    stored = await _everything_stored(slack)
    assert "#general (C0GENERAL) ts=1700000123.000200" in stored
    assert "9018" not in stored
    sent = " ".join(repr(c.args) for c in fake.calls)
    assert "9018" not in sent
    assert traces(caplog.records) == []


async def test_long_message_is_cut_to_the_form_limit_and_keeps_its_reference(slack, fake):
    long = "あ" * 5000 + "末尾"
    assert (await slack.interactive(shortcut_payload(fake, long, channel_name=""))).status == 200
    await slack.settle()
    (opened,) = fake.called("views.open")
    element = _summary(opened.args["view"])
    value = element["initial_value"]
    assert len(value) <= element.get("max_length", 3000) and "末尾" not in value
    assert value.startswith("（Slack のメッセージから報告：C0GENERAL ts=1700000123.000200）")  # no name: the id


async def test_message_shortcut_in_english_and_a_payload_without_channel(slack, fake, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    assert (await slack.interactive(shortcut_payload(fake, "lost a laptop", user="U0TANAKA"))).status == 200
    await slack.settle()
    assert "Reported from a Slack message" in _summary(fake.called("views.open")[-1].args["view"])["initial_value"]
    broken = shortcut_payload(fake, "x")
    del broken["channel"]
    r = await slack.interactive(broken)
    assert r.status == 200
    await slack.settle()
    assert len(fake.called("views.open")) == 1
    assert any("unreadable Slack payload" in r.getMessage() for r in caplog.records)
