"""Recording a submission through the real Bolt stack against the fake Slack Web API: the card's
"Record a submission" button opens the modal, a bad record keeps it open with the error next to its
input, a good one updates the card in place — and a My Number typed as the receipt never reaches Slack."""

from __future__ import annotations

import json

from tests.adapters.slack.test_flow import _card, report

VALID = "123456789018"  # a valid check digit (LEGAL.md)


async def test_record_a_submission_from_the_card(slack, fake):
    r, _ = await report(slack, fake, people="120")
    assert r.status == 200 and r.text == ""
    _, card_ts = _card(fake)
    opened = len(fake.called("views.open"))
    r = await slack.click("C0INCIDENTS", card_ts, "submission:record", "U0SATO")
    assert r.status == 200
    await slack.settle()
    assert len(fake.called("views.open")) == opened + 1
    view_id = max(fake.views)
    assert fake.views[view_id]["callback_id"] == "submission"

    # a 追完 before any 確報: the modal stays open with the error on its input, nothing recorded
    r = await slack.submit(view_id, {"law": "mynumber", "kind": "supplement"}, user="U0SATO")
    body = r.json()
    assert r.status == 200 and body["response_action"] == "errors" and set(body["errors"]) == {"kind"}
    assert "確報" in body["errors"]["kind"]

    # the 速報, with a My Number pasted into the receipt: recorded masked, the card updated in place
    updates = len(fake.called("chat.update"))
    r = await slack.submit(view_id, {"law": "mynumber", "kind": "prelim", "receipt": f"PPC-1 {VALID}"}, user="U0SATO")
    await slack.settle()
    assert r.status == 200 and r.text == ""
    card_blocks = json.dumps(fake.messages[("C0INCIDENTS", card_ts)]["blocks"], ensure_ascii=False)
    assert "速報 2026-11-26" in card_blocks and "PPC-1" in card_blocks
    assert any(c.args.get("ts") == card_ts for c in fake.called("chat.update")[updates:])
    assert VALID not in json.dumps([c.args for c in fake.calls], ensure_ascii=False)
