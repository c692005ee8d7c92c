"""The whole path through the real Bolt stack: /mynaleak report → modal → incident card and page →
acknowledge → checklist tick → reminder in the thread, all against the fake Slack Web API."""

from __future__ import annotations

import json

from tests.adapters.slack.blockkit import check_calls


def _card(fake):
    posts = [c for c in fake.called("chat.postMessage", channel="C0INCIDENTS") if "thread_ts" not in c.args]
    assert len(posts) == 1, [c.args.get("text") for c in posts]
    ts = next(ts for (ch, ts), m in fake.messages.items() if ch == "C0INCIDENTS" and "thread_ts" not in m)
    return posts[0], ts


async def report(slack, fake, user="U0REPORTER", **values):
    r = await slack.command("report", user=user)
    assert r.status == 200 and r.text == ""
    await slack.settle()
    opened = fake.called("views.open")
    assert opened, "the report form was not opened"
    view_id = max(fake.views)
    base = {"summary": "経理担当者がUSBメモリの入った鞄を紛失した", "medium": "removable", "people": "30", "whose": "employees"}
    r = await slack.submit(view_id, base | values, user=user)
    await slack.settle()
    return r, view_id


async def test_report_to_reminder(slack, fake, clock):
    r, _ = await report(slack, fake)
    assert r.status == 200 and r.text == "", r.text  # accepted: the modal closes
    card_call, card_ts = _card(fake)
    assert "ML-" in card_call.args["text"]
    header = card_call.args["blocks"][0]
    assert header["type"] == "header" and "ML-" in header["text"]["text"]

    # the page: a DM to step 1 of the chain (sato), with an Acknowledge button
    assert fake.called("conversations.open", users="U0SATO")
    page = fake.called("chat.postMessage", channel="D0SATO")
    assert len(page) == 1
    page_ts = next(ts for (ch, ts) in fake.messages if ch == "D0SATO")
    assert any(el.get("style") == "primary" for b in page[0].args["blocks"] if b["type"] == "actions" for el in b["elements"])

    # the thread: the paging note and the six step cards, replies to the card
    thread = fake.thread("C0INCIDENTS", card_ts)
    assert len(thread) >= 7
    # the reporter's confirmation, privately where they typed the command
    assert any(e["user"] == "U0REPORTER" and e["channel"] == "C0GENERAL" for e in fake.ephemerals)
    # the reporter's name came from users.info (cached: one look-up for several requests)
    assert len(fake.called("users.info", user="U0REPORTER")) == 1

    # acknowledge from the page
    r = await slack.click("D0SATO", page_ts, "ack", "U0SATO")
    assert r.status == 200
    await slack.settle()
    updated = {(c.args["channel"], c.args["ts"]) for c in fake.called("chat.update")}
    assert ("D0SATO", page_ts) in updated and ("C0INCIDENTS", card_ts) in updated
    assert not any(b["type"] == "actions" for b in fake.messages[("D0SATO", page_ts)]["blocks"]), "the page still offers Acknowledge"
    assert "<@U0SATO> さんが" in json.dumps(fake.messages[("C0INCIDENTS", card_ts)]["blocks"], ensure_ascii=False)

    # a tick: item 1.1 done, from the step card in the thread
    step1 = next(m for m in thread if "1.1" in json.dumps(m["blocks"], ensure_ascii=False))
    before = len(fake.called("chat.update"))
    r = await slack.click("C0INCIDENTS", step1["ts"], "item:done", "U0SATO", value=None)
    assert r.status == 200
    await slack.settle()
    new_updates = fake.called("chat.update")[before:]
    assert {c.args["ts"] for c in new_updates} >= {step1["ts"], card_ts}
    assert "✅" in json.dumps(fake.messages[("C0INCIDENTS", step1["ts"])]["blocks"], ensure_ascii=False)

    # the reminder digest, hours later, in the card's thread
    clock.advance(hours=4, minutes=1)
    await slack.app.ticker.tick()
    await slack.settle()
    reminders = [
        c
        for c in fake.called("chat.postMessage", channel="C0INCIDENTS", thread_ts=card_ts)
        if "ML-" in c.args["text"] and "🚨" not in c.args["text"]
    ]
    assert any("remind" in c.args["text"] or "未完了" in c.args["text"] for c in reminders), [c.args["text"] for c in reminders]
    assert check_calls(fake.calls) > 10


async def test_rejected_form_stays_open_with_errors(slack, fake):
    r, view_id = await report(slack, fake, summary="", people="abc")
    body = r.json()
    assert r.status == 200 and body["response_action"] == "errors"
    assert set(body["errors"]) >= {"summary"}
    assert all(k in {b.get("block_id") for b in fake.views[view_id]["blocks"]} for k in body["errors"])
    assert not fake.called("chat.postMessage", channel="C0INCIDENTS")
    # corrected and resubmitted from the same modal: accepted (not taken for a duplicate)
    r = await slack.submit(view_id, {"summary": "書類を誤送付した", "medium": "paper"})
    await slack.settle()
    assert r.status == 200 and r.text == ""
    assert _card(fake)


async def test_double_submit_and_retries_make_one_incident(slack, fake):
    r, view_id = await report(slack, fake)
    payload = slack.view_payload(view_id, {"summary": "書類を誤送付した", "medium": "paper"}, "U0REPORTER")
    # the same submission again (a double click) and Slack's retry of it
    payload["view"]["hash"] = fake.views[view_id]["hash"]
    again = await slack.interactive(payload)
    retry = await slack.interactive(payload, retry=1)
    await slack.settle()
    assert again.status == retry.status == 200
    # the first submission used different values; these two are one event between them
    cards = [c for c in fake.called("chat.postMessage", channel="C0INCIDENTS") if "thread_ts" not in c.args]
    assert len(cards) == 2
    pages = fake.called("chat.postMessage", channel="D0SATO")
    assert len(pages) == 2


