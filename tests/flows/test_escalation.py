"""Escalation: the chain, acks, repeats, stale timers, outsiders."""

from __future__ import annotations

import pytest

from bot.core.effects import CancelMessages, CancelTimers, Notify, Post, Reply, StartTimer, Update
from bot.core.model import UserRef
from tests.flows.helpers import (
    OUTSIDER,
    REPORTER,
    SATO,
    SUZUKI,
    T0,
    TAKAHASHI,
    TANAKA,
    config,
    escalation_timer,
    minutes,
    of,
    press,
    report,
    step,
)


def run_until(ack_at: int | None, acker: UserRef | None = None):
    """Report, let the chain run, and ack after ``ack_at`` pages (None: never). Returns the
    incident, every page sent (user keys in order) and every effect."""
    inc, effects = report()
    now, pages, everything = T0, [n.user.key for n in of(effects, Notify)], list(effects)
    while inc.escalation.status == "paging":
        if ack_at is not None and len(pages) >= ack_at:
            who = acker or UserRef("playground", pages[-1])
            inc, eff = step(inc, press(who, "ack", inc.id), now)
            everything += eff
            break
        due = of(everything, StartTimer)[-1].due_at
        now = due
        inc, eff = step(inc, escalation_timer(inc), now)
        pages += [n.user.key for n in of(eff, Notify) if n.tag.startswith("page:")]
        everything += eff
    return inc, pages, everything, now


@pytest.mark.parametrize(
    ("ack_after", "paged"),
    [
        (1, ["sato"]),
        (2, ["sato", "suzuki"]),
        (3, ["sato", "suzuki", "takahashi"]),
    ],
    ids=["ack at step 1", "ack at step 2", "ack at step 3"],
)
def test_ack_at_each_step_stops_the_chain(ack_after: int, paged: list[str]) -> None:
    inc, pages, effects, now = run_until(ack_after)
    assert pages == paged
    assert inc.escalation.status == "acked" and inc.escalation.acked_by.key == paged[-1]
    # every page sent so far is updated in place, the card too; timers and queued pages are cancelled
    updated = {u.tag for u in of(effects, Update)}
    assert {t for t in inc.escalation.pages} <= updated and "card" in updated
    assert CancelTimers(("escalate",)) in effects and CancelMessages("page:") in effects
    # the reporter and the thread are told
    assert any(n.user == REPORTER and "確認" in n.view.text for n in of(effects, Notify))
    assert any(p.thread_of == "card" and "確認し" in p.view.text for p in of(effects, Post))
    # nothing is sent after the ack: the old timer is stale now
    later, eff = step(inc, escalation_timer(inc), now + minutes(60))
    assert eff == [] and later == inc


def test_no_ack_through_the_whole_chain_and_its_repeats() -> None:
    inc, pages, effects, _ = run_until(None)
    assert pages == ["sato", "suzuki", "takahashi", "takahashi", "takahashi"]  # last step + 2 repeats
    assert inc.escalation.status == "exhausted"
    assert any("誰も確認していません" in p.view.text for p in of(effects, Post))


def test_waits_follow_the_chain() -> None:
    inc, effects = report()
    (timer,) = [t for t in of(effects, StartTimer) if t.kind == "escalate"]
    assert timer.due_at == T0 + minutes(5)
    inc, eff = step(inc, escalation_timer(inc), timer.due_at)
    (timer2,) = of(eff, StartTimer)
    assert timer2.due_at == timer.due_at + minutes(10) and timer2.key == "e1-s1-a0"


def test_ack_after_the_chain_ended_is_accepted() -> None:
    inc, _, _, now = run_until(None)
    inc, eff = step(inc, press(SATO, "ack", inc.id), now + minutes(1))
    assert inc.escalation.status == "acked" and inc.escalation.acked_by.key == "sato"
    assert len(of(eff, Update)) == len(inc.escalation.pages) + 1


def test_double_ack_changes_nothing_and_says_who_acked() -> None:
    inc, _, _, now = run_until(1)
    again, eff = step(inc, press(SUZUKI, "ack", inc.id), now + minutes(1))
    assert again == inc
    (reply,) = eff
    assert isinstance(reply, Reply) and reply.user == SUZUKI and "佐藤" in reply.view.text
    same, eff2 = step(inc, press(SATO, "ack", inc.id), now + minutes(1))  # a double click
    assert same == inc and not of(eff2, Update) and not of(eff2, Notify)


@pytest.mark.parametrize("who", [OUTSIDER, REPORTER], ids=["outsider", "reporter"])
def test_ack_by_someone_outside_the_chain_is_refused_privately(who: UserRef) -> None:
    inc, _ = report()
    same, eff = step(inc, press(who, "ack", inc.id), T0 + minutes(1))
    assert same == inc and inc.escalation.status == "paging"
    (reply,) = eff
    assert isinstance(reply, Reply) and reply.user == who and reply.view.tone == "warning"


def test_a_responder_may_ack() -> None:
    inc, _ = report()
    acked, _ = step(inc, press(TANAKA, "ack", inc.id), T0 + minutes(1))
    assert acked.escalation.acked_by.key == "tanaka"


def test_stale_timer_does_nothing() -> None:
    inc, _ = report()
    stale = escalation_timer(inc)
    inc, _ = step(inc, stale, T0 + minutes(5))  # step 2 now
    again, eff = step(inc, stale, T0 + minutes(6))  # the step-1 timer delivered twice
    assert again == inc and eff == []


def test_chain_is_a_snapshot() -> None:
    inc, _ = report()
    edited = config(escalation={"steps": [{"people": ["tanaka"], "wait_minutes": 1}], "repeat_last": 0})
    inc2, eff = step(inc, escalation_timer(inc), T0 + minutes(5), edited)
    assert [n.user.key for n in of(eff, Notify)] == ["suzuki"]  # the snapshot, not the edited config
    assert any(TAKAHASHI.same(p) for s in inc2.escalation.chain for p in s.people)


def test_pages_carry_no_personal_data() -> None:
    inc, effects = report(summary="山田太郎さんの住所録を紛失")
    page = of(effects, Notify)[0].view
    flat = page.title + page.text + "".join(f.value for f in page.fields)
    assert "山田太郎" not in flat and inc.id in page.title
