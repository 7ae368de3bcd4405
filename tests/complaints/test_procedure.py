"""The rest of the procedure: hand-over to a superior, the owner and the same-day answer,
the revisit's four points, supervisor review before archiving, repeat-level triggers."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from complaints import services
from complaints.models import (
    Complaint,
    ComplaintEvent,
    DeskPolicy,
    Escalation,
    Notification,
    Revisit,
)
from complaints.services.errors import ServiceError
from complaints.sla.sweep import sla_sweep

from . import factories as f

pytestmark = pytest.mark.django_db


def reload(c):
    return Complaint.objects.get(pk=c.pk)


MORNING = f.at(2, 10)


def walk(c, to, *, desk, head, at=MORNING, **kw):
    with time_machine.travel(at, tick=False):
        return f.advance(c, to, desk=desk, head=head, **kw)


def new(desk, **kw):
    with time_machine.travel(f.at(2, 9), tick=False):
        return f.complaint(desk, at=f.at(2, 9), **kw)


def unsatisfied(c, desk, words="还是不行"):
    services.complaint_revisit(
        complaint=reload(c), by=desk, method="phone", satisfaction="unsatisfied", comment=words
    )
    return reload(c)


def told_to(role):
    return set(
        Notification.objects.filter(recipient__groups__name=role).values_list(
            "recipient", flat=True
        )
    )


# --- 1. handed to the superior -------------------------------------------------------------
def test_a_rejected_plan_goes_to_the_supervisor_then_the_manager(desk, head, people):
    c = walk(new(desk), "investigated", desk=desk, head=head)
    c = services.complaint_reject_plan(complaint=reload(c), by=desk, reason="业主不同意只修不换")
    c = reload(c)
    assert c.handed_up_to == "supervisor" and c.repeat_level == "intermediate"
    assert people["supervisor"].pk in told_to("supervisor")
    assert ComplaintEvent.objects.filter(complaint=c, kind="handed_up").count() == 1
    services.complaint_reject_plan(complaint=c, by=head, reason="仍不同意")
    c = reload(c)
    assert c.handed_up_to == "manager" and c.repeat_level == "advanced"
    assert people["manager"].pk in told_to("manager")


def test_a_plan_can_only_be_rejected_while_under_investigation_and_with_a_reason(
    desk, head, people
):
    c = walk(new(desk), "confirmed", desk=desk, head=head)
    with pytest.raises(ServiceError):
        services.complaint_reject_plan(complaint=c, by=desk, reason="x")
    c = walk(c, "investigated", desk=desk, head=head)
    with pytest.raises(ServiceError):
        services.complaint_reject_plan(complaint=reload(c), by=desk, reason="  ")
    other = f.staff("department_head", department_code="security")
    with pytest.raises(PermissionDenied):
        services.complaint_reject_plan(complaint=reload(c), by=other, reason="x")
    assert reload(c).handed_up_to == ""


def test_unsatisfied_a_second_time_goes_to_the_superior_by_class(desk, head, people):
    c = walk(new(desk), "resolved", desk=desk, head=head, severity="major")
    c = unsatisfied(c, desk)
    assert c.handed_up_to == "" and c.state == "investigated"  # the first time: rework only
    services.work_order_sign(work_order=c.active_work_order, by=head)
    services.complaint_resolve(complaint=reload(c), by=head, result="又修了一次")
    c = unsatisfied(c, desk, "第二次还是不满意")
    assert c.handed_up_to == "general_manager"  # major: the general manager first
    assert c.active_work_order.is_rework  # and the department reworks it
    assert people["gm"].pk in told_to("general_manager")


# --- 2. the owner tells the resident the same day -------------------------------------------
def test_the_receiver_owns_the_complaint_and_tells_the_result(desk, head, people):
    c = new(desk)
    assert c.owner == desk
    c = walk(c, "resolved", desk=desk, head=head)
    with time_machine.travel(f.at(2, 15), tick=False):
        services.complaint_tell_result(complaint=reload(c), by=desk, how="phone", note="已告知")
    c = reload(c)
    assert (c.result_told_by, c.result_told_how, c.result_told_at) == (desk, "phone", f.at(2, 15))
    assert ComplaintEvent.objects.filter(complaint=c, kind="told").exists()
    with time_machine.travel(f.at(2, 23, 59) + dt.timedelta(seconds=59), tick=False):
        sla_sweep()
    assert not Escalation.objects.filter(complaint=c, clock="tell").exists()


def test_a_result_nobody_told_reminds_the_owner_at_the_end_of_the_day(desk, head, people):
    c = walk(new(desk), "resolved", desk=desk, head=head)
    with time_machine.travel(f.at(2, 23), tick=False):
        assert "tell" not in sla_sweep().by_clock
    with time_machine.travel(f.at(3, 0, 1), tick=False):
        assert sla_sweep().by_clock.get("tell") == 1
    reminder = Notification.objects.get(escalation__clock="tell")
    assert reminder.recipient == desk and reminder.complaint_id == c.pk


def test_the_revisit_call_counts_as_telling_the_result(desk, head, people):
    c = walk(new(desk), "revisited", desk=desk, head=head)
    assert c.result_told_by == desk and c.result_told_how == "phone"
    with time_machine.travel(f.at(3, 9), tick=False):
        assert "tell" not in sla_sweep().by_clock


def test_ownership_is_handed_on_with_a_reason(desk, head, people):
    c = new(desk)
    colleague = f.staff("front_desk")
    with pytest.raises(PermissionDenied):
        services.complaint_transfer_owner(complaint=c, by=colleague, to=colleague, reason="x")
    with pytest.raises(ServiceError):
        services.complaint_transfer_owner(complaint=c, by=desk, to=head, reason="换班")
    services.complaint_transfer_owner(complaint=c, by=desk, to=colleague, reason="换班")
    c = reload(c)
    assert c.owner == colleague
    assert ComplaintEvent.objects.filter(complaint=c, kind="owner").exists()
    assert Notification.objects.filter(recipient=colleague, complaint=c).exists()
    # A supervisor may hand it on too.
    services.complaint_transfer_owner(complaint=c, by=people["supervisor"], to=desk, reason="回来")
    assert reload(c).owner == desk


# --- 3. the revisit's four points ----------------------------------------------------------
def test_the_revisit_records_the_four_points(desk, head, people):
    c = walk(new(desk), "resolved", desk=desk, head=head)
    services.complaint_revisit(
        complaint=reload(c),
        by=desk,
        method="phone",
        satisfaction="basic",
        comment="处理及时",
        prevention="定期检查灯具",
        suggestions="夜间多巡逻",
    )
    r = Revisit.objects.get(complaint=c)
    assert (r.comment, r.prevention, r.suggestions, r.satisfaction) == (
        "处理及时",
        "定期检查灯具",
        "夜间多巡逻",
        "basic",
    )


# --- 4. supervisor review before archiving ---------------------------------------------------
def test_the_desk_proposes_and_the_supervisor_archives(desk, head, people):
    c = walk(new(desk), "revisited", desk=desk, head=head)
    with pytest.raises(PermissionDenied):
        services.complaint_close(complaint=reload(c), by=desk, summary="x")
    with pytest.raises(ServiceError):
        services.complaint_propose_archive(complaint=reload(c), by=desk, summary=" ")
    services.complaint_propose_archive(complaint=reload(c), by=desk, summary="灯具老化，已更换")
    assert people["supervisor"].pk in told_to("supervisor")
    services.complaint_close(complaint=reload(c), by=people["supervisor"])
    c = reload(c)
    assert c.state == "closed" and c.archive_summary == "灯具老化，已更换"


def test_a_small_company_lets_the_desk_archive(desk, head, people):
    DeskPolicy.objects.update(desk_may_archive=True)
    c = walk(new(desk), "revisited", desk=desk, head=head)
    with pytest.raises(ServiceError):
        services.complaint_close(complaint=reload(c), by=desk)  # still needs a summary
    services.complaint_close(complaint=reload(c), by=desk, summary="已处理")
    assert reload(c).state == "closed"


# --- 6. repeat-level triggers --------------------------------------------------------------
def test_a_complaint_forwarded_by_the_government_is_advanced_and_counted(desk):
    c = new(desk, channel="forwarded", forwarded_by="government")
    assert c.repeat_level == "advanced" and c.reached_government


def test_forwarded_by_is_ignored_for_other_channels(desk):
    c = new(desk, channel="phone", forwarded_by="government")
    assert c.forwarded_by == "" and c.repeat_level == "first"


def test_refusing_the_final_answer_makes_it_special_and_major(desk, head, people):
    c = walk(new(desk), "revisited", desk=desk, head=head)
    with time_machine.travel(f.at(2, 11), tick=False):
        services.complaint_refuse_final_answer(
            complaint=reload(c), by=desk, reason="业主表示要向街道投诉"
        )
    c = reload(c)
    assert c.is_special and c.repeat_level == "special" and c.severity == "major"
    with pytest.raises(ServiceError):
        services.complaint_refuse_final_answer(complaint=c, by=desk, reason="again")


def test_the_revisit_queue_puts_the_owners_own_complaints_first(client, desk, head, people):
    colleague = f.staff("front_desk")
    theirs = walk(new(desk), "resolved", desk=desk, head=head, at=f.at(2, 9, 30))
    mine = new(colleague, res=f.resident(name="王二", phone="+8613700000222", unit=f.unit("0202")))
    mine = walk(mine, "resolved", desk=desk, head=head, at=f.at(2, 11))
    from complaints import selectors

    assert [c.pk for c in selectors.revisit_queue_of(colleague)] == [mine.pk, theirs.pk]
    assert [c.pk for c in selectors.revisit_queue_of(desk)] == [theirs.pk, mine.pk]
    client.force_login(colleague)
    with time_machine.travel(f.at(2, 12), tick=False):
        page = client.get("/complaints/revisits/").content.decode()
    assert page.index(mine.number) < page.index(theirs.number)
