"""The whole story over the real botbuilder stack: Activity JSON posted to /api/messages, everything
the bot sends captured at a fake Bot Framework connector on loopback (the activities' serviceUrl)."""

from __future__ import annotations

import json

from storage.conversations import StoredReferences
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot
from tests.support.jsontree import nodes

SATO, TAKAHASHI, SUZUKI, TANAKA = (fakes.person(k) for k in ("aad-sato", "aad-takahashi", "aad-suzuki", "aad-tanaka"))
YAMADA = fakes.person("aad-yamada", "山田 太郎")
REPORT = {
    "summary": "経理担当者が帰宅途中にUSBメモリを紛失した",
    "discovered_at__date": "2026-11-26",
    "discovered_at__time": "09:30",
    "occurred_at__date": "",
    "occurred_at__time": "",
    "medium": "removable",
    "people": "20",
    "people_max": "",
    "data_items": "mynumber,name",
    "whose": "employees",
    "encrypted": "no",
    "exposed_online": "no",
    "wrongful_purpose": "no",
    "outsourcee": "no",
    "notes": "",
}


def cards(bot: Bot) -> list[dict]:
    return [c.card for c in bot.connector.calls if c.card]


async def install_everyone(bot: Bot) -> str:
    url = bot.connector.url
    assert await bot.post(fakes.added_to_team(url, SATO, fakes.in_channel())) == 201
    for who in (SATO, SUZUKI, TANAKA, YAMADA):  # takahashi never installed the app
        assert await bot.post(fakes.installed(url, who, fakes.personal(who["aadObjectId"]))) == 201
    bot.connector.calls.clear()  # the welcome messages (test_teams_ux.py): the stories start after them
    bot.connector.attempts.clear()
    return url


async def report(bot: Bot, url: str) -> tuple[str, str]:
    """yamada reports: returns (incident id, the id of the form card)."""
    assert await bot.post(fakes.message(url, YAMADA, "report", fakes.personal("aad-yamada"))) == 201
    form = bot.connector.to("a:personal-aad-yamada", "send")[-1]
    assert form.card["actions"][0]["data"]["form"] == "report"
    data = dict(form.card["actions"][0]["data"])
    status = await bot.post(fakes.submit(url, YAMADA, {**data, **REPORT}, fakes.personal("aad-yamada"), reply_to="form-1"))
    assert status == 201
    page = bot.connector.to("a:personal-aad-sato", "send")[-1]
    incident = page.card["actions"][0]["data"]["value"]
    return incident, "form-1"


async def test_report_page_ack_tick_reminder(bot: Bot) -> None:
    url = await install_everyone(bot)
    # "report" in the personal chat → the form, as an Adaptive Card in that chat
    incident, form_id = await report(bot, url)
    assert incident.startswith("ML-")
    c = bot.connector
    # the form card was closed in place after the submission
    assert [u.card["body"][0]["items"][0]["text"] for u in c.by_id(form_id)] == ["送信しました"]
    # the incident card in the channel, the six step cards as replies in its thread
    root = c.to(fakes.CHANNEL, "send")
    assert len(root) == 1 and incident in root[0].text()
    thread_conv = [x for x in {k.conversation for k in c.calls} if x.startswith(fakes.CHANNEL + ";messageid=")]
    assert len(thread_conv) == 1, thread_conv
    root_id = root[0].result_id
    assert thread_conv[0] == f"{fakes.CHANNEL};messageid={root_id}"
    steps = [x for x in c.to(thread_conv[0], "send") if "item:done" in x.text()]
    assert len(steps) == len(bot.app.config.checklist)
    # the page: proactive, in sato's personal chat, with the Acknowledge button
    page = c.to("a:personal-aad-sato", "send")[-1]
    assert page.card["actions"][0]["data"] == {"action": "ack", "value": incident}
    # the reporter got the confirmation privately (their own chat)
    assert any(incident in x.text() for x in c.to("a:personal-aad-yamada", "send")[1:])

    # sato acknowledges from the page → the card in the channel and the page are updated in place
    before = len(c.calls)
    page_id = page.result_id
    ack = fakes.submit(url, SATO, {"action": "ack", "value": incident}, fakes.personal("aad-sato"), reply_to=page_id)
    assert await bot.post(ack) == 201
    updates = [x for x in c.calls[before:] if x.op == "update"]
    assert {x.activity_id for x in updates} >= {root_id, page_id}
    assert "佐藤" in [u for u in updates if u.activity_id == root_id][-1].text()
    # a retried delivery of the same activity (same id) is dropped
    n = len(c.calls)
    assert await bot.post(ack) == 201
    assert len(c.calls) == n

    # a tick on the checklist by tanaka (a responder) in the thread: take item 1-1 → the step card updates
    step1 = steps[0]
    take = [a for el in nodes(step1.card) for a in el.get("actions", []) if a["data"]["action"] == "item:take"][0]
    press = fakes.submit(url, TANAKA, take["data"], fakes.in_channel(root_id), reply_to=step1.result_id)
    before = len(c.calls)
    assert await bot.post(press) == 201
    assert any(x.op == "update" and x.activity_id == step1.result_id and "田中" in x.text() for x in c.calls[before:])

    # time passes: the ticker fires the reminder digest into the thread, mentioning tanaka
    bot.app.runtime.clock.advance(hours=2)  # type: ignore[attr-defined]
    before = len(c.calls)
    await bot.app.ticker.tick()
    digest = [x for x in c.calls[before:] if x.conversation == thread_conv[0] and x.op == "send"]
    assert digest, [x.conversation for x in c.calls[before:]]
    ents = digest[-1].card["msteams"]["entities"]
    assert {"id": "aad-tanaka", "name": "田中 美咲"} in [e["mentioned"] for e in ents]
    assert "<at>田中 美咲</at>" in digest[-1].text()

    for card in cards(bot):
        fakes.validate_card(card)
        assert "/mynaleak" not in json.dumps(card, ensure_ascii=False)  # Teams people type words, not Slack's command


