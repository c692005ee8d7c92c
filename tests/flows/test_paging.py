"""Paging beyond chat, as pure flows: per-person policy timing, an unreachable step skipped at once,
the card following the escalation, and the policy's validation (check-config)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.core.config import ConfigError
from bot.core.effects import CancelTimers, Notify, Post, StartTimer, Update
from bot.core.events import DeliveryFailed, TimerFired
from bot.core.model import Incident, UserRef
from bot.core.views import Card, plain
from tests.flows.helpers import ORG, SATO, SUZUKI, T0, config, escalation_timer, minutes, of, press, report, step

MAIL = {"sato": "sato@example.jp", "suzuki": "suzuki@example.jp", "takahashi": "takahashi@example.jp"}


def org(**policies: object) -> dict:
    """The test organisation with e-mail addresses and the given ``page:`` policies."""
    people = {h: {**p, **({"email": MAIL[h]} if h in MAIL else {})} for h, p in ORG["people"].items()}
    for handle, policy in policies.items():
        people[handle] = {**people[handle], "page": policy}
    return {**ORG, "people": people}


def pages(effects: list) -> list[tuple[str, str, str]]:
    """(channel, recipient, tag) of every page in ``effects``."""
    return [(n.user.platform, n.user.key, n.tag) for n in of(effects, Notify) if n.tag.startswith("page:")]


def route_timers(effects: list) -> list[tuple[str, datetime]]:
    return [(t.key, t.due_at) for t in of(effects, StartTimer) if t.kind == "page_route"]


@pytest.mark.parametrize(
    ("policy", "at_once", "later"),
    [
        (None, [("playground", "sato"), ("email", "sato@example.jp")], []),  # the default: chat and e-mail at once
        ([{"via": "chat"}], [("playground", "sato")], []),
        ([{"via": "email"}], [("email", "sato@example.jp")], []),
        ([{"via": "chat"}, {"via": "email", "after_minutes": 0}], [("playground", "sato"), ("email", "sato@example.jp")], []),
        ([{"via": "chat"}, {"via": "email", "after_minutes": 3}], [("playground", "sato")], [("e1-s0-a0-p0-email", 3)]),
        ([{"via": "email"}, {"via": "chat", "after_minutes": 2}], [("email", "sato@example.jp")], [("e1-s0-a0-p0-chat", 2)]),
    ],
    ids=["default", "chat only", "e-mail only", "both at once", "e-mail after 3", "chat after 2"],
)
def test_policy_timing(policy: object, at_once: list, later: list) -> None:
    cfg = config(**org(**({"sato": policy} if policy is not None else {})))
    inc, effects = report(cfg)
    assert [(c, k) for c, k, _ in pages(effects)] == at_once  # chat first: it is the fastest
    assert route_timers(effects) == [(key, T0 + minutes(n)) for key, n in later]
    for key, n in later:  # the later channel pages when its minute comes, and says so in the thread
        inc2, eff = step(inc, TimerFired(inc.id, "page_route", key), T0 + minutes(n), cfg)
        via = key.rsplit("-", 1)[1]
        assert [c for c, _, _ in pages(eff)] == ["email" if via == "email" else "playground"]
        assert any("でも連絡しました" in p.view.text for p in of(eff, Post))
        assert set(inc2.escalation.pages) > set(inc.escalation.pages)


def test_the_mail_page_says_little_and_acknowledges_as_the_person() -> None:
    cfg = config(**org())
    inc, effects = report(cfg, summary="山田太郎さんの住所録を紛失")
    (mail,) = [n for n in of(effects, Notify) if n.user.platform == "email"]
    flat = mail.view.title + mail.view.text + "".join(f.value for f in mail.view.fields)
    assert inc.id in mail.view.title and "重大度：高" in mail.view.title and "山田" not in flat
    button, link = mail.view.buttons
    assert (button.action, button.value) == ("ack", f"{inc.id}|playground:sato")
    assert (link.action, link.value, link.url) == ("link", "card", "")  # the delivery fills in the card's link
    assert mail.tag == "page:1:0:0:0:email"


@pytest.mark.parametrize(
    ("event_at", "what"),
    [(minutes(1), "acked"), (minutes(5), "next step"), (minutes(1), "closed")],
    ids=["after an ack", "after the step moved on", "after the incident closed"],
)
def test_a_later_channel_does_nothing_once_stale(event_at, what: str) -> None:
    cfg = config(**org(sato=[{"via": "chat"}, {"via": "email", "after_minutes": 10}]))
    inc, _ = report(cfg)
    if what == "acked":
        inc, _ = step(inc, press(SATO, "ack", inc.id), T0 + event_at, cfg)
    elif what == "next step":
        inc, _ = step(inc, escalation_timer(inc), T0 + event_at, cfg)
    else:
        inc, _ = step(inc, press(SATO, "ack", inc.id), T0, cfg)
        from dataclasses import replace

        inc = replace(inc, status="closed")
    same, eff = step(inc, TimerFired(inc.id, "page_route", "e1-s0-a0-p0-email"), T0 + minutes(10), cfg)
    assert eff == [] and same == inc


def test_an_ack_cancels_the_later_channels_too() -> None:
    cfg = config(**org(sato=[{"via": "chat"}, {"via": "email", "after_minutes": 10}]))
    inc, _ = report(cfg)
    _, eff = step(inc, press(SATO, "ack", inc.id), T0 + minutes(1), cfg)
    assert any(getattr(e, "kinds", None) == ("escalate", "page_route") for e in eff)


def failed(inc: Incident, tag: str, who: UserRef, final: bool = True) -> DeliveryFailed:
    return DeliveryFailed(inc.id, tag, who, "user_not_found", final=final)


@pytest.mark.parametrize(
    ("policy", "failures", "skipped"),
    [
        ([{"via": "chat"}], [("page:1:0:0:0", True)], True),  # the one channel is gone
        (None, [("page:1:0:0:0", True)], False),  # e-mail may still reach her
        (None, [("page:1:0:0:0", True), ("page:1:0:0:0:email", True)], True),  # neither can
        (None, [("page:1:0:0:0", False), ("page:1:0:0:0:email", True)], False),  # chat is only late
        ([{"via": "chat"}, {"via": "email", "after_minutes": 3}], [("page:1:0:0:0", True)], False),  # e-mail still to come
    ],
    ids=["chat only, gone", "chat gone, e-mail left", "both gone", "chat late", "e-mail not yet tried"],
)
def test_an_unreachable_step_is_skipped_at_once(policy: object, failures: list, skipped: bool) -> None:
    cfg = config(**org(**({"sato": policy} if policy is not None else {})))
    inc, _ = report(cfg)
    now = T0 + minutes(1)  # long before the step's 5 minutes are over
    everything: list = []
    for tag, final in failures:
        inc, eff = step(inc, failed(inc, tag, SATO, final), now, cfg)
        everything += eff
    assert any("届けられませんでした" in p.view.text or "まだ届いていません" in p.view.text for p in of(everything, Post))
    if not skipped:
        assert inc.escalation.step == 0 and not pages(everything)
        return
    assert inc.escalation.step == 1 and inc.escalation.paged_at == now
    assert [k for _, k, _ in pages(everything)][:1] == ["suzuki"]
    assert any("待たずに次の段階へ進みます" in p.view.text and "第1段階" in p.view.text for p in of(everything, Post))
    assert ("e1-s1-a0", now + minutes(10)) in [(t.key, t.due_at) for t in of(everything, StartTimer)]
    cancel = next(i for i, e in enumerate(everything) if isinstance(e, CancelTimers))  # the skipped step's timers go first
    assert everything[cancel].kinds == ("escalate", "page_route") and cancel < everything.index(of(everything, StartTimer)[0])
    # the old step's timer is stale now: nothing more happens when it fires
    same, eff = step(inc, TimerFired(inc.id, "escalate", "e1-s0-a0"), T0 + minutes(5), cfg)
    assert eff == [] and same == inc


def test_a_failure_of_an_earlier_step_skips_nothing() -> None:
    cfg = config(**org(sato=[{"via": "chat"}], suzuki=[{"via": "chat"}]))
    inc, _ = report(cfg)
    inc, _ = step(inc, escalation_timer(inc), T0 + minutes(5), cfg)  # step 2 now
    same, eff = step(inc, failed(inc, "page:1:0:0:0", SATO), T0 + minutes(6), cfg)
    assert same.escalation.step == 1 and not pages(eff)


def test_the_last_step_unreachable_ends_the_chain_without_repeating_it() -> None:
    cfg = config(**org(takahashi=[{"via": "chat"}]))
    inc, _ = report(cfg)
    for n in (5, 15):
        inc, _ = step(inc, escalation_timer(inc), T0 + minutes(n), cfg)
    assert inc.escalation.step == 2
    done, eff = step(inc, failed(inc, "page:1:2:0:0", UserRef("playground", "takahashi")), T0 + minutes(16), cfg)
    assert done.escalation.status == "exhausted" and not pages(eff)
    assert any("誰も確認していません" in p.view.text for p in of(eff, Post))


def card(effects: list) -> Card:
    return [e.view for e in effects if isinstance(e, Update | Post) and getattr(e, "tag", "") == "card"][-1]


def shown(view: Card) -> dict[str, str]:
    return {f.label: plain(f.value) for f in view.fields}  # people by name (each is a mention token)


def test_the_card_follows_the_escalation() -> None:
    cfg = config()
    inc, effects = report(cfg)
    rows = []
    rows.append(shown(card(effects)))
    for n in (5, 15, 30, 45):  # step 2, step 3, step 3 again, again
        inc, eff = step(inc, escalation_timer(inc), T0 + minutes(n), cfg)
        rows.append(shown(card(eff)))
    inc, eff = step(inc, escalation_timer(inc), T0 + minutes(60), cfg)  # exhausted
    rows.append(shown(card(eff)))
    acked, eff = step(inc, press(SUZUKI, "ack", inc.id), T0 + minutes(61), cfg)
    rows.append(shown(card(eff)))
    expected = [
        ("第1段階／全3段階：佐藤 さん（10:00 から呼び出し中・1回目）", "10:05 までに確認がなければ第2段階（鈴木 さん）を呼び出します"),
        ("第2段階／全3段階：鈴木 さん（10:05 から呼び出し中・1回目）", "10:15 までに確認がなければ第3段階（高橋 さん）を呼び出します"),
        (
            "第3段階／全3段階：高橋 さん（10:15 から呼び出し中・1回目）",
            "10:30 までに確認がなければ第3段階（高橋 さん）をもう一度呼び出します",
        ),
        (
            "第3段階／全3段階：高橋 さん（10:30 から呼び出し中・2回目）",
            "10:45 までに確認がなければ第3段階（高橋 さん）をもう一度呼び出します",
        ),
        ("第3段階／全3段階：高橋 さん（10:45 から呼び出し中・3回目）", "11:00 までに確認がなければ呼び出しを終了します"),
        ("全3段階を呼び出しましたが、確認がありません（最後の呼び出し 10:45）", None),
        ("第3段階／全3段階で確認されました", None),
    ]
    assert [(r.get("呼び出し"), r.get("次の段階")) for r in rows] == expected


def test_the_card_in_english() -> None:
    inc, effects = report(config(language="en"))
    fields = shown(card(effects))
    assert fields["Paging"] == "Step 1 of 3: 佐藤 (paged since 10:00, attempt 1)"
    assert fields["Next step"] == "Unless someone acknowledges by 10:05, step 2 (鈴木) is paged"


@pytest.mark.parametrize(
    ("person", "problem"),
    [
        ({"email": "not an address"}, "people.sato.email: not an e-mail address"),
        ({"page": [{"via": "fax"}]}, "people.sato.page[0].via: expected one of chat, email"),
        ({"page": [{"via": "email"}]}, "people.sato.page[0]: via email needs the person's email: address"),
        ({"email": "s@example.jp", "page": [{"via": "email", "after_minutes": -1}]}, "after_minutes: expected a number of minutes"),
        ({"page": [{"via": "chat"}, {"via": "chat"}]}, "people.sato.page[1].via: chat is listed twice"),
        ({"page": "chat"}, "people.sato.page: expected a list"),
        ({"page": [{"via": "chat", "after": 3}]}, "people.sato.page[0].after: unknown setting"),
    ],
    ids=["bad address", "unknown channel", "e-mail without address", "negative minutes", "twice", "not a list", "unknown key"],
)
def test_check_config_explains_a_bad_policy(person: dict, problem: str) -> None:
    data = {**ORG, "people": {**ORG["people"], "sato": {**ORG["people"]["sato"], **person}}}
    with pytest.raises(ConfigError) as err:
        config(**data)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_a_person_with_only_an_address_is_paged_by_mail_and_acks_as_that_address() -> None:
    data = {**ORG, "people": {**ORG["people"], "sato": {"name": "佐藤", "email": "sato@example.jp"}}}
    cfg = config(**data)
    inc, effects = report(cfg)
    assert [(c, k) for c, k, _ in pages(effects)] == [("email", "sato@example.jp")]
    mail_user = UserRef("email", "sato@example.jp")
    acked, _ = step(inc, press(mail_user, "ack", inc.id), T0 + minutes(1), cfg)
    assert acked.escalation.status == "acked" and acked.escalation.acked_by.name == "佐藤"
