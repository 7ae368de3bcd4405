"""After dispatch, closing as invalid is not the most prominent action."""

import pytest
import time_machine

from complaints.actions import available_actions

from . import factories as f

pytestmark = pytest.mark.django_db


def test_close_as_invalid_comes_after_the_main_actions_and_is_an_outline(desk, head):
    supervisor = f.staff("supervisor")
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    actions = available_actions(c, supervisor)
    names = [a.name for a in actions]
    assert "close_invalid" in names and names[-1] == "close_invalid"
    assert actions[-1].style.startswith("outline-")
