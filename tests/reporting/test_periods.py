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
