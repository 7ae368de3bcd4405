"""Periods as the statistics count them: pure functions, no ORM, no clock of their own.

A month is the first day of it (``date(2026, 10, 1)``); a :class:`Period` is a week, month,
quarter or year by its first day.  A complaint belongs to the period in which it was
received, in the project's local time (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MIN_YEAR = 1970
MAX_YEAR = 9998

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def parse_month(text: str) -> dt.date:
    """``"2026-10"`` → ``date(2026, 10, 1)``; anything else raises ``ValueError``."""
    match = _MONTH.match(text or "")
    if not match:
        raise ValueError(text)
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and MIN_YEAR <= year <= MAX_YEAR):
        raise ValueError(text)
    return dt.date(year, month, 1)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after (or before) ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def previous_month(today: dt.date) -> dt.date:
    return add_months(month_start(today), -1)


def month_bounds(month: dt.date, tz: ZoneInfo | dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the month and of the next one, as aware datetimes in ``tz``."""
    start = dt.datetime.combine(month_start(month), dt.time(), tzinfo=tz)
    end = dt.datetime.combine(add_months(month, 1), dt.time(), tzinfo=tz)
    return start, end


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def ratio(part: int | None, whole: int | None) -> float | None:
    """``part / whole``, or ``None`` when there is nothing to divide by."""
    if not whole:
        return None
    return (part or 0) / whole


# --- periods of any length -----------------------------------------------------------------------
WEEK, MONTH, QUARTER, YEAR = "week", "month", "quarter", "year"
KINDS = (WEEK, MONTH, QUARTER, YEAR)
_MONTHS_IN = {MONTH: 1, QUARTER: 3, YEAR: 12}

_WEEK = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})-?[Qq]([1-4])\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


@dataclass(frozen=True, order=True)
class Period:
    """A week (ISO: Monday to Sunday), a calendar month, quarter or year, by its first day.

    A complaint belongs to the period in which it was received, in local time.
    """

    kind: str
    start: dt.date

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(self.kind)
        if self.start != _first_day(self.kind, self.start):
            raise ValueError(self.start)

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind not in KINDS:
            raise ValueError(kind)
        return cls(kind, _first_day(kind, day))

    def shift(self, count: int) -> Period:
        """The period ``count`` periods of the same length after (or before) this one."""
        if self.kind == WEEK:
            return Period(WEEK, self.start + dt.timedelta(weeks=count))
        return Period(self.kind, add_months(self.start, count * _MONTHS_IN[self.kind]))

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return self.shift(1).start

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def previous(self) -> Period:
        return self.shift(-1)

    @property
    def same_last_year(self) -> Period:
        """The same week (by ISO number; week 53 becomes the year's last week), month,
        quarter or year a year earlier."""
        if self.kind != WEEK:
            return self.shift(-12 // _MONTHS_IN[self.kind])
        year, week, _day = self.start.isocalendar()
        weeks_then = dt.date(year - 1, 12, 28).isocalendar()[1]  # 28 Dec is in the last week
        return Period(WEEK, dt.date.fromisocalendar(year - 1, min(week, weeks_then), 1))

    def last(self, count: int) -> list[Period]:
        """The ``count`` periods ending with this one, oldest first."""
        return [self.shift(offset) for offset in range(1 - count, 1)]

    def bounds(self, tz: ZoneInfo | dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """The first moment of the period and of the next one, as aware datetimes in ``tz``."""
        return (
            dt.datetime.combine(self.start, dt.time(), tzinfo=tz),
            dt.datetime.combine(self.end, dt.time(), tzinfo=tz),
        )

    @property
    def label(self) -> str:
        """``2026-W43``, ``2026-10``, ``2026-Q4`` or ``2026``: what :func:`parse_period` reads."""
        if self.kind == WEEK:
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == MONTH:
            return month_label(self.start)
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    def __str__(self) -> str:
        return self.label


def _first_day(kind: str, day: dt.date) -> dt.date:
    if kind == WEEK:
        return day - dt.timedelta(days=day.weekday())
    if kind == MONTH:
        return day.replace(day=1)
    if kind == QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(text)


def parse_period(text: str, kind: str | None = None) -> Period:
    """``"2026-W43"``, ``"2026-10"``, ``"2026-Q4"`` or ``"2026"`` → the period it names.

    With ``kind``, the period of that length containing the first day of the one named
    (``"2026-10"`` as a quarter is 2026-Q4).  Anything else raises ``ValueError``.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(kind)
    text = text or ""
    if match := _WEEK.match(text):
        year, week = int(match.group(1)), int(match.group(2))
        _check_year(year, text)
        try:
            period = Period(WEEK, dt.date.fromisocalendar(year, week, 1))
        except ValueError:
            raise ValueError(text) from None  # week 0, or 53 in a year of 52
    elif match := _QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        _check_year(year, text)
        period = Period(QUARTER, dt.date(year, quarter * 3 - 2, 1))
    elif match := _YEAR.match(text):
        year = int(match.group(1))
        _check_year(year, text)
        period = Period(YEAR, dt.date(year, 1, 1))
    else:
        period = Period(MONTH, parse_month(text))
    if kind is None or kind == period.kind:
        return period
    return Period.containing(kind, period.start)


def previous_period(kind: str, today: dt.date) -> Period:
    """The last complete period of this length before ``today``: the default report."""
    return Period.containing(kind, today).previous
