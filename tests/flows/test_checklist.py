"""The checklist: ticking, not applicable with a reason, owners, notes — and who may do it."""

from __future__ import annotations

import pytest

from bot.core.effects import OpenForm, RejectForm, Reply, StartTimer, Update
from bot.core.events import FormSubmitted
from bot.core.model import UserRef
from tests.flows.helpers import OUTSIDER, REPORTER, SATO, SUZUKI, T0, TANAKA, command, minutes, of, press, report, step


def test_default_template_is_the_leaflets() -> None:
    inc, _ = report()
    steps = sorted({i.step for i in inc.items})
    assert steps == [1, 2, 3, 4, 5, 6]
    texts = " ".join(i.text for i in inc.items)
    for phrase in ("紛失届", "暗号化", "市区町村", "注意喚起", "研修", "定期的"):
        assert phrase in texts
    assert sum(1 for i in inc.items if i.text.startswith("確認：")) == 5  # the five prevention questions


@pytest.mark.parametrize(
    ("who", "allowed"),
    [(SATO, True), (SUZUKI, True), (TANAKA, True), (REPORTER, False), (OUTSIDER, False)],
    ids=["chain step 1", "chain step 2", "responder", "reporter", "outsider"],
)
@pytest.mark.parametrize("action", ["item:done", "item:na", "item:take", "item:note"])
def test_who_may_change_items(who: UserRef, allowed: bool, action: str) -> None:
    inc, _ = report()
    new, eff = step(inc, press(who, action, f"{inc.id}|1.1"), T0 + minutes(1))
    if allowed:
        assert (new != inc) or of(eff, OpenForm)
    else:
        assert new == inc
        (reply,) = eff
        assert isinstance(reply, Reply) and reply.user == who and reply.view.tone == "warning"
        assert inc.id in reply.view.text


def test_done_updates_step_card_and_status_card_in_place() -> None:
    inc, _ = report()
    new, eff = step(inc, press(SATO, "item:done", f"{inc.id}|3.3"), T0 + minutes(2))
    item = new.item("3.3")
    assert item.state == "done" and item.by.key == "sato" and item.at == T0 + minutes(2)
    tags = [u.tag for u in of(eff, Update)]
    assert tags == ["step:3", "card"]
    card = of(eff, Update)[1].view
    in_step_3 = sum(1 for i in new.items if i.step == 3)
    (section,) = [s for s in card.sections if "(3)" in s.title]
    assert section.text == f"1/{in_step_3} 完了"


def test_not_applicable_needs_a_reason() -> None:
    inc, _ = report()
    _, eff = step(inc, press(SATO, "item:na", f"{inc.id}|1.2"), T0)
    (form,) = of(eff, OpenForm)
    assert form.form.id == "item_na" and form.form.context == f"{inc.id}|1.2"
    same, eff = step(inc, FormSubmitted(SATO, "item_na", {"reason": "  "}, f"{inc.id}|1.2"), T0)
    assert same == inc and "reason" in of(eff, RejectForm)[0].form.errors
    new, eff = step(inc, FormSubmitted(SATO, "item_na", {"reason": "紙の媒体ではない"}, f"{inc.id}|1.2"), T0)
    assert new.item("1.2").state == "na" and new.item("1.2").reason == "紙の媒体ではない"


def test_note_and_owner_and_reopen() -> None:
    inc, _ = report()
    inc, _ = step(inc, press(SUZUKI, "item:take", f"{inc.id}|2.1"), T0)
    assert inc.item("2.1").owner.key == "suzuki"
    inc, eff = step(inc, FormSubmitted(SUZUKI, "item_note", {"note": "本人から聴取済み 123456789018"}, f"{inc.id}|2.1"), T0)
    assert inc.item("2.1").note.startswith("本人から聴取済み") and "123456789018" not in inc.item("2.1").note
    assert of(eff, Reply)  # told that a number was masked
    inc, _ = step(inc, press(SUZUKI, "item:done", f"{inc.id}|2.1"), T0)
    inc, _ = step(inc, press(SUZUKI, "item:reopen", f"{inc.id}|2.1"), T0)
    assert inc.item("2.1").state == "open" and inc.item("2.1").note  # the note survives


def test_unknown_item_is_refused_clearly() -> None:
    inc, _ = report()
    same, eff = step(inc, press(SATO, "item:done", f"{inc.id}|9.9"), T0)
    assert same == inc and isinstance(eff[0], Reply)


def test_ticking_a_closed_incident_is_refused() -> None:
    inc, _ = report()
    inc, _ = step(inc, command(SATO, f"close {inc.id} 訓練のため"), T0)
    same, eff = step(inc, press(SATO, "item:done", f"{inc.id}|1.1"), T0)
    assert same == inc and isinstance(eff[0], Reply)


def test_change_rearms_reminders_idempotently() -> None:
    inc, _ = report()
    _, eff = step(inc, press(SATO, "item:done", f"{inc.id}|1.1"), T0)
    assert [(t.kind, t.key) for t in of(eff, StartTimer)] == [("remind", "digest")]
