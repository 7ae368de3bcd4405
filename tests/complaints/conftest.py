"""The people most complaint tests need, one of each (fresh for every test)."""

import pytest

from . import factories as f


@pytest.fixture
def desk(db):
    return f.staff("front_desk", email="desk@example.com")


@pytest.fixture
def head(db):
    return f.staff("department_head", department_code="engineering", email="head@example.com")


@pytest.fixture
def people(db):
    """Management, each with an address so e-mail delivery can be checked."""
    return {
        "supervisor": f.staff("supervisor", email="sup@example.com"),
        "manager": f.staff("manager", email="mgr@example.com"),
        "gm": f.staff("general_manager", email="gm@example.com"),
    }
