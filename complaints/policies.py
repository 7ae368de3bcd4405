"""Pure business rules: no ORM, no clock of their own. Easy to test exhaustively."""

from __future__ import annotations

MAJOR = "major"


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
