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


def raised_repeat_level(level: str) -> str:
    """One step up the repeat ladder (first → intermediate → advanced); special stays."""
    ladder = ["first", "intermediate", "advanced"]
    if level not in ladder:
        return level
    return ladder[min(ladder.index(level) + 1, len(ladder) - 1)]


# The management ladder: escalation levels 1-3 go to these roles in turn, a late telling of
# management goes one up, and a complaint handed to a superior climbs it.
LADDER = ["supervisor", "manager", "general_manager"]
# Who first takes over a complaint handed up, by class; each later hand-over goes one up.
FIRST_SUPERIOR = {"minor": "supervisor", "important": "manager", "major": "general_manager"}


def role_above(role: str) -> str | None:
    """The next role up the ladder; None above the general manager or off the ladder."""
    if role not in LADDER:
        return None
    index = LADDER.index(role) + 1
    return LADDER[index] if index < len(LADDER) else None


def next_superior(current: str, severity: str) -> str:
    """The superior a complaint is handed to next; the general manager stays the last."""
    if not current:
        return FIRST_SUPERIOR.get(severity, "supervisor")
    return role_above(current) or LADDER[-1]


def effective_severity(chosen: str, *, special: bool, group: bool) -> str:
    """A special or group complaint is always major, whatever was chosen."""
    return MAJOR if (special or group) else chosen


def complaint_number(period: str, value: int) -> str:
    """``TS-202611-0042``: the month of receipt and a sequence within it."""
    return f"TS-{period}-{value:04d}"
