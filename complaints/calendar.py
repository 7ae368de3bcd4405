"""Deadline arithmetic in working days and calendar days. Pure: no ORM, no clock of its own.

Every datetime going in must be timezone-aware (naive ones raise ``ValueError``); every
datetime coming out is in Shanghai local time (``Asia/Shanghai``, UTC+8, no daylight saving
since 1991). Day arithmetic is always done on the Shanghai wall clock, whatever zone the
input is in: 2026-11-30 16:30 UTC is received on 2026-12-01 00:30 in Shanghai.

Working days
    A date is a working day according to :class:`WorkCalendar`, in this order:

    1. the company's own overrides (``True`` = working day, ``False`` = day off) win;
    2. otherwise the State Council schedule as the ``holidays`` package knows it
       (``holidays.China``): public holidays are days off and the 调休 make-up weekend
       days (e.g. Sunday 2025-09-28, Saturday 2025-10-11) are working days;
    3. otherwise Monday to Friday are working days.

    The package only has the official schedule for years whose notice has been published
    (up to 2026 in holidays 0.109). For later years up to 2100 it *estimates* the public
    holidays (lunar dates, weekend holidays moved to the next weekday) and knows no 调休
    working weekends; fix those with overrides once the notice is out. For a year the
    package does not cover at all (before 1950 or after 2100) only weekdays and the
    overrides count.

Calendar days (``add_days(..., working=False)``)
    The same local time of day N days later: received 2026-12-31 23:30, 2 days → due
    2027-01-02 23:30. Holidays do not matter.

Working days (``add_days(..., working=True)``) - "the clock stops on days off"
    Only time on working days counts, and N working days is N whole working days of it.

    * Received on a working day: due at the same local time of day on the Nth working day
      after the day of receipt. Friday 15:00 + 2 → Tuesday 15:00 (when Monday and Tuesday
      are working days).
    * Received on a non-working day (weekend, holiday, company day off): the clock starts
      at 00:00 of the next working day, so the complaint is due at the end of the Nth
      working day counting that day as the first, i.e. 23:59:59.999999 ("24:00").
      Saturday 15:00 + 2 → end of Tuesday; received on 2025-10-03 (National Day) + 3 →
      end of Saturday 2025-10-11 (a 调休 working day).

    Received later never means due earlier, and the service centre always gets exactly
    N × 24 working hours (off by the final microsecond in the second case, which keeps
    the due date on the working day itself rather than at 00:00 of the next day).
    Zero days means due at once: the receipt moment, or 00:00 of the next working day
    when received on a non-working day. Negative days raise ``ValueError``.

Minutes (``add_minutes``)
    Always round the clock, working or not: the night duty dispatches urgent complaints,
    so "dispatch within 10 minutes" means 10 real minutes. ``working`` and ``calendar``
    are accepted only so callers can treat day and minute limits alike.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import holidays

SHANGHAI = ZoneInfo("Asia/Shanghai")

# What kind of day a date is (WorkCalendar.day_kind): office hours differ by kind.
WORKING, WEEKEND, HOLIDAY = "working", "weekend", "holiday"


@functools.cache
def _china_holidays(year: int) -> holidays.HolidayBase | None:
    """The package's public holidays of one year, or ``None`` for a year it does not cover.

    Built once per year and shared by every calendar: the overrides are applied on top.
    ``expand=False`` keeps the object read-only after construction (safe across threads).
    The 调休 make-up days of a neighbouring year's notice (e.g. Saturday 2001-12-29 for
    New Year 2002) are loaded by the package into every year's object.
    """
    if not holidays.China.start_year <= year <= holidays.China.end_year:
        return None
    return holidays.China(years=year, expand=False)


class WorkCalendar:
    """Which dates are working days for one company (see the module docstring)."""

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None) -> None:
        self._overrides: dict[dt.date, bool] = {}
        for day, working in (overrides or {}).items():
            self._overrides[_plain_date(day)] = bool(working)

    @property
    def overrides(self) -> Mapping[dt.date, bool]:
        """A copy of the company's own days (``True`` = working day, ``False`` = day off)."""
        return dict(self._overrides)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether the service-centre clock runs on this (Shanghai) date."""
        day = _plain_date(day)
        if day in self._overrides:
            return self._overrides[day]
        public = _china_holidays(day.year)
        if public is None:
            return day.weekday() < 5
        return public.is_working_day(day)

    def day_kind(self, day: dt.date) -> str:
        """``WORKING``; ``WEEKEND`` (an ordinary Saturday or Sunday off); or ``HOLIDAY`` (a
        public holiday, or a day the company gave off, on any day of the week)."""
        day = _plain_date(day)
        if self.is_working_day(day):
            return WORKING
        if self._overrides.get(day) is False:
            return HOLIDAY
        public = _china_holidays(day.year)
        if day.weekday() >= 5 and (public is None or day not in public):
            return WEEKEND
        return HOLIDAY

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day = _plain_date(day) + dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def __repr__(self) -> str:
        return f"WorkCalendar(overrides={len(self._overrides)} days)"


_DEFAULT_CALENDAR = WorkCalendar()


def add_days(
    start: dt.datetime,
    days: int,
    *,
    working: bool,
    calendar: WorkCalendar | None = None,
) -> dt.datetime:
    """The deadline ``days`` calendar or working days after ``start`` (module docstring).

    ``calendar`` only matters for working days; without one, the public calendar with no
    company overrides is used.
    """
    days = _count(days, "days")
    local = to_local(start)
    if not working:
        # Both operands are in SHANGHAI, so this is wall-clock arithmetic.
        return local + dt.timedelta(days=days)

    cal = calendar or _DEFAULT_CALENDAR
    day = local.date()
    if cal.is_working_day(day):
        for _ in range(days):
            day = cal.next_working_day(day)
        return dt.datetime.combine(day, local.time(), tzinfo=SHANGHAI)

    # Received on a non-working day: the clock starts at 00:00 of the next working day.
    day = cal.next_working_day(day)
    if days == 0:
        return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
    for _ in range(days - 1):
        day = cal.next_working_day(day)
    return dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)


def add_minutes(
    start: dt.datetime,
    minutes: int,
    *,
    working: bool = False,
    calendar: WorkCalendar | None = None,
) -> dt.datetime:
    """``minutes`` real minutes after ``start``, round the clock.

    ``working`` and ``calendar`` are ignored on purpose (night duty dispatches too).
    """
    del working, calendar
    minutes = _count(minutes, "minutes")
    return to_local(start) + dt.timedelta(minutes=minutes)


def end_of_local_day(moment: dt.datetime) -> dt.datetime:
    """23:59:59.999999 Shanghai time of the Shanghai day ``moment`` falls on."""
    return dt.datetime.combine(to_local(moment).date(), dt.time.max, tzinfo=SHANGHAI)


def elapsed_fraction(start: dt.datetime, due: dt.datetime, now: dt.datetime) -> float:
    """How much of the time from ``start`` to ``due`` has passed at ``now``.

    0.0 before or at the start, 1.0 at the deadline, above 1.0 when overdue (1.5 = overdue
    by half the allowed time). A deadline equal to the start is 0.0 before it and 1.0 from
    it on. A deadline before the start raises ``ValueError``.
    """
    for value in (start, due, now):
        _require_aware(value)
    total = due - start
    if total < dt.timedelta(0):
        raise ValueError("due must not be before start")
    if total == dt.timedelta(0):
        return 1.0 if now >= due else 0.0
    return max(0.0, (now - start) / total)


def next_local_time(moment: dt.datetime, hour: int, minute: int = 0) -> dt.datetime:
    """The first Shanghai wall-clock ``hour:minute`` at or after ``moment``.

    For the 17:00 daily progress report: 16:59 → 17:00 today, 17:00 → 17:00 today,
    17:01 → 17:00 tomorrow.
    """
    local = to_local(moment)
    wanted = dt.time(hour, minute)  # ValueError for impossible times
    candidate = dt.datetime.combine(local.date(), wanted, tzinfo=SHANGHAI)
    if candidate < local:
        candidate = dt.datetime.combine(
            local.date() + dt.timedelta(days=1), wanted, tzinfo=SHANGHAI
        )
    return candidate


def to_local(moment: dt.datetime) -> dt.datetime:
    """The same instant on the Shanghai clock."""
    _require_aware(moment)
    return moment.astimezone(SHANGHAI)


def _require_aware(moment: dt.datetime) -> None:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")


def _plain_date(day: dt.date) -> dt.date:
    # A datetime is a date too; refuse it rather than guess which zone its date is in.
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    return day


def _count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value
