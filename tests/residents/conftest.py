"""Fixtures for the residents registry tests."""

from __future__ import annotations

import pytest
from model_bakery import baker


@pytest.fixture
def cuihu(db):
    return baker.make("residents.Property", name="翠湖花园", code="cuihu")


@pytest.fixture
def make_resident(cuihu):
    """``make_resident("王伟", "3-2-1201", phone="+8613812345678")``: unit created as needed."""
    from residents.services import unit_get_or_create

    def _make(name, room="3-2-1201", *, prop=None, **extra):
        building, stairway, number = room.split("-")
        unit = unit_get_or_create(
            property=prop or cuihu, building_number=building, stairway=stairway, room=number
        )
        return baker.make("residents.Resident", unit=unit, name=name, **extra)

    return _make
