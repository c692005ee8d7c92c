"""Every action against every role: allowed, or refused — privately, to that person, changing nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.effects import Notify, OpenForm, Post, Reply, Update
from bot.core.events import FormSubmitted
from bot.core.model import IncidentSummary, UserRef
from flows import State
from tests.flows.helpers import (
    OUTSIDER,
    REPORTER,
    SUZUKI,
    T0,
    TANAKA,
    command,
    config,
    handle,  # flows.handle, with the cards drawn when sent drawn
    press,
    report,
)

ROLES = {"reporter": REPORTER, "chain member": SUZUKI, "responder": TANAKA, "outsider": OUTSIDER}
STAFF = {"chain member", "responder"}
EVERYONE = set(ROLES)
FACTS = {"people": "5", "encrypted": "no", "exposed_online": "no", "wrongful_purpose": "no", "outsourcee": "no", "government_system": "no",
         "misuse_art9": "no", "provision_art19": "no", "sensitive_data": "no", "financial_harm": "no"}  # fmt: skip

# (action, how to do it for an incident id, who may)
ACTIONS = [
    ("report", lambda i: command_of("report"), EVERYONE),
    ("help", lambda i: command_of("help"), EVERYONE),
    ("status", lambda i: command_of(f"status {i}"), {"reporter"} | STAFF),
    ("list", lambda i: command_of("list"), STAFF),
    ("drill", lambda i: command_of("drill"), STAFF),
    ("acknowledge", lambda i: press_of("ack", i), STAFF),
    ("tick an item", lambda i: press_of("item:done", f"{i}|1.1"), STAFF),
    ("not applicable", lambda i: press_of("item:na", f"{i}|1.1"), STAFF),
    ("take an item", lambda i: press_of("item:take", f"{i}|1.1"), STAFF),
    ("note on an item", lambda i: press_of("item:note", f"{i}|1.1"), STAFF),
    ("submit a note", lambda i: form_of("item_note", {"note": "x"}, f"{i}|1.1"), STAFF),
    ("submit not applicable", lambda i: form_of("item_na", {"reason": "x"}, f"{i}|1.1"), STAFF),
    ("snooze reminders", lambda i: press_of("remind:snooze", i), STAFF),
    ("edit facts", lambda i: press_of("facts:edit", i), STAFF),
    ("submit facts", lambda i: form_of("facts", FACTS, i), STAFF),
    ("draft the report", lambda i: press_of("draft", f"{i}|report"), STAFF),
    ("close", lambda i: command_of(f"close {i} 誤報"), STAFF),
]


def command_of(text: str):
    return lambda who: command(who, text)


def press_of(action: str, value: str):
    return lambda who: press(who, action, value)


def form_of(form_id: str, values: dict, context: str):
    return lambda who: FormSubmitted(who, form_id, values, context)


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("action", "make", "allowed"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_every_action_for_every_role(action: str, make, allowed: set[str], role: str) -> None:
    inc, _ = report()
    who: UserRef = ROLES[role]
    event = make(inc.id)(who)
    summaries = (IncidentSummary(inc.id, "open", "high", T0, False, 20),)
    state = State(incident=inc, new_id="ML-DRILL-2026-0001" if action == "drill" else None, summaries=summaries)
    if action == "report":
        state = State()
    new, effects = handle(state, event, T0, config())
    refusals = [e for e in effects if isinstance(e, Reply) and e.view.tone == "warning"]
    if role in allowed:
        assert not refusals, [r.view.text for r in refusals]
        assert effects, "an allowed action did something"
    else:
        assert refusals, f"{role} was not refused {action}"
        (refusal,) = refusals
        assert refusal.user == who, "the refusal goes to the person who tried"
        assert effects == refusals, "a refusal changes nothing and tells nobody else"
        assert new is None or new == inc
        assert not any(isinstance(e, Notify | Post | Update | OpenForm) for e in effects)


# what an outsider is told, per action: the refusal names that action (not the checklist's)
REFUSALS = {
    "list": ("一覧を見られる", "can list incidents"),
    "drill": ("訓練を開始できる", "can start a drill"),
    "status": ("状況を見られる", "can see"),
    "acknowledge": ("確認できる", "can acknowledge"),
    "tick an item": ("チェックリストを更新できる", "update the checklist"),
    "snooze reminders": ("通知を一時停止できる", "snooze the reminders"),
    "edit facts": ("事実関係を更新できる", "update the facts"),
    "submit facts": ("事実関係を更新できる", "update the facts"),
    "draft the report": ("下書きを作成できる", "draft the report or the notice"),
    "close": ("クローズできる", "can close"),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("action", list(REFUSALS))
def test_each_refusal_names_its_action(action: str, lang: str) -> None:
    inc, _ = report()
    make = next(m for a, m, _ in ACTIONS if a == action)
    event = replace(make(inc.id)(OUTSIDER), lang=lang)
    state = State(incident=inc, new_id="ML-DRILL-2026-0001" if action == "drill" else None)
    _, effects = handle(state, event, T0, config())
    (refusal,) = effects
    assert REFUSALS[action][0 if lang == "ja" else 1] in refusal.view.text
    if action != "tick an item":
        assert "チェックリスト" not in refusal.view.text and "checklist" not in refusal.view.text
