"""Work reaches the people who do it: a department's heads hear of a new work order or a
rework, the owner hears it was signed for and resolved."""

import pytest
import time_machine

from complaints import services
from complaints.models import Complaint, Notification

from . import factories as f

pytestmark = pytest.mark.django_db


def messages_of(user):
    """What the user reads (in English: tests read outside a request in English)."""
    return [n.text for n in Notification.objects.filter(recipient=user).order_by("pk")]


def test_the_department_is_told_of_a_new_work_order_and_the_owner_of_each_step(desk, head):
    other = f.staff("department_head", department_code="security")
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk, at=f.at(2, 9))
        f.advance(c, "confirmed", desk=desk, head=head)
    told = messages_of(head)
    assert len(told) == 1 and c.number in told[0] and "3-2-1201" in told[0]
    assert "11-04 09:00" in told[0]  # the resolution deadline
    assert messages_of(other) == []  # another department hears nothing

    with time_machine.travel(f.at(2, 10), tick=False):
        services.work_order_sign(
            work_order=Complaint.objects.get(pk=c.pk).active_work_order, by=head
        )
    assert any("signed" in m for m in messages_of(desk))
    with time_machine.travel(f.at(2, 11), tick=False):
        services.complaint_investigate(
            complaint=Complaint.objects.get(pk=c.pk), by=head, plan="换灯"
        )
        services.complaint_resolve(complaint=Complaint.objects.get(pk=c.pk), by=head, result="已换")
    resolved = [m for m in messages_of(desk) if "resolved" in m]
    assert resolved and "11-02 23:00" in resolved[0]  # the revisit deadline


def test_a_rework_and_a_redispatch_are_announced_to_their_department(desk, head):
    security = f.staff("department_head", department_code="security")
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk, at=f.at(2, 9)), "confirmed", desk=desk, head=head)
        services.complaint_dispatch(complaint=c, department=f.department("security"), by=desk)
    assert any("sent on to you" in m for m in messages_of(security))
    with time_machine.travel(f.at(2, 10), tick=False):
        c = Complaint.objects.get(pk=c.pk)
        services.work_order_sign(work_order=c.active_work_order, by=security)
        services.complaint_investigate(complaint=c, by=security, plan="查看")
        services.complaint_resolve(
            complaint=Complaint.objects.get(pk=c.pk), by=security, result="已处理"
        )
        services.complaint_revisit(
            complaint=Complaint.objects.get(pk=c.pk),
            by=desk,
            method="phone",
            satisfaction="unsatisfied",
            comment="还是不行",
        )
    assert any(m.startswith("Rework") for m in messages_of(security)), messages_of(security)
