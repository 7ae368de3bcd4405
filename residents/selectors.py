"""Reads of the residents registry."""

from __future__ import annotations

from .models import Resident, Unit


def residents_search(*, query: str, limit: int = 20) -> list[Resident]:
    """Current residents first, matched by name, any part of a phone number, or room."""
    return list(
        Resident.objects.search(query)
        .select_related("unit__building__property")
        .order_by("moved_out", "unit__building__number", "unit__stairway", "unit__room", "name")[
            :limit
        ]
    )


def unit_for_room(text: str) -> Unit | None:
    """The one unit a room reference such as ``3-2-1201`` names, or None (none, or several)."""
    units = list(Unit.objects.matching_room(text).select_related("building__property")[:2])
    return units[0] if len(units) == 1 else None
