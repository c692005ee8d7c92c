"""Escalation: the chain, acks, repeats, stale timers, outsiders."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.effects import Audit, CancelMessages, CancelTimers, Notify, Post, Reply, StartTimer, Update
from bot.core.model import UserRef
from bot.core.views import Button, Card
from flows import State, needs
from flows.cards import incident_card
from flows.common import Ctx
from tests.flows.helpers import (
    OUTSIDER,
    REPORTER,
    SATO,
    SUZUKI,
    T0,
    TAKAHASHI,
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
    assert CancelTimers(("escalate", "page_route")) in effects and CancelMessages("page:") in effects
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


# ---- paging again after nobody acknowledged (a new escalation id) ----------------------------------


def card_in(effects: list) -> Card:
    return [u.view for u in of(effects, Update) if u.tag == "card"][-1]


def page_again_button(card: Card) -> list[Button]:
    return [b for b in card.buttons if b.action == "page"]


@pytest.mark.parametrize("how", ["button", "command"])
@pytest.mark.parametrize("who", [REPORTER, SATO, TANAKA], ids=["reporter", "chain", "responder"])
def test_page_again_after_the_chain_ran_out_pages_step_1_under_a_new_id(how: str, who: UserRef) -> None:
    inc, _, effects, now = run_until(None)
    assert inc.escalation.id == 1 and inc.escalation.status == "exhausted"
    (button,) = page_again_button(card_in(effects))  # the card offers it while nobody has acked
    assert button.label == "もう一度呼び出す" and button.value == inc.id
    event = press(who, "page", inc.id) if how == "button" else command(who, f"page {inc.id.lower()}")
    assert needs(event).incident_id == inc.id
    new, eff = step(inc, event, now + minutes(30))
    esc = new.escalation
    assert (esc.id, esc.step, esc.attempt, esc.status, esc.acked_by) == (2, 0, 0, "paging", None)
    assert [(n.user.key, n.tag) for n in of(eff, Notify)] == [("sato", "page:2:0:0:0")]  # step 1 again, a new message
    assert esc.pages == inc.escalation.pages + ("page:2:0:0:0",)  # an ack still updates every page ever sent
    assert eff[0] == CancelTimers(("escalate", "page_route"))
    assert [(t.kind, t.key, t.payload) for t in of(eff, StartTimer)] == [("escalate", "e2-s0-a0", {})]
    audits = {a.action: a.detail for a in of(eff, Audit)}
    assert audits["escalation.restarted"] == {"by": who.key, "escalation": 2, "previous": 1}
    assert audits["escalation.paged"]["step"] == 1 and audits["escalation.paged"]["people"] == ["sato"]
    assert not page_again_button(card_in(eff)) and "第1段階" in card_in(eff).fields[0].value
    assert any(p.thread_of == "card" and "もう一度呼び出しました" in p.view.text for p in of(eff, Post))
    (reply,) = of(eff, Reply)
    assert reply.user == who and inc.id in reply.view.text


def test_timers_of_the_previous_escalation_do_nothing_after_a_restart() -> None:
    inc, effects = report()
    fired = [escalation_timer(inc)]  # e1-s0-a0: the same step and attempt the restart starts at
    now = T0
    while inc.escalation.status == "paging":
        now += minutes(30)
        inc, _ = step(inc, escalation_timer(inc), now)
        fired.append(escalation_timer(inc))
    assert [f.key for f in fired][:2] == ["e1-s0-a0", "e1-s1-a0"]
    restarted, _ = step(inc, press(REPORTER, "page", inc.id), now)
    assert restarted.escalation.timer_key() == "e2-s0-a0"
    for old in fired:
        same, eff = step(restarted, old, now + minutes(60))
        assert eff == [] and same == restarted, old.key
    # the new run goes on as before, and stays stale-proof itself
    nxt, eff = step(restarted, escalation_timer(restarted), now + minutes(5))
    assert [n.user.key for n in of(eff, Notify)] == ["suzuki"] and nxt.escalation.timer_key() == "e2-s1-a0"


def test_an_ack_after_a_restart_updates_the_pages_of_both_runs() -> None:
    inc, _, _, now = run_until(None)
    inc, _ = step(inc, press(REPORTER, "page", inc.id), now)
    acked, eff = step(inc, press(SATO, "ack", inc.id), now + minutes(1))
    assert acked.escalation.status == "acked" and acked.escalation.id == 2
    assert {u.tag for u in of(eff, Update)} == set(inc.escalation.pages) | {"card"}
    assert any(tag.startswith("page:1:") for tag in inc.escalation.pages)


def test_exhausted_twice_gives_the_next_id() -> None:
    inc, _, _, now = run_until(None)
    inc, _ = step(inc, press(REPORTER, "page", inc.id), now)
    while inc.escalation.status == "paging":
        now += minutes(30)
        inc, _ = step(inc, escalation_timer(inc), now)
    again, eff = step(inc, press(TANAKA, "page", inc.id), now)
    assert again.escalation.id == 3 and [t.key for t in of(eff, StartTimer)] == ["e3-s0-a0"]


def _exhausted():
    return run_until(None)[0]


def _no_chain():
    inc = _exhausted()
    return replace(inc, escalation=replace(inc.escalation, chain=()))


@pytest.mark.parametrize(
    ("state", "who", "says", "tone"),
    [
        (lambda: report()[0], SATO, "呼び出し中です（第1段階／全3段階）", "warning"),
        (lambda: run_until(2)[0], TANAKA, "鈴木", "warning"),
        (lambda: replace(_exhausted(), status="closed"), TANAKA, "既にクローズ", "info"),
        (_exhausted, OUTSIDER, "報告者、エスカレーション先と対応担当者だけ", "warning"),
        (_no_chain, REPORTER, "エスカレーション先が設定されていない", "warning"),
    ],
    ids=["still paging", "acknowledged", "closed", "outsider", "no chain"],
)
def test_page_again_is_refused_privately_unless_the_chain_ran_out(state, who: UserRef, says: str, tone: str) -> None:
    inc = state()
    for event in (press(who, "page", inc.id), command(who, f"page {inc.id}")):
        same, eff = step(inc, event, T0 + minutes(120))
        assert same == inc
        (reply,) = eff
        assert isinstance(reply, Reply) and reply.user == who and reply.view.tone == tone and says in reply.view.text
    if inc.escalation.status != "exhausted":
        assert not page_again_button(incident_card(inc, Ctx(T0, config(), "ja")))


@pytest.mark.parametrize(
    ("text", "says"),
    [("page", "使い方：/mynaleak page"), ("page ML-2026-9999", "ML-2026-9999"), ("page nonsense", "nonsense")],
    ids=["no id", "unknown incident", "not an id"],
)
def test_page_command_without_an_incident(text: str, says: str) -> None:
    event = command(REPORTER, text)
    assert needs(event).incident_id == (None if "2026" not in text else "ML-2026-9999")
    new, eff = handle(State(), event, T0, config())
    (reply,) = eff
    assert new is None and isinstance(reply, Reply) and says in reply.view.text


def test_help_lists_page() -> None:
    (reply,) = handle(State(), command(REPORTER, "help"), T0, config())[1]
    assert "/mynaleak page ML-…" in reply.view.text
    (reply_en,) = handle(State(), replace(command(REPORTER, "help"), lang="en"), T0, config())[1]
    assert "/mynaleak page ML-… — page an incident nobody acknowledged again" in reply_en.view.text


def test_an_acknowledged_page_no_longer_asks_for_action() -> None:
    from flows.cards import page_done_card

    inc, _ = report()
    page = next(n.view for n in of(report()[1], Notify) if n.tag.startswith("page:"))
    assert page.title.startswith("【要対応】")
    acked, eff = step(inc, press(SATO, "ack", inc.id), T0 + minutes(2))
    done = [u.view for u in of(eff, Update) if u.tag.startswith("page:")]
    assert done and all("要対応" not in v.title and "確認済み" in v.title and inc.id in v.title for v in done)
    assert all(not v.buttons for v in done)
    en = page_done_card(replace(acked, lang="en"), Ctx(T0, config(), "en"))
    assert "ACTION NEEDED" not in en.title and en.title.startswith("Acknowledged") and inc.id in en.title
    closed = page_done_card(replace(inc, status="closed"), Ctx(T0, config(), "ja"))
    assert "要対応" not in closed.title and "クローズ済み" in closed.title
