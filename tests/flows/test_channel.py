"""Issue 13 items 7 and 8 as pure flows (flows.channel): the incident channel refusing the bot is told
once, to the right people, with the card and checklist in their DM; the copies follow updates; people
paged or acknowledging later get them too; the channel working again is said once; the first page is
updated with its link once the card is posted; ``repost`` asks for a requeue, for the right people."""

from __future__ import annotations

from bot.core.effects import Audit, Notify, Post, Requeue, Update
from bot.core.events import DeliveryFailed, MessageDelivered
from bot.core.views import plain
from flows import State
from tests.flows.helpers import (
    OUTSIDER,
    REPORTER,
    SATO,
    SUZUKI,
    T0,
    TANAKA,
    command,
    config,
    escalation_timer,
    handle,  # flows.handle, with the cards drawn when sent drawn
    minutes,
    of,
    press,
    report,
    step,
)


def refused(inc_id: str) -> DeliveryFailed:
    return DeliveryFailed(inc_id, "card", None, "chat.postMessage: not_in_channel", final=False, blocked=True)


def told(effects: list) -> dict[str, list[str]]:
    """Per person: the tags of the DMs of flows.channel they were sent."""
    out: dict[str, list[str]] = {}
    for n in of(effects, Notify):
        if n.tag.startswith("chan:"):
            out.setdefault(n.user.key, []).append(n.tag)
    return out


def test_refused_channel_is_told_once_to_reporter_and_paged() -> None:
    inc, _ = report()
    inc, effects = step(inc, refused(inc.id), T0)
    got = told(effects)
    assert set(got) == {"yamada", "sato"}
    steps = len([s for s in got["sato"] if ":step:" in s])
    assert steps >= 1 and "chan:1:note" in got["sato"] and "chan:1:card" in got["sato"]
    assert inc.channel_blocked_at == T0 and [u.key for u in inc.channel_dms] == ["yamada", "sato"]
    assert [a.action for a in of(effects, Audit)] == ["channel.unreachable"]
    # another message refused: nobody told again
    again, more = step(inc, refused(inc.id), T0 + minutes(1))
    assert told(more) == {} and again is inc


def test_copies_follow_updates_and_later_people_are_told() -> None:
    inc, _ = report()
    inc, _ = step(inc, refused(inc.id), T0)
    # a tick (from anywhere): the channel's step card and card are updated, and both DM copies
    item = inc.items[0]
    inc, effects = step(inc, press(SATO, "item:done", f"{inc.id}|{item.id}"), T0 + minutes(1))
    tags = {u.tag for u in of(effects, Update)}
    assert {"card", f"step:{item.step}", "chan:0:card", f"chan:0:step:{item.step}", "chan:1:card", f"chan:1:step:{item.step}"} <= tags
    # step 2 is paged while the channel still refuses: suzuki gets the page and the DM
    inc, effects = step(inc, escalation_timer(inc), T0 + minutes(6))
    assert any(n.user.key == "suzuki" and n.tag.startswith("page:") for n in of(effects, Notify))
    assert "chan:2:note" in told(effects)["suzuki"]
    # tanaka (a responder) acknowledges: told too
    inc, effects = step(inc, press(TANAKA, "ack", inc.id), T0 + minutes(7))
    assert "chan:3:card" in told(effects)["tanaka"]
    assert [u.key for u in inc.channel_dms] == ["yamada", "sato", "suzuki", "tanaka"]


def test_channel_works_again_once_then_refused_again() -> None:
    inc, _ = report()
    inc, _ = step(inc, refused(inc.id), T0)
    # an update of a page or of a DM copy getting through says nothing about the channel
    for tag in (inc.escalation.pages[0], "chan:0:card"):
        same, effects = step(inc, MessageDelivered(inc.id, tag, "update"), T0 + minutes(1))
        assert same is inc and effects == []
    inc, effects = step(inc, MessageDelivered(inc.id, "card", "post"), T0 + minutes(2))
    assert inc.channel_blocked_at is None
    (thread,) = [p for p in of(effects, Post) if p.thread_of == "card"]
    assert "山田 さん" in plain(thread.view.text) and "DM" in thread.view.text
    assert {n.user.key for n in of(effects, Notify)} == {"yamada", "sato"}
    assert "channel.restored" in [a.action for a in of(effects, Audit)]
    # a later message through: nothing more to say
    same, more = step(inc, MessageDelivered(inc.id, "step:1", "post"), T0 + minutes(3))
    assert of(more, Post) == [] and of(more, Notify) == []
    # refused again later: the people with copies get the note again (no second set of copies)
    inc, effects = step(inc, refused(inc.id), T0 + minutes(30))
    assert told(effects) == {"yamada": ["chan:0:note"], "sato": ["chan:1:note"]}


def test_the_first_page_is_updated_with_its_link_once_the_card_is_posted() -> None:
    inc, effects = report()
    (page,) = [n for n in of(effects, Notify) if n.tag.startswith("page:")]
    same, effects = step(inc, MessageDelivered(inc.id, "card", "post"), T0)
    (update,) = of(effects, Update)
    assert update.tag == page.tag and any(b.action == "link" and b.value == "card" for b in update.view.buttons)
    assert of(effects, Notify) == []  # updated in place: nobody is paged twice
    # once acknowledged, the card's (late) post leaves the answered page alone
    acked, _ = step(inc, press(SATO, "ack", inc.id), T0 + minutes(1))
    _, effects = step(acked, MessageDelivered(inc.id, "card", "post"), T0 + minutes(2))
    assert of(effects, Update) == []
    # another message of the channel does not touch the pages
    _, effects = step(inc, MessageDelivered(inc.id, "step:1", "post"), T0)
    assert of(effects, Update) == []


def test_repost_permissions() -> None:
    inc, _ = report()
    for who in (SATO, SUZUKI, TANAKA, REPORTER):
        _, effects = step(inc, command(who, f"repost {inc.id}"), T0)
        assert of(effects, Requeue) and "channel.repost" in [a.action for a in of(effects, Audit)], who
    _, effects = step(inc, command(OUTSIDER, f"repost {inc.id}"), T0)
    assert of(effects, Requeue) == [] and "再投稿できるのは" in effects[0].view.text
    _, effects = handle(State(), command(SATO, "repost"), T0, config())  # no id: nothing loaded
    assert "repost ML-" in effects[0].view.text  # the usage
    _, effects = step(inc, command(SATO, "再投稿 " + inc.id), T0)  # the Japanese word
    assert of(effects, Requeue)