async def test_retried_command_and_double_ack(slack, fake):
    body = slack.command_body("help", "U0REPORTER", "C0GENERAL")
    first = await slack.form(body)
    retry = await slack.form(body, retry=1)
    await slack.settle()
    assert first.status == retry.status == 200
    assert len(fake.ephemerals) == 1, "a retried slash command answered twice"

    await report(slack, fake)
    page_ts = next(ts for (ch, ts) in fake.messages if ch == "D0SATO")
    one = slack.click_payload("D0SATO", page_ts, "ack", "U0SATO")
    two = slack.click_payload("D0SATO", page_ts, "ack", "U0SATO")  # a second click: a new trigger_id
    for payload in (one, one, two):
        assert (await slack.interactive(payload, retry=None)).status == 200
    await slack.settle()
    acked_notes = [
        c
        for c in fake.called("chat.postMessage", channel="C0INCIDENTS")
        if "thread_ts" in c.args and "Sato Hanako" in c.args["text"] and "✅" in c.args["text"]
    ]
    assert len(acked_notes) <= 1
    assert len(fake.called("chat.postMessage", channel="D0REPORTER")) == 1, "the reporter was told of the ack twice"


async def test_bad_signature_old_timestamp_refused_and_nothing_stored(slack, fake):
    import time

    body = slack.command_body("report", "U0REPORTER", "C0GENERAL")
    from urllib.parse import urlencode

    raw = urlencode(body)
    wrong = await slack.send(raw, "application/x-www-form-urlencoded", headers=slack.headers(raw, secret="not-the-secret"))
    old = await slack.send(raw, "application/x-www-form-urlencoded", headers=slack.headers(raw, ts=int(time.time()) - 301))
    missing = await slack.send(raw, "application/x-www-form-urlencoded", headers={})
    await slack.settle()
    assert wrong.status == old.status == missing.status == 401
    assert not fake.called("views.open") and not fake.called("users.info")
    async with slack.app.store.tx() as tx:
        assert await tx.first_time(f"slack:command:{body['trigger_id']}", slack.app.runtime.clock()), "a refused request left a trace"


async def test_my_number_in_a_channel_message_is_refused_privately(slack, fake):
    r = await slack.event("番号は 1234 5678 9018 です", "U0TANAKA")
    await slack.settle()
    assert r.status == 200
    assert [e["user"] for e in fake.ephemerals] == ["U0TANAKA"]
    # Slack's retry of the same event does nothing more
    eid = "Ev0RETRY"
    await slack.event("番号は 1234 5678 9018 です", "U0TANAKA", event_id=eid)
    await slack.event("番号は 1234 5678 9018 です", "U0TANAKA", event_id=eid, retry=1)
    await slack.settle()
    assert len(fake.ephemerals) == 2


async def test_url_verification_and_unknown_payloads_are_answered(slack, fake):
    import json as _json

    challenge = _json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})
    r = await slack.send(challenge, "application/json")
    assert r.status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in r.text
    # a click on something that is not one of our buttons, and a message from a bot: acked, ignored
    r = await slack.interactive({"type": "block_actions", "user": {"id": "U0SATO"}, "trigger_id": fake.trigger(), "team": {"id": "T0FAKE"},
                                 "actions": [{"type": "static_select", "action_id": "x", "block_id": "b", "action_ts": "1"}]})  # fmt: skip
    body = slack.event_body("hello", "U0SATO", "C0INCIDENTS")
    body["event"]["bot_id"] = "B0OTHER"
    r2 = await slack.send(_json.dumps(body), "application/json")
    await slack.settle()
    assert r.status == r2.status == 200
    assert not fake.ephemerals and not fake.called("chat.postMessage")


async def test_draft_report_is_uploaded_into_the_thread(slack, fake, clock):
    await report(slack, fake)
    card_call, card_ts = _card(fake)
    incident = card_call.args["text"].split("ML-", 1)[1].split()[0].rstrip("）)")
    r = await slack.click("C0INCIDENTS", card_ts, "draft", "U0SATO", value=f"ML-{incident}|report")
    assert r.status == 200
    await slack.settle()
    shared = [m for m in fake.thread("C0INCIDENTS", card_ts) if m.get("files")]
    assert len(shared) == 1, "one message carries the files"
    names = sorted(fake.files[f]["name"] for f in shared[0]["files"])
    assert names == [f"ML-{incident}-report-prelim.docx", f"ML-{incident}-report-prelim.md"]  # the first report due: 速報
    md = next(fake.files[f]["content"] for f in shared[0]["files"] if fake.files[f]["name"].endswith(".md")).decode()
    assert "経理担当者がUSBメモリの入った鞄を紛失した" in md and "下書き" in shared[0]["text"]
    # a transient failure of the share is retried without a second message
    fake.fail("files.completeUploadExternal", status=500)
    r = await slack.click("C0INCIDENTS", card_ts, "draft", "U0SATO", value=f"ML-{incident}|notice")
    await slack.settle()
    clock.advance(seconds=5)
    await slack.app.ticker.tick()
    await slack.settle()
    notices = [
        m for m in fake.thread("C0INCIDENTS", card_ts) if m.get("files") and any("notice" in fake.files[f]["name"] for f in m["files"])
    ]
    assert len(notices) == 1
