"""The Japanese business calendar (flows.calendar): 行政機関の休日に関する法律 第1条."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.calendar import (
    FIRST_SUPPORTED,
    LAST_SUPPORTED,
    closed_reason,
    day_n,
    is_business_moment,
    is_closed_day,
    is_national_holiday,
    next_business_moment,
    roll_forward,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NINE, SIX_PM = time(9, 0), time(18, 0)


@pytest.mark.parametrize(
    ("d", "holiday"),
    [
        (date(2026, 1, 1), True),  # 元日
        (date(2026, 1, 12), True),  # 成人の日 (second Monday)
        (date(2026, 5, 6), True),  # 振替休日 for 5/3 (Sunday)
        (date(2026, 9, 22), True),  # 国民の休日 between 敬老の日 and 秋分の日
        (date(2027, 3, 22), True),  # 振替休日 for 春分の日 on a Sunday
        (date(2026, 11, 23), True),  # 勤労感謝の日
        (date(2026, 11, 24), False),
        (date(2026, 12, 29), False),  # year-end closure, but not a national holiday
        (date(2026, 11, 28), False),  # a plain Saturday
    ],
)
def test_is_national_holiday(d: date, holiday: bool) -> None:
    assert is_national_holiday(d) is holiday


@pytest.mark.parametrize(
    ("d", "reason"),
    [
        (date(2026, 11, 26), None),  # Thursday
        (date(2026, 11, 28), "weekend"),  # Saturday
        (date(2026, 11, 29), "weekend"),  # Sunday
        (date(2026, 11, 23), "holiday"),  # Monday holiday
        (date(2026, 5, 6), "holiday"),  # substitute holiday
        (date(2026, 12, 28), None),  # last open day of the year (Monday)
        (date(2026, 12, 29), "year_end"),  # Tuesday, closed
        (date(2026, 12, 31), "year_end"),
        (date(2027, 1, 2), "year_end"),
        (date(2027, 1, 3), "year_end"),
        (date(2027, 1, 4), None),  # Monday, offices reopen
        (date(2024, 1, 4), None),  # Thursday
    ],
)
def test_closed_days(d: date, reason: str | None) -> None:
    assert closed_reason(d) == reason
    assert is_closed_day(d) is (reason is not None)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 11, 26), date(2026, 11, 26)),  # open: itself
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> Monday
        (
            date(2026, 11, 21),
            date(2026, 11, 24),
        ),  # Sat, Sun, Mon 勤労感謝の日 -> Tuesday
        (date(2026, 5, 2), date(2026, 5, 7)),  # Golden Week 5/2-5/6 -> Thursday
        (date(2026, 12, 29), date(2027, 1, 4)),  # year end -> 4 January (Monday)
        (date(2027, 1, 1), date(2027, 1, 4)),
        (date(2027, 12, 30), date(2028, 1, 4)),  # 2028-01-04 is a Tuesday
        (date(2026, 9, 19), date(2026, 9, 24)),  # Silver Week: Sat..Wed 9/23
    ],
)
def test_roll_forward(d: date, expected: date) -> None:
    assert roll_forward(d) == expected


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 11, 30)))
def test_roll_forward_properties(d: date) -> None:
    r = roll_forward(d)
    assert r >= d
    assert not is_closed_day(r)
    assert all(is_closed_day(d + timedelta(days=i)) for i in range((r - d).days))


def test_day_n_counts_known_on_as_day_one() -> None:
    assert day_n(date(2026, 11, 26), 1) == date(2026, 11, 26)
    assert day_n(date(2026, 11, 26), 30) == date(2026, 12, 25)
    assert day_n(date(2026, 11, 26), 60) == date(2027, 1, 24)
    with pytest.raises(ValueError):
        day_n(date(2026, 11, 26), 0)


def test_outside_library_range_is_refused() -> None:
    assert FIRST_SUPPORTED == date(1949, 1, 1)
    assert LAST_SUPPORTED >= date(2099, 12, 31)
    with pytest.raises(ValueError):
        is_national_holiday(LAST_SUPPORTED + timedelta(days=1))
    with pytest.raises(ValueError):
        roll_forward(LAST_SUPPORTED)  # 31 December is closed; 1 January is out of range


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (jst(2026, 11, 26, 10, 0), jst(2026, 11, 26, 10, 0)),  # inside: unchanged
        (jst(2026, 11, 26, 9, 0), jst(2026, 11, 26, 9, 0)),  # start is inclusive
        (jst(2026, 11, 26, 18, 0), jst(2026, 11, 27, 9, 0)),  # end is exclusive
        (jst(2026, 11, 26, 7, 30), jst(2026, 11, 26, 9, 0)),  # early morning: same day
        (jst(2026, 11, 27, 19, 0), jst(2026, 11, 30, 9, 0)),  # Friday evening -> Monday
        (jst(2026, 11, 28, 11, 0), jst(2026, 11, 30, 9, 0)),  # Saturday -> Monday
        (
            jst(2026, 11, 20, 20, 0),
            jst(2026, 11, 24, 9, 0),
        ),  # Fri -> past 11/23 holiday
        (jst(2026, 12, 28, 18, 30), jst(2027, 1, 4, 9, 0)),  # year-end closure
        # an aware time in UTC: 2026-11-26 00:30 UTC is 09:30 in Tokyo
        (
            datetime(2026, 11, 26, 0, 30, tzinfo=UTC),
            jst(2026, 11, 26, 9, 30),
        ),
        # 2026-11-27 23:00 UTC is Saturday 08:00 in Tokyo -> Monday
        (
            datetime(2026, 11, 27, 23, 0, tzinfo=UTC),
            jst(2026, 11, 30, 9, 0),
        ),
    ],
)
def test_next_business_moment(at: datetime, expected: datetime) -> None:
    got = next_business_moment(at, NINE, SIX_PM, TOKYO)
    assert got == expected
    assert got.tzinfo == TOKYO
    assert got.utcoffset() == timedelta(hours=9)
    assert is_business_moment(got, NINE, SIX_PM, TOKYO)
    assert is_business_moment(at, NINE, SIX_PM, TOKYO) is (got == at)


def test_business_moment_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        is_business_moment(datetime(2026, 11, 26, 10), NINE, SIX_PM, TOKYO)  # naive
    with pytest.raises(ValueError):
        next_business_moment(jst(2026, 11, 26, 10), SIX_PM, NINE, TOKYO)  # inverted hours


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2099, 11, 30),
        timezones=st.just(TOKYO),
    )
)
def test_next_business_moment_properties(at: datetime) -> None:
    got = next_business_moment(at, NINE, SIX_PM, TOKYO)
    assert got >= at
    assert is_business_moment(got, NINE, SIX_PM, TOKYO)
    assert got - at < timedelta(days=12)
