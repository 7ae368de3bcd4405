"""A loss of 500 yuan or more (以上 includes 500) opens a corrective action for the manager
the moment it is recorded."""

from decimal import Decimal

import pytest
import time_machine

from complaints.models import ComplaintEvent, Notification
from reporting.models import CorrectiveAction, ReportingSettings
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db


def record(desk, loss, n=0):
    with time_machine.travel(f.at(2, 10), tick=False):
        return f.complaint(
            desk,
            at=f.at(2, 10),
            res=f.resident(name=f"业主{n}", phone=f"+8613600000{n:03d}"),
            economic_loss=loss,
        )


def test_a_loss_of_exactly_500_opens_an_action_for_the_manager():
    desk, manager = f.staff("front_desk"), f.staff("manager")
    c = record(desk, Decimal("500.00"))
    action = CorrectiveAction.objects.get(complaints=c)
    assert action.owner == manager and action.status == CorrectiveAction.Status.OPEN
    assert action.due_date == f.at(9, 10).date()
    assert ComplaintEvent.objects.filter(complaint=c, kind="loss").exists()
    assert Notification.objects.filter(recipient=manager, complaint=c).exists()


def test_a_smaller_loss_or_none_opens_nothing():
    desk = f.staff("front_desk")
    f.staff("manager")
    record(desk, Decimal("499.99"), 1)
    record(desk, None, 2)
    assert not CorrectiveAction.objects.exists()


def test_the_threshold_and_the_switch_come_from_the_reporting_settings():
    desk = f.staff("front_desk")
    f.staff("general_manager")  # no manager: the general manager owns it
    ReportingSettings.objects.update(economic_loss_threshold=Decimal("1000"))
    record(desk, Decimal("800"), 3)
    assert not CorrectiveAction.objects.exists()
    c = record(desk, Decimal("1000"), 4)
    assert (
        CorrectiveAction.objects.get(complaints=c)
        .owner.groups.filter(name="general_manager")
        .exists()
    )
    ReportingSettings.objects.update(open_action_for_loss=False)
    record(desk, Decimal("5000"), 5)
    assert CorrectiveAction.objects.count() == 1
