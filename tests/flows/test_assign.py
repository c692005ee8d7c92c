"""Who owns a checklist item (issue 14): 「担当する」 on someone else's item says whose it was; 「担当者を
指定」 opens a form whose choices are the chain and the responders; 「担当を外す」 gives it back. Every
change updates the cards, is told in the thread and is audited."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.effects import Audit, OpenForm, Post, RejectForm, Reply, Update
from bot.core.events import FormSubmitted
from bot.core.model import Incident
from bot.core.views import MENTION_RE, plain
from flows.cards import step_card
from flows.common import Ctx
from tests.flows.helpers import OUTSIDER, SATO, SUZUKI, T0, TANAKA, config, of, press, report, step

CFG = config()


def _thread(eff: list) -> str:
    (post,) = of(eff, Post)
    assert post.thread_of == "card"
    return post.view.text


def _owned(by: object, item: str = "2.1") -> Incident:
    inc, _ = report(CFG)
    inc, _ = step(inc, press(by, "item:take", f"{inc.id}|{item}"), T0, CFG)  # type: ignore[arg-type]
    return inc


def _assign_form(inc: Incident, who: object = SATO, item: str = "2.1") -> OpenForm:
    _, eff = step(inc, press(who, "item:assign", f"{inc.id}|{item}"), T0, CFG)  # type: ignore[arg-type]
    (opened,) = of(eff, OpenForm)
    return opened


@pytest.mark.parametrize(
    ("before", "actor", "action", "owner", "told", "previous"),
    [
        (None, SUZUKI, "item:take", "suzuki", "鈴木 さんが 2.1 を担当します。", ""),
        (SUZUKI, SATO, "item:take", "sato", "佐藤 さんが 2.1 を担当します。（これまでの担当：鈴木 さん）", "suzuki"),
        (
            SUZUKI,
            SATO,
            "item:unassign",
            None,
            "佐藤 さんが 2.1 の担当を外しました。（これまでの担当：鈴木 さん）",
            "suzuki",
        ),
        (SUZUKI, SUZUKI, "item:unassign", None, "鈴木 さんが 2.1 の担当を外しました。", "suzuki"),
    ],
    ids=["take a free item", "take someone else's", "unassign someone", "give one's own back"],
)
def test_take_and_unassign(before: object, actor: object, action: str, owner: str | None, told: str, previous: str) -> None:
    inc = _owned(before) if before else report(CFG)[0]
    new, eff = step(inc, press(actor, action, f"{inc.id}|2.1"), T0, CFG)  # type: ignore[arg-type]
    item = new.item("2.1")
    assert item is not None and (item.owner.key if item.owner else None) == owner
    assert plain(_thread(eff)) == told
    assert MENTION_RE.search(_thread(eff)).group(2) == actor.key  # type: ignore[union-attr,attr-defined]  # the actor is mentioned too
    (audit,) = of(eff, Audit)
    assert (audit.action, audit.detail) == ("item.owner", {"item": "2.1", "owner": owner or "", "previous": previous})
    assert {u.tag for u in of(eff, Update)} == {"step:2", "card"}


def test_the_assign_form_offers_the_chain_and_the_responders() -> None:
    opened = _assign_form(_owned(SUZUKI))
    (owner,) = opened.form.inputs
    assert opened.form.id == "item_assign" and opened.form.title == "項目 2.1 の担当者" and owner.required
    assert [(o.value, o.label) for o in owner.options] == [
        ("playground:sato", "佐藤 さん"),
        ("playground:suzuki", "鈴木 さん"),
        ("playground:takahashi", "高橋 さん"),
        ("playground:tanaka", "田中 さん"),
        ("-", "（担当者なし）"),
    ]
    assert owner.initial == "playground:suzuki"  # the current owner


def test_assigning_someone_mentions_them_in_the_thread() -> None:
    inc = _owned(SUZUKI)
    form = _assign_form(inc).form
    new, eff = step(inc, FormSubmitted(SATO, form.id, {"owner": "playground:tanaka"}, form.context), T0, CFG)
    assert new.item("2.1").owner.key == "tanaka"  # type: ignore[union-attr]
    text = _thread(eff)
    assert text.startswith("⟦@playground|sato|佐藤⟧ さんが 2.1 の担当を ⟦@playground|tanaka|田中⟧ さんにしました。")
    assert [m.group(2) for m in MENTION_RE.finditer(text)] == ["sato", "tanaka", "suzuki"]  # everyone named the same way
    (audit,) = of(eff, Audit)
    assert audit.detail == {"item": "2.1", "owner": "tanaka", "previous": "suzuki"}
    # the step card shows the new owner
    card = step_card(new, 2, Ctx(T0, CFG, "ja"))
    assert "tanaka" in next(ci.detail for ci in card.sections[0].items if ci.id == "2.1")


def test_nobody_on_the_form_unassigns() -> None:
    inc = _owned(SUZUKI)
    form = _assign_form(inc).form
    new, eff = step(inc, FormSubmitted(TANAKA, form.id, {"owner": "-"}, form.context), T0, CFG)
    assert new.item("2.1").owner is None  # type: ignore[union-attr]
    assert plain(_thread(eff)).startswith("田中 さんが 2.1 の担当を外しました。")


@pytest.mark.parametrize("value", ["playground:outsider", "slack:U0SATO", "", "playground:sato|x"])
def test_a_choice_not_on_the_form_is_shown_back(value: str) -> None:
    inc = _owned(SUZUKI)
    form = _assign_form(inc).form
    same, eff = step(inc, FormSubmitted(SATO, form.id, {"owner": value}, form.context), T0, CFG)
    (rejected,) = of(eff, RejectForm)
    assert same is inc and rejected.form.errors == {"owner": "選択肢から選んでください。"} and not of(eff, Post)


def test_no_change_is_said_privately_and_changes_nothing() -> None:
    inc = _owned(SUZUKI)
    same, eff = step(inc, press(SUZUKI, "item:take", f"{inc.id}|2.1"), T0, CFG)
    assert same is inc and [plain(r.view.text) for r in of(eff, Reply)] == ["2.1 は既に 鈴木 さんの担当です。"] and not of(eff, Audit)
    free, _ = report(CFG)
    same, eff = step(free, press(SATO, "item:unassign", f"{free.id}|2.1"), T0, CFG)
    assert same is free and [r.view.text for r in of(eff, Reply)] == ["2.1 には担当者がいません。"]


@pytest.mark.parametrize("action", ["item:take", "item:assign", "item:unassign"])
def test_outsiders_may_not_change_owners(action: str) -> None:
    inc = _owned(SUZUKI)
    same, eff = step(inc, press(OUTSIDER, action, f"{inc.id}|2.1"), T0, CFG)
    assert same is inc and of(eff, Reply) and not of(eff, OpenForm) and not of(eff, Post)
    form = _assign_form(inc).form
    same, eff = step(inc, FormSubmitted(OUTSIDER, form.id, {"owner": "playground:sato"}, form.context), T0, CFG)
    assert same is inc and of(eff, Reply) and not of(eff, Post)


def test_the_step_card_offers_take_or_unassign_and_always_assign() -> None:
    inc = _owned(SUZUKI)
    items = step_card(inc, 2, Ctx(T0, CFG, "ja")).sections[0].items
    actions = {ci.id: [b.action for b in ci.buttons] for ci in items}
    assert actions["2.1"] == ["item:done", "item:na", "item:assign", "item:unassign", "item:note"]
    assert actions["2.2"] == ["item:done", "item:na", "item:take", "item:assign", "item:note"]


def test_in_english() -> None:
    inc = replace(_owned(SUZUKI), lang="en")
    _, eff = step(inc, press(SATO, "item:take", f"{inc.id}|2.1"), T0, CFG)
    assert _thread(eff) == "⟦@playground|sato|佐藤⟧ took 2.1. (It was ⟦@playground|suzuki|鈴木⟧'s.)"
