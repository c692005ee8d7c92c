"""Away periods: while a person is away, their pages go to their deputy (or they are skipped).

A period comes from the organisation file (top-level ``away:`` list) or from ``/mynaleak away`` (stored
in the ``away`` table, so it survives restarts and every replica sees it). ``person`` and ``deputy``
are handles of the organisation file's ``people``. Times are aware datetimes; a bare date means the
whole day in the organisation's time zone (``to`` a date: up to the end of that day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["Away", "ClearAway", "SetAway", "active", "parse_entries", "parse_when"]

_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?$")


@dataclass(frozen=True)
class Away:
    person: str  # handle in the organisation file
    start: datetime
    end: datetime  # exclusive
    deputy: str = ""  # handle; "" = the person is skipped while away
    by: str = ""  # who set it (platform:key), "" for the organisation file

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class SetAway:
    """An effect: store an away period (the runtime writes it in the event's transaction)."""

    away: Away


@dataclass(frozen=True)
class ClearAway:
    """An effect: end ``person``'s away periods at ``at`` (ones not begun yet are removed)."""

    person: str
    at: datetime


def active(periods: tuple[Away, ...], person: str, at: datetime) -> Away | None:
    """The period ``person`` is away in at ``at`` (the latest set wins), or None."""
    found = [p for p in periods if p.person == person and p.covers(at)]
    return found[-1] if found else None


def parse_when(value: Any, tz: ZoneInfo, end: bool = False) -> datetime | None:
    """``YYYY-MM-DD`` / ``YYYY/MM/DD`` with an optional ``THH:MM`` (or a YAML date / datetime) in ``tz``;
    a bare date as ``end`` means the end of that day. None when it is not a date."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        day, hm = value, None
    else:
        m = _DATE.match(str(value).strip())
        if not m:
            return None
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
            hm = time(int(m[4]), int(m[5])) if m[4] else None
        except ValueError:
            return None
    if hm is not None:
        return datetime.combine(day, hm, tz)
    return datetime.combine(day + timedelta(days=1) if end else day, time(0, 0), tz)


def parse_entries(data: Any, people: set[str], tz: ZoneInfo, problems: list[str]) -> tuple[Away, ...]:
    """The organisation file's ``away:`` list: ``{person, from, to, deputy?}`` each."""
    if data in (None, []):
        return ()
    if not isinstance(data, list):
        problems.append("away: expected a list of {person, from, to, deputy}")
        return ()
    found: list[Away] = []
    for i, entry in enumerate(data):
        where = f"away[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping with person, from, to and optionally deputy")
            continue
        unknown = [k for k in entry if k not in ("person", "from", "to", "deputy")]
        problems += [f"{where}.{k}: unknown setting (use person, from, to, deputy)" for k in unknown]
        person, deputy = str(entry.get("person") or ""), str(entry.get("deputy") or "")
        if person not in people:
            problems.append(f"{where}.person: unknown person {person!r} (not in people)")
        if deputy and deputy not in people:
            problems.append(f"{where}.deputy: unknown person {deputy!r} (not in people)")
        elif deputy and deputy == person:
            problems.append(f"{where}.deputy: a person cannot be their own deputy")
        start, end = parse_when(entry.get("from"), tz), parse_when(entry.get("to"), tz, end=True)
        if start is None:
            problems.append(f"{where}.from: expected a date YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {entry.get('from')!r}")
        if end is None:
            problems.append(f"{where}.to: expected a date YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {entry.get('to')!r}")
        if start is not None and end is not None:
            if start >= end:
                problems.append(f"{where}: from must be before to")
            else:
                found.append(Away(person, start, end, deputy))
    return tuple(found)
