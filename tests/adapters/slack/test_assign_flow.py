"""Assigning a checklist item through the real Bolt stack (issue 14): the step card's 「担当者を指定」
(an overflow option) opens a modal with the chain and the responders; choosing 田中 さん updates the
step card and tells the card's thread, mentioning her; the Block Kit stays valid."""

from __future__ import annotations

import json

from tests.adapters.slack.blockkit import check_calls
from tests.adapters.slack.test_flow import _card, report


async def test_assign_an_item_from_the_step_card(slack, fake):
    await report(slack, fake)
    _, card_ts = _card(fake)
    thread = fake.thread("C0INCIDENTS", card_ts)
    step2 = next(m for m in thread if "2.1" in json.dumps(m["blocks"], ensure_ascii=False))

    r = await slack.click("C0INCIDENTS", step2["ts"], "item:assign", "U0SATO", value=None)
    assert r.status == 200
    await slack.settle()
    view_id = max(fake.views)
    modal = fake.views[view_id]
    (select,) = [b["element"] for b in modal["blocks"] if b["type"] == "input"]
    values = [o["value"] for o in select["options"]]
    assert values == ["slack:U0SATO", "slack:U0SUZUKI", "slack:U0TAKAHASHI", "slack:U0TANAKA", "-"]

    r = await slack.submit(view_id, {"owner": "slack:U0TANAKA"}, user="U0SATO")
    assert r.status == 200 and r.text == "", r.text
    await slack.settle()
    notes = [c.args for c in fake.called("chat.postMessage", channel="C0INCIDENTS", thread_ts=card_ts) if "担当" in c.args["text"]]
    assert len(notes) == 1 and "<@U0TANAKA>" in notes[0]["text"] and "さんにしました" in notes[0]["text"], notes
    shown = json.dumps(fake.messages[("C0INCIDENTS", step2["ts"])]["blocks"], ensure_ascii=False)
    assert "<@U0TANAKA>" in shown  # the step card names the new owner
    assert check_calls(fake.calls) > 5
