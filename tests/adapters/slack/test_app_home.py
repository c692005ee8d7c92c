"""Issue 14 (Slack): the App Home tab. Opening it (``app_home_opened``) publishes (``views.publish``)
what `/mynaleak list` would show that person — the open incidents for the chain and the responders, the
refusal for anyone else — above the commands as a person types them; refreshed at every opening."""

from __future__ import annotations

import json
import re
import time
import uuid

from flows.commands import VERBS
from tests.adapters.slack.test_flow import _card, report


def home_body(user: str, tab: str = "home") -> dict:
    return {"token": "legacy", "team_id": "T0FAKE", "api_app_id": "A0FAKE", "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0FAKE", "user_id": "U0BOT", "is_bot": True}],
            "event": {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": tab,
                      "event_ts": f"{time.time():.6f}"}}  # fmt: skip


async def open_home(slack, user: str, tab: str = "home") -> None:
    r = await slack.send(json.dumps(home_body(user, tab)), "application/json")
    assert r.status == 200
    await slack.settle()


def home_text(fake, user: str) -> str:
    return json.dumps(fake.homes[user]["blocks"], ensure_ascii=False)


async def test_home_tab_shows_open_incidents_and_commands_and_refreshes(slack, fake):
    r, _ = await report(slack, fake)
    assert r.status == 200
    card_call, _ = _card(fake)
    incident_id = re.search(r"ML-\d{4}-\d{4,}", card_call.args["text"])[0]

    await open_home(slack, "U0SATO")  # step 1 of the chain
    published = fake.called("views.publish", user_id="U0SATO")  # once (twice only if a slow call was retried)
    assert published and published[-1].args["view"]["type"] == "home"
    shown = home_text(fake, "U0SATO")
    assert incident_id in shown and "未確認" in shown  # not yet acknowledged
    assert "使えるコマンド" in shown and all(f"/mynaleak {v}" in shown for v in VERBS)  # drill included

    # acknowledged, then opened again: the tab is drawn anew
    page_ts = next(ts for (ch, ts) in fake.messages if ch == "D0SATO")
    assert (await slack.click("D0SATO", page_ts, "ack", "U0SATO")).status == 200
    await slack.settle()
    await open_home(slack, "U0SATO")
    assert len(fake.called("views.publish", user_id="U0SATO")) > len(published)
    shown = home_text(fake, "U0SATO")
    assert incident_id in shown and "未確認" not in shown and "対応中" in shown


async def test_home_tab_shows_an_outsider_only_what_list_shows_them(slack, fake):
    await report(slack, fake)  # U0REPORTER reported it, but is neither in the chain nor a responder
    await open_home(slack, "U0REPORTER")
    shown = home_text(fake, "U0REPORTER")
    assert not re.search(r"ML-(DRILL-)?\d", shown)  # no incident named (the help shows ML-… only)
    assert "一覧を見られるのはエスカレーション先と対応担当者だけです" in shown
    assert "/mynaleak report" in shown
    # nothing was said in any channel about it
    assert not [e for e in fake.ephemerals if e["user"] == "U0REPORTER" and "一覧" in json.dumps(e, ensure_ascii=False)]


async def test_home_tab_in_english_and_the_messages_tab_publishes_nothing(slack, fake):
    await open_home(slack, "U0TANAKA", tab="messages")
    assert fake.called("views.publish") == []
    await open_home(slack, "U0TANAKA")  # a responder with an English Slack locale, nothing open
    shown = home_text(fake, "U0TANAKA")
    assert "Commands" in shown and "Open incidents" in shown and "使えるコマンド" not in shown


async def test_home_tab_names_who_is_paged_and_the_next_deadline(slack, fake):
    """Issue 14: the Home tab shows, per open incident, who is paged now and the next report deadline."""
    await report(slack, fake)
    await open_home(slack, "U0SATO")  # step 1 of the chain, Japanese
    shown = home_text(fake, "U0SATO")
    assert "呼び出し中：第1段階 <@U0SATO> さん" in shown  # a mention, as everywhere in Slack
    assert "次の期限：速報（番号法）2026-11-30 まで" in shown
    await open_home(slack, "U0TANAKA")  # a responder with an English Slack locale
    shown = home_text(fake, "U0TANAKA")
    assert "Paging step 1: <@U0SATO>" in shown and "Next deadline: Preliminary report (My Number Act) by 2026-11-30" in shown

    page_ts = next(ts for (ch, ts) in fake.messages if ch == "D0SATO")
    assert (await slack.click("D0SATO", page_ts, "ack", "U0SATO")).status == 200
    await slack.settle()
    await open_home(slack, "U0SATO")
    shown = home_text(fake, "U0SATO")
    assert "呼び出し中" not in shown and "佐藤" not in shown  # acknowledged: nobody is being paged
    assert "次の期限：速報（番号法）2026-11-30 まで" in shown
