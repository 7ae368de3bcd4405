"""Months as the statistics count them (pure functions)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from reporting import periods

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-10", dt.date(2026, 10, 1)),
        ("2026-1", dt.date(2026, 1, 1)),
        (" 1999-12 ", dt.date(1999, 12, 1)),
    ],
)
def test_parse_month(text, month):
    assert periods.parse_month(text) == month


@pytest.mark.parametrize(
    "text", ["", "2026", "2026-13", "2026-00", "10-2026", "2026-10-01", "x", "0999-01", None]
)
def test_parse_month_rejects(text):
    with pytest.raises(ValueError):
        periods.parse_month(text)


def test_add_months_crosses_years():
    assert periods.add_months(dt.date(2026, 10, 1), -12) == dt.date(2025, 10, 1)
    assert periods.add_months(dt.date(2026, 12, 1), 1) == dt.date(2027, 1, 1)
    assert periods.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert periods.previous_month(dt.date(2026, 1, 31)) == dt.date(2025, 12, 1)


def test_month_bounds_are_in_local_time():
    start, end = periods.month_bounds(dt.date(2026, 10, 1), SHANGHAI)
    assert start.isoformat() == "2026-10-01T00:00:00+08:00"
    assert end.isoformat() == "2026-11-01T00:00:00+08:00"
    assert end.astimezone(dt.UTC) == dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)


def test_ratio():
    assert periods.ratio(1, 4) == 0.25
    assert periods.ratio(0, 0) is None
    assert periods.ratio(None, 3) == 0


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2026-W43", "week", dt.date(2026, 10, 19), dt.date(2026, 10, 26), "2026-W43"),
        ("2026w1", "week", dt.date(2025, 12, 29), dt.date(2026, 1, 5), "2026-W01"),
        ("2026-10", "month", dt.date(2026, 10, 1), dt.date(2026, 11, 1), "2026-10"),
        ("2026-Q4", "quarter", dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026-Q4"),
        ("2026", "year", dt.date(2026, 1, 1), dt.date(2027, 1, 1), "2026"),
    ],
)
def test_parse_period(text, kind, start, end, label):
    period = periods.parse_period(text)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert periods.parse_period(period.label) == period


@pytest.mark.parametrize(
    "text", ["", "2026-Q0", "2026-Q5", "2026-W00", "2021-W53", "0999", "10000", "Q4-2026", None]
)
def test_parse_period_rejects(text):
    with pytest.raises(ValueError):
        periods.parse_period(text)


def test_parse_period_of_another_length_takes_the_one_containing_it():
    assert periods.parse_period("2026-10", "quarter").label == "2026-Q4"
    assert periods.parse_period("2026-Q4", "year").label == "2026"
    assert periods.parse_period("2026", "week").label == "2026-W01"
    with pytest.raises(ValueError):
        periods.parse_period("2026-10", "fortnight")


def test_previous_and_same_period_last_year():
    week = periods.parse_period("2026-W01")
    assert week.previous.label == "2025-W52"
    assert week.same_last_year.label == "2025-W01"
    assert periods.parse_period("2021-W01").same_last_year.label == "2020-W01"
    assert periods.parse_period("2020-W53").same_last_year.label == (
        "2019-W52"  # 2019 has no week 53
    )
    assert periods.parse_period("2026-Q1").previous.label == "2025-Q4"
    assert periods.parse_period("2026-Q1").same_last_year.label == "2025-Q1"
    assert periods.parse_period("2026-01").same_last_year.label == "2025-01"
    assert periods.parse_period("2026").same_last_year.label == "2025"
    assert [p.label for p in periods.parse_period("2026-Q1").last(3)] == [
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
    ]


def test_period_bounds_are_in_local_time():
    start, end = periods.parse_period("2026-W43").bounds(SHANGHAI)
    assert start.isoformat() == "2026-10-19T00:00:00+08:00"
    assert end.isoformat() == "2026-10-26T00:00:00+08:00"


def test_previous_period_is_the_last_complete_one():
    today = dt.date(2026, 11, 10)
    assert periods.previous_period("week", today).label == "2026-W45"
    assert periods.previous_period("month", today).label == "2026-10"
    assert periods.previous_period("quarter", today).label == "2026-Q3"
    assert periods.previous_period("year", today).label == "2025"
