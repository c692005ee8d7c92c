"""The reminder digest (issue 14): not the ~23 open items every time, but what changed since the last
digest, the next deadline, the items whose owners should act, the next step's unowned items and a
count of the rest — and a button that shows the status card."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.core.effects import Post, Reply
from bot.core.events import TimerFired
from bot.core.model import Incident
from bot.core.views import MENTION_RE
from tests.flows.helpers import OUTSIDER, REPORTER, SATO, SUZUKI, config, of, press, report, step, submission
from tests.flows.test_reminders import jst

CFG = config()
FIRST, BETWEEN, SECOND = jst(2026, 11, 26, 14), jst(2026, 11, 26, 15), jst(2026, 11, 26, 16)
Act = Callable[[Incident], Incident]


def _press(who: object, action: str, item: str) -> Act:
    return lambda inc: step(inc, press(who, action, f"{inc.id}|{item}"), BETWEEN, CFG)[0]  # type: ignore[arg-type]


def _file(law: str, kind: str) -> Act:
    return lambda inc: step(inc, submission(SATO, inc, law, kind), BETWEEN, CFG)[0]


def _digest(inc: Incident, at: object) -> tuple[Incident, list[str], Post]:
    new, eff = step(inc, TimerFired(inc.id, "remind", "digest"), at, CFG)  # type: ignore[arg-type]
    (post,) = of(eff, Post)
    assert post.thread_of == "card"  # in the card's thread
    return new, post.view.text.splitlines(), post


def _two_digests(acts: list[Act], before: tuple[Act, ...] = ()) -> tuple[list[str], list[str]]:
    inc, _ = report(CFG)
    for act in (_press(SUZUKI, "item:take", "2.1"), *before):
        inc = act(inc)
    inc, first, _ = _digest(inc, FIRST)
    for act in acts:
        inc = act(inc)
    _, second, _ = _digest(inc, SECOND)
    return first, second


CASES = [
    # (id, what happens between the digests, lines the second digest must have, lines it must not have)
    (
        "nothing changed",
        [],
        ["前回の通知（2026-11-26 14:00）から変化はありません。", "次の期限：速報（番号法）2026-11-30 まで"],
        ["前回の通知から完了"],
    ),
    ("an item done", [_press(SATO, "item:done", "1.1")], ["前回の通知から完了：1.1（1件）"], ["変化はありません", "・1.1 "]),
    (
        "two items settled",
        [_press(SATO, "item:done", "1.1"), _press(SATO, "item:done", "2.1")],
        ["前回の通知から完了：1.1、2.1（2件）"],
        ["担当者の対応待ち："],
    ),
    (
        "done and reopened again: no net change",
        [_press(SATO, "item:done", "1.1"), _press(SATO, "item:reopen", "1.1")],
        ["から変化はありません"],
        ["前回の通知から完了", "前回の通知から未完了に戻った"],
    ),
    ("a new owner", [_press(SATO, "item:take", "3.1")], ["・3.1 "], []),
    (
        "速報 filed for both laws",
        [_file("mynumber", "prelim"), _file("appi", "prelim")],
        ["次の期限：確報（番号法）2026-12-25 まで"],
        ["速報（番号法）"],
    ),
]


@pytest.mark.parametrize(("acts", "must", "must_not"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_second_digest_says_what_changed(acts: list[Act], must: list[str], must_not: list[str]) -> None:
    first, second = _two_digests(acts)
    text = "\n".join(second)
    for part in must:
        assert part in text, (part, text)
    for part in must_not:
        assert part not in text, (part, text)
    assert text != "\n".join(first)


def test_an_item_reopened_since_the_last_digest_is_named() -> None:
    _, second = _two_digests([_press(SATO, "item:reopen", "1.1")], before=(_press(SATO, "item:done", "1.1"),))
    assert second[0] == "前回の通知から未完了に戻った・増えた項目：1.1（1件）" and "・1.1 " in "\n".join(second)


def test_the_first_digest_names_owners_the_next_step_and_counts_the_rest() -> None:
    first, _ = _two_digests([])
    assert first[0] == "次の期限：速報（番号法）2026-11-30 まで"  # no "since the last" line: there was none
    assert first[1] == "担当者の対応待ち：" and first[2].startswith("・2.1 ")
    assert first[3] == "次に進める項目（(1)、担当者未定）：" and [x[:4] for x in first[4:7]] == ["・1.1", "・1.2", "・1.3"]
    assert first[7] == "ほか19件（担当者未定）" and len(first) == 8  # not 23 lines
    assert [m.group(2) for m in MENTION_RE.finditer("\n".join(first))] == ["suzuki"]


def test_the_next_step_shows_at_most_five_items() -> None:
    inc, _ = report(CFG)
    for item in ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3"):
        inc = _press(SATO, "item:done", item)(inc)
    _, lines, _ = _digest(inc, FIRST)
    assert lines[1] == "次に進める項目（(3)、担当者未定）：" and len([x for x in lines if x.startswith("・3.")]) == 5
    assert lines[-1] == "ほか12件（担当者未定）"


@pytest.mark.parametrize(("who", "shown"), [(REPORTER, True), (SATO, True), (OUTSIDER, False)], ids=["reporter", "chain", "outsider"])
def test_the_digest_button_shows_the_card(who: object, shown: bool) -> None:
    inc, _ = report(CFG)
    inc, _, post = _digest(inc, FIRST)
    (button,) = [b for b in post.view.buttons if b.action == "remind:card"]
    same, eff = step(inc, press(who, button.action, button.value), SECOND, CFG)  # type: ignore[arg-type]
    (reply,) = of(eff, Reply)
    assert same is inc
    if shown:
        assert reply.view.title == f"マイナンバー漏えい等事案 {inc.id}" and reply.view.summary
    else:
        assert reply.view.text == f"{inc.id} の状況を見られるのは報告者、エスカレーション先と対応担当者だけです。"


def test_the_digest_in_english() -> None:
    inc, _ = report(CFG)
    inc, _, _ = _digest(replace(inc, lang="en"), FIRST)
    _, lines, post = _digest(inc, SECOND)
    assert lines[0].startswith("Nothing changed since the last reminder") and lines[1].startswith("Next deadline: Preliminary report")
    assert [b.label for b in post.view.buttons][0] == "Show the card"
