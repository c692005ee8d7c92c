"""Issue 13 item 8 over the real botbuilder stack: the fake connector answers 403 for the incident
channel (the app removed from the team) until it is "added back". The page still goes out; the
reporter and the paged person are told in their personal chat how to fix it (once), with the card and
the checklist; a tick there works; once the channel takes the bot again, ``repost ML-…`` (and the
retry) posts the card and the checklist once, with the tick, and nothing twice."""

from __future__ import annotations

from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot
from tests.adapters.teams.test_scenario import REPORT, SATO, YAMADA, install_everyone
from tests.support.jsontree import nodes


async def report(bot: Bot, url: str) -> str:
    """yamada reports (as test_scenario's helper, but the page is the first message to sato, not the last)."""
    assert await bot.post(fakes.message(url, YAMADA, "report", fakes.personal("aad-yamada"))) == 201
    data = dict(bot.connector.to("a:personal-aad-yamada", "send")[-1].card["actions"][0]["data"])
    assert await bot.post(fakes.submit(url, YAMADA, {**data, **REPORT}, fakes.personal("aad-yamada"), reply_to="form-1")) == 201
    page = bot.connector.to("a:personal-aad-sato", "send")[0]
    return str(page.card["actions"][0]["data"]["value"])


def _notes(bot: Bot, conversation: str) -> list[fakes.Call]:
    return [x for x in bot.connector.to(conversation, "send") if "アプリを管理" in x.text()]


def _step(bot: Bot, conversation: str, item: str, action: str) -> tuple[fakes.Call, dict]:
    for call in bot.connector.to(conversation, "send"):
        for el in nodes(call.card or {}):
            for a in el.get("actions", []) if isinstance(el, dict) else []:
                data = a.get("data") or {}
                if data.get("action") == action and str(data.get("value", "")).endswith("|" + item):
                    return call, a
    raise AssertionError(f"no {action} for {item} in {conversation}")


async def test_channel_refused_then_added_back(bot: Bot) -> None:
    url = await install_everyone(bot)
    c = bot.connector
    c.gone.add(fakes.CHANNEL)  # the app was removed from the incident channel's team
    incident = await report(bot, url)

    assert c.to("a:personal-aad-sato", "send")  # the page went out all the same
    assert not c.to(fakes.CHANNEL, "send")
    for chat in ("a:personal-aad-yamada", "a:personal-aad-sato"):
        (note,) = _notes(bot, chat)
        assert f"repost {incident}" in note.text() and "/mynaleak" not in note.text()  # Teams people type the word
        _step(bot, chat, "1.1", "item:done")
    for card in [x.card for x in c.calls if x.card]:
        fakes.validate_card(card)

    # the retry keeps failing quietly: nobody is told twice
    clock = bot.app.runtime.clock
    clock.advance(minutes=3)  # type: ignore[attr-defined]
    await bot.app.ticker.tick()
    assert len(_notes(bot, "a:personal-aad-sato")) == 1 and len(_notes(bot, "a:personal-aad-yamada")) == 1

    # a tick from the personal chat's checklist: the incident changes, the copy there is updated
    call, done = _step(bot, "a:personal-aad-sato", "1.1", "item:done")
    before = len(c.calls)
    assert await bot.post(fakes.submit(url, SATO, done["data"], fakes.personal("aad-sato"), reply_to=call.result_id)) == 201
    assert any(x.op == "update" and x.activity_id == call.result_id and "✅" in x.text() for x in c.calls[before:])

    # added back: "repost ML-…" posts the card and the checklist, with the tick
    c.gone.discard(fakes.CHANNEL)
    assert await bot.post(fakes.message(url, SATO, f"repost {incident}", fakes.personal("aad-sato"))) == 201
    await bot.app.ticker.tick()
    (root,) = c.to(fakes.CHANNEL, "send")
    assert incident in root.text()
    thread = f"{fakes.CHANNEL};messageid={root.result_id}"
    steps = [x for x in c.to(thread, "send") if "item:done" in x.text() or "item:reopen" in x.text()]
    assert len(steps) == len(bot.app.config.checklist)
    step1 = next(x for x in steps if "1.1" in x.text())
    assert "✅" in step1.text() or any(u.activity_id == step1.result_id and "✅" in u.text() for u in c.calls if u.op == "update")

    # the slow retry comes round too: nothing is posted twice
    clock.advance(minutes=16)  # type: ignore[attr-defined]
    await bot.app.ticker.tick()
    assert len(c.to(fakes.CHANNEL, "send")) == 1
    assert len([x for x in c.to(thread, "send") if "item:done" in x.text() or "item:reopen" in x.text()]) == len(steps)
    assert any("佐藤 花子 さん" in x.text() for x in c.to(thread, "send"))  # the thread says who worked from a DM
    async with bot.app.store.tx() as tx:
        actions = [r["action"] for r in await tx.audit_rows(incident)]
    assert actions.count("channel.unreachable") == 1 and "channel.repost" in actions and "channel.restored" in actions
