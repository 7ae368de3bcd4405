"""Reading ids from an address: anything that is not a plausible id is no id at all."""

from __future__ import annotations

# The largest id a 64-bit primary key holds has 19 digits; a longer run of digits would
# overflow the database's integer and end in a server error.
MAX_ID_DIGITS = 18


def id_or_none(raw) -> int | None:
    """``raw`` as a positive id, or ``None`` when it is empty, not digits or absurdly long."""
    raw = str(raw or "").strip()
    if not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        return None
    value = int(raw)
    return value or None
