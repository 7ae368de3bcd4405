"""Calendar months as the statistics count them: pure functions, no ORM, no clock of their own.

A month is the first day of it (``date(2026, 10, 1)``); a complaint belongs to the month in
which it was received, in the project's local time (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import re
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
