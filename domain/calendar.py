"""England working days and statutory deadline arithmetic (SPEC §2).

A working day is Monday to Friday and not an England & Wales bank holiday. Every count is
*strictly* after (or before) its base date: the base date itself never counts. Deadlines fall
due at close of business, Europe/London.

This module reads the holiday table, which changes between releases of `holidays`; workflow
code must never call it directly, only through the deadline activity, so that a running case
keeps the dates it was given.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    table = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(table.keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, n: int) -> date:
    """The nth working day strictly after `start` (n > 0) or strictly before it (n < 0)."""
    if n == 0:
        raise ValueError("a working-day offset of 0 is ambiguous; use the date itself")
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    day = start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days fall strictly after `start` up to and including `end`."""
    if end <= start:
        return 0
    return sum(1 for i in range(1, (end - start).days + 1) if is_working_day(start + timedelta(i)))


def add_months(start: date, n: int) -> date:
    """Same day of the month n months later, clamped to the end of a shorter month."""
    return start + relativedelta(months=n)


def london_date(instant: datetime) -> date:
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(LONDON).date()


def at_london(day: date, clock: time) -> datetime:
    """An aware datetime for `clock` on `day` in London (handles BST/GMT)."""
    return datetime.combine(day, clock, tzinfo=LONDON)


def london_today() -> date:
    return datetime.now(LONDON).date()