async def test_a_person_who_never_installed_is_reported_and_skipped(bot: Bot) -> None:
    url = await install_everyone(bot)
    incident, _ = await report(bot, url)
    c = bot.connector
    clock = bot.app.runtime.clock
    clock.advance(minutes=6)  # type: ignore[attr-defined]
    await bot.app.ticker.tick()  # step 2: takahashi never installed the app
    await bot.app.ticker.tick()
    thread = next(x for x in {k.conversation for k in c.calls} if ";messageid=" in x)
    warnings = [x for x in c.to(thread, "send") if "高橋" in x.text()]
    assert warnings and "追加していない" in warnings[-1].text()
    assert not [x for x in c.calls if "takahashi" in x.conversation]
    clock.advance(minutes=6)  # type: ignore[attr-defined]
    await bot.app.ticker.tick()  # the escalation went on: suzuki is paged
    pages = c.to("a:personal-aad-suzuki", "send")
    assert pages and pages[-1].card["actions"][0]["data"] == {"action": "ack", "value": incident}
    for card in cards(bot):
        fakes.validate_card(card)


async def test_member_seen_in_a_team_gets_a_new_personal_chat(bot: Bot) -> None:
    url = bot.connector.url
    assert await bot.post(fakes.added_to_team(url, TANAKA, fakes.in_channel())) == 201
    # sato never opened a personal chat, but spoke to the bot in the team's channel
    assert await bot.post(fakes.message(url, SATO, "help", fakes.in_channel("777"), mention=True)) == 201
    created = [x for x in bot.connector.calls if x.op == "create"]
    assert created and created[0].body["members"][0]["id"] == "29:1aad-sato"
    assert created[0].body["channelData"]["tenant"]["id"] == fakes.TENANT, created[0].body
    # the help text went to the new personal chat, and that chat is now sato's stored reference
    assert bot.connector.to("a:dm-29:1aad-sato", "send")
    ref = await StoredReferences(bot.app.store).load("teams", "aad-sato")
    assert ref is not None and ref["kind"] == "personal" and ref["reference"]["conversation"]["id"] == "a:dm-29:1aad-sato"


async def test_rejected_form_is_shown_back_in_place_with_errors(bot: Bot) -> None:
    url = await install_everyone(bot)
    assert await bot.post(fakes.message(url, YAMADA, "<at>mynaleak</at>&nbsp;report", fakes.personal("aad-yamada"))) == 201
    form = bot.connector.to("a:personal-aad-yamada", "send")[-1]
    bad = {**form.card["actions"][0]["data"], **REPORT, "summary": "", "people": "たくさん"}
    assert await bot.post(fakes.submit(url, YAMADA, bad, fakes.personal("aad-yamada"), reply_to="form-9")) == 201
    shown = bot.connector.by_id("form-9")
    assert len(shown) == 1
    body = shown[0].card["body"]
    ids = [el.get("id") for el in body]
    for name in ("summary", "people"):  # each error right under its field
        after = body[ids.index(name) + 1 :]
        error = next(el for el in after if el["type"] == "TextBlock" and el.get("color") == "attention")
        assert body.index(error) <= ids.index(name) + 2 and error["text"].startswith("⚠")
    assert "value" not in body[ids.index("summary")]
    assert body[ids.index("medium")]["value"] == "removable"  # what was entered is kept
    assert "⚠" not in json.dumps(body[ids.index("medium") :][:2], ensure_ascii=False)
    fakes.validate_card(shown[0].card)
    assert not bot.connector.to(fakes.CHANNEL)  # no incident
