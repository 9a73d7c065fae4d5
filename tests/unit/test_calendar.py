"""England working-day arithmetic (SPEC §2). Expected dates are hard-coded from the published
England & Wales bank holiday calendar and checked by hand against a weekday calendar."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.calendar import (
    add_months,
    add_working_days,
    at_london,
    is_bank_holiday,
    is_working_day,
    london_date,
    london_today,
    working_days_between,
)

BANK_HOLIDAYS_2026_2027 = [
    date(2026, 4, 3),  # Good Friday
    date(2026, 4, 6),  # Easter Monday
    date(2026, 5, 4),  # Early May
    date(2026, 5, 25),  # Spring
    date(2026, 12, 25),  # Christmas Day (Fri)
    date(2026, 12, 26),  # Boxing Day (Sat)
    date(2026, 12, 28),  # Boxing Day substitute (Mon)
    date(2027, 1, 1),  # New Year's Day (Fri)
    date(2027, 3, 26),  # Good Friday
    date(2027, 3, 29),  # Easter Monday
    date(2027, 5, 3),  # Early May
    date(2027, 5, 31),  # Spring
    date(2027, 12, 25),  # Christmas Day (Sat)
    date(2027, 12, 26),  # Boxing Day (Sun)
    date(2027, 12, 27),  # Christmas substitute (Mon)
    date(2027, 12, 28),  # Boxing Day substitute (Tue)
]


@pytest.mark.parametrize("day", BANK_HOLIDAYS_2026_2027, ids=str)
def test_bank_holidays_are_not_working_days(day: date) -> None:
    assert is_bank_holiday(day)
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 4, 2), date(2026, 4, 7), date(2026, 5, 26), date(2026, 12, 24),
     date(2026, 12, 29), date(2027, 3, 30), date(2027, 12, 24), date(2027, 12, 29)],
    ids=str,
)
def test_weekdays_next_to_holidays_are_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert not is_bank_holiday(day)
    assert is_working_day(day)


def test_weekend_holiday_is_not_a_working_day_either_way() -> None:
    boxing_day = date(2026, 12, 26)
    assert boxing_day.weekday() == 5  # Saturday
    assert not is_working_day(boxing_day)
    assert not is_working_day(date(2026, 12, 27))  # plain Sunday
    assert not is_bank_holiday(date(2026, 12, 27))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # SPEC §2 examples
        (date(2026, 12, 23), 1, date(2026, 12, 24)),
        (date(2026, 12, 23), 5, date(2027, 1, 4)),
        (date(2026, 12, 23), 15, date(2027, 1, 18)),
        # spanning bank holidays
        (date(2026, 4, 2), 1, date(2026, 4, 7)),  # Good Friday + Easter Monday
        (date(2026, 5, 22), 1, date(2026, 5, 26)),  # Spring bank holiday
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Christmas + Boxing substitute
        (date(2027, 12, 24), 1, date(2027, 12, 29)),  # two substitute days
        (date(2027, 3, 26), 1, date(2027, 3, 30)),  # base is Good Friday itself
        (date(2027, 4, 30), 1, date(2027, 5, 4)),  # Early May 2027
        # base never counts
        (date(2026, 3, 9), 1, date(2026, 3, 10)),  # working-day base (Mon)
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday base -> Monday
        (date(2026, 3, 8), 1, date(2026, 3, 9)),  # Sunday base -> Monday
        (date(2026, 4, 6), 1, date(2026, 4, 7)),  # holiday base (Easter Monday)
        (date(2026, 12, 26), 1, date(2026, 12, 29)),  # weekend-holiday base
        # negative offsets
        (date(2026, 4, 7), -7, date(2026, 3, 25)),  # back over Easter 2026
        (date(2026, 5, 26), -5, date(2026, 5, 18)),  # back over Spring 2026
        (date(2026, 12, 29), -1, date(2026, 12, 24)),
        (date(2027, 12, 29), -1, date(2027, 12, 24)),
        (date(2027, 1, 4), -1, date(2026, 12, 31)),  # back over New Year's Day
        (date(2026, 12, 26), -1, date(2026, 12, 24)),  # weekend-holiday base
        (date(2026, 3, 9), -1, date(2026, 3, 6)),  # Monday -> previous Friday
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected
    assert is_working_day(expected)


def test_add_zero_working_days_raises() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 9), 0)


@pytest.mark.parametrize(
    ("start", "n"),
    [(date(2026, 12, 23), 5), (date(2026, 12, 23), 15), (date(2026, 4, 2), 1),
     (date(2027, 12, 24), 1), (date(2027, 3, 26), 3), (date(2026, 5, 1), 20)],
)
def test_working_days_between_agrees_with_add_working_days(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    # the day before the nth working day holds only n - 1 of them
    assert working_days_between(start, end - timedelta(days=1)) == n - 1


def test_working_days_between_concrete_values() -> None:
    assert working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5
    assert working_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 1  # only 24 Dec


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 3, 9), date(2026, 3, 9)), (date(2026, 3, 10), date(2026, 3, 9)),
     (date(2027, 1, 4), date(2026, 12, 23))],
)
def test_working_days_between_is_zero_when_end_not_after_start(start: date, end: date) -> None:
    assert working_days_between(start, end) == 0


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # non-leap; a Sunday, not moved
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 3, 15), 2, date(2026, 5, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, n: int, expected: date) -> None:
    assert add_months(start, n) == expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 7, 1)),  # BST: next day
     (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2026, 12, 31))],  # GMT: same day
)
def test_london_date(instant: datetime, expected: date) -> None:
    assert london_date(instant) == expected


def test_london_date_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError):
        london_date(datetime(2026, 6, 30, 23, 30))


def test_at_london_uses_bst_in_summer_and_gmt_in_winter() -> None:
    summer = at_london(date(2026, 7, 1), time(17, 0))
    winter = at_london(date(2027, 1, 15), time(17, 0))
    assert summer.utcoffset() == timedelta(hours=1)
    assert summer.astimezone(UTC) == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert winter.utcoffset() == timedelta(0)
    assert winter.astimezone(UTC) == datetime(2027, 1, 15, 17, 0, tzinfo=UTC)
    assert london_date(summer) == date(2026, 7, 1)


def test_london_today_is_a_date() -> None:
    assert type(london_today()) is date
