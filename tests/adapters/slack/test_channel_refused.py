"""Issue 13 item 8 over the real Bolt path: the incident channel answers ``not_in_channel`` (the fake
Web API) until the bot is "invited". The page still goes out; the reporter and the paged person are
told in a DM how to fix it (once), with the card and the checklist; a tick from the DM works; once the
channel lets the bot in, ``/mynaleak repost ML-…`` (and the retry) posts the card and the checklist
once — with the tick made meanwhile — and nothing twice."""

from __future__ import annotations

import json
import re

from tests.adapters.slack.test_flow import report

CHANNEL = "C0INCIDENTS"


def _incident(text: str) -> str:
    found = re.search(r"ML-\d{4}-\d{4,}", text)
    assert found, text
    return found.group(0)


def _dm(fake, channel: str) -> list[dict]:
    return [m for (ch, _), m in sorted(fake.messages.items(), key=lambda kv: float(kv[0][1])) if ch == channel]


def _text(m: dict) -> str:
    return json.dumps(m.get("blocks") or [], ensure_ascii=False) + m.get("text", "")


def _notes(fake, channel: str) -> list[dict]:
    return [m for m in _dm(fake, channel) if "/invite @mynaleak" in _text(m)]


def _top_level(fake) -> list[dict]:
    return [m for (ch, _), m in fake.messages.items() if ch == CHANNEL and "thread_ts" not in m]


async def _audit(slack, incident: str) -> list[str]:
    async with slack.app.store.tx() as tx:
        return [r["action"] for r in await tx.audit_rows(incident)]


async def test_channel_refused_then_invited(slack, fake, clock):
    fake.channels[CHANNEL]["member"] = False  # the bot was never invited to the incident channel
    await report(slack, fake)

    # the page went out all the same: the critical path does not wait for the channel
    pages = fake.called("chat.postMessage", channel="D0SATO")
    assert pages and "ML-" in pages[0].args["text"]
    refused = [c for c in fake.calls if c.method == "chat.postMessage" and c.args.get("channel") == CHANNEL]
    assert refused and {c.error for c in refused} == {"not_in_channel"}
    assert _top_level(fake) == []
    incident = _incident(pages[0].args["text"])

    # the reporter and the paged person: one DM each saying how to fix it, then the card and the checklist
    for dm in ("D0REPORTER", "D0SATO"):
        assert len(_notes(fake, dm)) == 1, [_text(m)[:80] for m in _dm(fake, dm)]
        assert any("item:done" in _text(m) and "1.1" in _text(m) for m in _dm(fake, dm)), dm
    assert f"/mynaleak repost {incident}" in _text(_notes(fake, "D0SATO")[0])

    # the retry (with backoff) keeps failing quietly: nobody is told twice
    for _ in range(3):
        clock.advance(minutes=16)
        await slack.app.ticker.tick()
        await slack.settle()
    assert len([c for c in fake.calls if c.method == "chat.postMessage" and c.args.get("channel") == CHANNEL]) >= 2
    assert len(_notes(fake, "D0SATO")) == 1 and len(_notes(fake, "D0REPORTER")) == 1

    # step 2 was paged meanwhile (nobody acknowledged): suzuki gets the page and the same DM
    assert fake.called("chat.postMessage", channel="D0SUZUKI")
    assert len(_notes(fake, "D0SUZUKI")) == 1

    # a tick from the DM's checklist: the incident changes, the DM copy shows it
    step1 = next(m for m in _dm(fake, "D0SATO") if "item:done" in _text(m) and "1.1" in _text(m))
    r = await slack.click("D0SATO", step1["ts"], "item:done", "U0SATO")
    assert r.status == 200
    await slack.settle()
    assert "✅" in _text(fake.messages[("D0SATO", step1["ts"])])
    async with slack.app.store.tx() as tx:
        item = (await tx.load(incident)).incident.item("1.1")
    assert item is not None and item.state == "done"

    # the bot is invited; the repost posts the card and the checklist, with the tick made meanwhile
    fake.channels[CHANNEL]["member"] = True
    r = await slack.command(f"repost {incident}", user="U0SATO", channel="C0GENERAL")
    assert r.status == 200
    await slack.settle()
    await slack.app.ticker.tick()
    await slack.settle()
    (card,) = _top_level(fake)
    assert incident in _text(card)
    thread = fake.thread(CHANNEL, card["ts"])
    steps = [m for m in thread if "item:" in _text(m)]
    assert len(steps) == len(slack.app.config.checklist)
    assert "✅" in _text(next(m for m in steps if "1.1" in _text(m)))
    told = [e for e in fake.ephemerals if e["user"] == "U0SATO" and incident in e["text"]]
    assert told, fake.ephemerals

    # the slow retry comes round too: nothing is posted twice
    clock.advance(minutes=16)
    await slack.app.ticker.tick()
    await slack.settle()
    assert len(_top_level(fake)) == 1
    assert len([m for m in fake.thread(CHANNEL, card["ts"]) if "item:" in _text(m)]) == len(steps)
    # the thread says who worked from a DM; they are told the channel works again
    assert any("<@U0SATO> さん" in _text(m) and "DM" in _text(m) for m in fake.thread(CHANNEL, card["ts"]))
    actions = await _audit(slack, incident)
    assert actions.count("channel.unreachable") == 1
    assert "channel.repost" in actions and "channel.restored" in actions


async def test_repost_when_the_card_is_there_posts_nothing(slack, fake, clock):
    await report(slack, fake)
    before = len(fake.called("chat.postMessage", channel=CHANNEL))
    incident = _incident(fake.called("chat.postMessage", channel="D0SATO")[0].args["text"])
    r = await slack.command(f"repost {incident}", user="U0SATO")
    assert r.status == 200
    await slack.settle()
    await slack.app.ticker.tick()
    await slack.settle()
    assert len(fake.called("chat.postMessage", channel=CHANNEL)) == before
    assert any(e["user"] == "U0SATO" and incident in e["text"] for e in fake.ephemerals)
    # someone outside the incident may not
    fake.users["U0OTHER"] = dict(fake.users["U0REPORTER"], id="U0OTHER")
    r = await slack.command(f"repost {incident}", user="U0OTHER")
    await slack.settle()
    assert any(e["user"] == "U0OTHER" and "再投稿できるのは" in e["text"] for e in fake.ephemerals), fake.ephemerals


async def test_the_retry_alone_posts_once_the_bot_is_invited(slack, fake, clock):
    fake.channels[CHANNEL]["member"] = False
    await report(slack, fake)
    assert _top_level(fake) == []
    fake.channels[CHANNEL]["member"] = True  # invited; nobody types anything
    clock.advance(minutes=2)  # the first slow retry is due (a minute after the refusal)
    await slack.app.ticker.tick()
    await slack.settle()
    (card,) = _top_level(fake)
    steps = [m for m in fake.thread(CHANNEL, card["ts"]) if "item:" in _text(m)]
    assert len(steps) == len(slack.app.config.checklist)
    clock.advance(minutes=30)
    await slack.app.ticker.tick()
    await slack.settle()
    assert len(_top_level(fake)) == 1 and len([m for m in fake.thread(CHANNEL, card["ts"]) if "item:" in _text(m)]) == len(steps)
    # the page to sato gained its link once the card was there
    (page,) = fake.called("chat.postMessage", channel="D0SATO")[:1]
    assert any(
        c.args.get("ts") == page.result["ts"] and "fake.slack.test" in json.dumps(c.args["blocks"]) for c in fake.called("chat.update")
    )
