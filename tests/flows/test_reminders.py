"""Reminders: business hours on the Japanese calendar, snooze, stop on done and on close."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.effects import CancelTimers, Post, StartTimer
from bot.core.events import TimerFired
from bot.core.views import MENTION_RE
from tests.flows.helpers import OUTSIDER, SATO, SUZUKI, T0, command, finish, of, press, report, step

DIGEST = lambda inc: TimerFired(inc.id, "remind", "digest")  # noqa: E731


def jst(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh - 9, mm, tzinfo=UTC) if hh >= 9 else datetime(y, m, d - 1, hh + 15, mm, tzinfo=UTC)


def test_first_reminder_after_the_cadence_in_business_hours() -> None:
    _, effects = report()  # Thu 10:00 JST
    (t,) = [e for e in of(effects, StartTimer) if e.kind == "remind"]
    assert t.due_at == jst(2026, 11, 26, 14)


def test_reminder_lists_open_items_and_mentions_owners() -> None:
    inc, _ = report()
    inc, _ = step(inc, press(SUZUKI, "item:take", f"{inc.id}|2.1"), T0)
    inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|1.1"), T0)
    _, eff = step(inc, DIGEST(inc), jst(2026, 11, 26, 14))
    (post,) = of(eff, Post)
    assert post.thread_of == "card" and "1.1 " not in post.view.text and "2.1" in post.view.text
    assert [m.group(2) for m in MENTION_RE.finditer(post.view.text)] == ["suzuki"]
    (nxt,) = of(eff, StartTimer)
    assert nxt.due_at == jst(2026, 11, 26, 18) or nxt.due_at == jst(2026, 11, 27, 9)


def test_outside_business_hours_waits_for_the_morning() -> None:
    inc, _ = report()
    _, eff = step(inc, DIGEST(inc), jst(2026, 11, 26, 22))  # Thursday night
    assert not of(eff, Post)
    assert of(eff, StartTimer)[0].due_at == jst(2026, 11, 27, 9)


def test_on_a_holiday_waits_for_the_next_working_day() -> None:
    inc, _ = report()
    _, eff = step(inc, DIGEST(inc), jst(2026, 11, 23, 11))  # 勤労感謝の日 (Monday 23 Nov 2026)
    assert not of(eff, Post)
    assert of(eff, StartTimer)[0].due_at == jst(2026, 11, 24, 9)


def test_new_year_holidays_and_weekend_are_skipped() -> None:
    inc, _ = report()
    _, eff = step(inc, DIGEST(inc), jst(2026, 12, 30, 11))  # 30 Dec: year-end closure
    assert of(eff, StartTimer)[0].due_at == jst(2027, 1, 4, 9)  # Mon 4 Jan 2027


def test_snooze_postpones_and_only_responders_may_snooze() -> None:
    inc, _ = report()
    inc2, eff = step(inc, press(SATO, "remind:snooze", inc.id), jst(2026, 11, 26, 14))
    assert inc2.reminders_snoozed_until == jst(2026, 11, 27, 14)
    assert CancelTimers(("remind",)) in eff and of(eff, StartTimer)[0].due_at == jst(2026, 11, 27, 14)
    # a digest timer that fires during the snooze posts nothing
    _, eff = step(inc2, DIGEST(inc2), jst(2026, 11, 27, 10))
    assert not of(eff, Post) and of(eff, StartTimer)[0].due_at == jst(2026, 11, 27, 14)
    same, eff = step(inc, press(OUTSIDER, "remind:snooze", inc.id), T0)
    assert same == inc and not of(eff, StartTimer)


def test_stop_when_everything_is_done() -> None:
    inc, _ = report()
    inc = finish(inc)  # the report item is done once the 確報 are recorded
    assert not inc.open_required()
    _, eff = step(inc, DIGEST(inc), jst(2026, 11, 26, 14))
    assert eff == []


def test_stop_the_moment_the_incident_is_closed() -> None:
    inc, _ = report()
    inc, eff = step(inc, command(SATO, f"close {inc.id} 誤報でした"), T0)
    assert CancelTimers(()) in eff
    _, eff = step(inc, DIGEST(inc), jst(2026, 11, 26, 14))
    assert eff == []


def test_optional_items_are_not_reminded() -> None:
    inc, _ = report()
    inc = replace(inc, items=tuple(replace(i, required=False) for i in inc.items))
    _, eff = step(inc, DIGEST(inc), jst(2026, 11, 26, 14))
    assert eff == []
