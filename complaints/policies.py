"""Pure business rules: no ORM, no clock of their own. Easy to test exhaustively."""

from __future__ import annotations

import datetime as dt

MINOR, IMPORTANT, MAJOR = "minor", "important", "major"

DEFAULT_DISPATCH_MINUTES = 10
DEFAULT_RESOLVE_DAYS = {MINOR: 2, IMPORTANT: 3, MAJOR: 10}


def dispatch_due(
    received_at: dt.datetime, *, minutes: int = DEFAULT_DISPATCH_MINUTES
) -> dt.datetime:
    """When the work order must be with the department."""
    return received_at + dt.timedelta(minutes=minutes)


def resolve_due(
    received_at: dt.datetime,
    severity: str,
    *,
    requested: dt.datetime | None = None,
    days: dict[str, int] | None = None,
) -> dt.datetime | None:
    """When the complaint must be resolved: calendar days by class from receipt.

    A minor complaint is due at the resident's requested deadline when that is earlier.
    """
    table = days or DEFAULT_RESOLVE_DAYS
    if severity not in table:
        return None
    due = received_at + dt.timedelta(days=table[severity])
    if severity == MINOR and requested is not None and requested < due:
        return requested
    return due


def repeat_level(earlier_count: int, *, special: bool = False) -> str:
    """The repeat level from how many earlier complaints of the same resident and category."""
    if special:
        return "special"
    if earlier_count <= 0:
        return "first"
    if earlier_count == 1:
        return "intermediate"
    return "advanced"


def effective_severity(chosen: str, *, special: bool, group: bool) -> str:
    """A special or group complaint is always major, whatever was chosen."""
    return MAJOR if (special or group) else chosen


def complaint_number(period: str, value: int) -> str:
    """``TS-202611-0042``: the month of receipt and a sequence within it."""
    return f"TS-{period}-{value:04d}"
