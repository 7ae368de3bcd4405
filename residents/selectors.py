"""Reads of the residents registry."""

from __future__ import annotations

from .models import Resident


def residents_search(*, query: str, limit: int = 20) -> list[Resident]:
    """Current residents first, matched by name, any part of a phone number, or room."""
    return list(
        Resident.objects.search(query)
        .select_related("unit__building__property")
        .order_by("moved_out", "unit__building__number", "unit__stairway", "unit__room", "name")[
            :limit
        ]
    )
