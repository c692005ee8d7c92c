"""The Japanese business calendar used for legal deadlines and reminders.

Closed days follow 行政機関の休日に関する法律 第1条 (cited by PPC guideline annex 2, 3E ※2):
Saturdays, Sundays, national holidays (国民の祝日に関する法律に規定する休日, which includes
substitute holidays and 国民の休日) and the year-end closure from 29 December to 3 January.
National holidays come from the maintained ``holidays`` library, never from a hand-written list.
The library covers 1949-2099; asking about a date outside that range raises ``ValueError`` rather
than silently treating a possible holiday as a working day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "FIRST_SUPPORTED",
    "LAST_SUPPORTED",
    "closed_reason",
    "day_n",
    "is_business_moment",
    "is_closed_day",
    "is_national_holiday",
    "next_business_moment",
    "roll_forward",
]

ClosedReason = Literal["weekend", "holiday", "year_end"]


@cache
def _jp() -> holidays.HolidayBase:
    return holidays.country_holidays("JP")


FIRST_SUPPORTED = date(_jp().start_year, 1, 1)
LAST_SUPPORTED = date(_jp().end_year, 12, 31)
_MAX_SEARCH = 31  # no run of closed days is this long; guards against a broken calendar


def _check(d: date) -> None:
    if not FIRST_SUPPORTED <= d <= LAST_SUPPORTED:
        raise ValueError(f"{d.isoformat()} is outside the supported calendar range")


def is_national_holiday(d: date) -> bool:
    """Is ``d`` a Japanese national holiday (including substitute and citizens' holidays)?"""
    _check(d)
    return d in _jp()


def closed_reason(d: date) -> ClosedReason | None:
    """Why government offices are closed on ``d``, or None on an open day."""
    _check(d)
    if (d.month, d.day) >= (12, 29) or (d.month, d.day) <= (1, 3):
        return "year_end"
    if d in _jp():
        return "holiday"
    if d.weekday() >= 5:
        return "weekend"
    return None


def is_closed_day(d: date) -> bool:
    """Saturday, Sunday, national holiday, or 29 December - 3 January."""
    return closed_reason(d) is not None


def roll_forward(d: date) -> date:
    """``d`` if it is open, else the next day that is not closed."""
    for _ in range(_MAX_SEARCH):
        if not is_closed_day(d):
            return d
        d += timedelta(days=1)
    raise ValueError("no open day found")  # pragma: no cover - impossible with a real calendar


def day_n(known_on: date, n: int) -> date:
    """Day ``n`` counted with ``known_on`` as day 1 (calendar days, closed days included)."""
    if n < 1:
        raise ValueError("day numbers start at 1")
    return known_on + timedelta(days=n - 1)


def _check_hours(at: datetime, start: time, end: time) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    if not start < end:
        raise ValueError("business hours must start before they end")


def is_business_moment(at: datetime, start: time, end: time, tz: ZoneInfo) -> bool:
    """Is ``at`` within ``[start, end)`` local time in ``tz`` on an open day?"""
    _check_hours(at, start, end)
    local = at.astimezone(tz)
    return not is_closed_day(local.date()) and start <= local.time().replace(tzinfo=None) < end


def next_business_moment(at: datetime, start: time, end: time, tz: ZoneInfo) -> datetime:
    """``at`` (in ``tz``) if it is a business moment, else the start of the next business hours."""
    _check_hours(at, start, end)
    local = at.astimezone(tz)
    if is_business_moment(local, start, end, tz):
        return local
    day = local.date()
    if is_closed_day(day) or local.time().replace(tzinfo=None) >= end:
        day = roll_forward(day + timedelta(days=1))
    return datetime.combine(day, start, tzinfo=tz)


def previous_open_day(d: date) -> date:
    """The last working day before ``d`` (reminders are not sent on weekends and holidays)."""
    d = date.fromordinal(d.toordinal() - 1)
    while is_closed_day(d):
        d = date.fromordinal(d.toordinal() - 1)
    return d


def window_days(first: date, last: date) -> tuple[date, ...]:
    """The working days to remind on for a target window ``first``..``last``: its first working day
    (the working day before it when the whole window is closed) and, when later, its last working day."""
    in_window = roll_forward(first)
    start = in_window if in_window <= last else previous_open_day(first)
    last_open = last if not is_closed_day(last) else previous_open_day(last)
    return (start, last_open) if last_open > start else (start,)
