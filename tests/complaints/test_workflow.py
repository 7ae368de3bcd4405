"""The complaint workflow through its services: every transition and every refusal."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from complaints import services
from complaints.models import Complaint, ComplaintEvent, WorkOrder
from complaints.services import Conflict, ServiceError
from complaints.timeline_text import event_text

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_head():
    return f.staff("department_head", department_code="security")


@pytest.fixture
def manager():
    return f.staff("manager")


def reload(c):
    return Complaint.objects.get(pk=c.pk)


# --- receipt -------------------------------------------------------------------------------
def test_create_records_received_complaint_with_number_and_timeline(desk):
    with time_machine.travel(f.at(23, 9, 30), tick=False):
        c = f.complaint(desk)
    assert c.state == Complaint.State.RECEIVED
    assert c.number == "TS-202611-0001"
    assert c.dispatch_due_at == f.at(23, 9, 40)
    assert c.unit.label == "3-2-1201" and c.estate.name == "翠湖花园"
    assert list(c.events.values_list("kind", flat=True)) == [ComplaintEvent.Kind.CREATED]


def test_numbers_count_up_within_the_month_and_restart_next_month(desk):
    first = f.complaint(desk, at=f.at(30, 23, 59))
    second = f.complaint(desk, at=f.at(30, 23, 59))
    december = f.complaint(desk, at=f.at(1, 0, 1, month=12))
    assert [first.number, second.number, december.number] == [
        "TS-202611-0001",
        "TS-202611-0002",
        "TS-202612-0001",
    ]


def test_month_of_the_number_is_shanghai_time(desk):
    # 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Shanghai.
    import datetime as dt

    c = f.complaint(desk, at=dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC))
    assert c.number.startswith("TS-202612-")


def test_anonymous_complaint_still_needs_a_contact(desk):
    with pytest.raises(Exception) as exc:
        services.complaint_create(
            by=desk,
            channel="phone",
            description="噪音",
            contact_name="",
            contact_phone="",
            is_anonymous=True,
        )
    assert "contact" in str(exc.value)
    assert Complaint.objects.count() == 0


def test_anonymous_complaint_keeps_no_resident_link(desk):
    res = f.resident()
    c = services.complaint_create(
        by=desk,
        channel="phone",
        description="噪音",
        contact_name="匿名",
        contact_phone="13900001111",
        resident=res,
        is_anonymous=True,
    )
    assert c.resident is None and c.is_anonymous and c.unit == res.unit


def test_department_head_may_not_register_complaints(head):
    with pytest.raises(PermissionDenied):
        f.complaint(head)


# --- confirm and dispatch -----------------------------------------------------------------
def test_confirm_dispatches_a_work_order_to_the_department(desk):
    with time_machine.travel(f.at(23, 10, 0), tick=False):
        c = f.complaint(desk)
    with time_machine.travel(f.at(23, 10, 5), tick=False):
        services.complaint_confirm(
            complaint=c,
            by=desk,
            severity="important",
            category=f.category(),
            validity="valid",
            responsibility="class1",
            department=f.department(),
        )
    c = reload(c)
    assert c.state == "confirmed"
    order = c.active_work_order
    assert order.department.code == "engineering" and order.status == "pending"
    assert c.dispatched_at == f.at(23, 10, 5)
    assert c.resolve_due_at is not None
    kinds = list(c.events.values_list("kind", flat=True))
    assert kinds == ["created", "classified", "transition", "dispatched"]


def test_confirm_without_classification_is_refused_with_reason(desk):
    c = f.complaint(desk)
    with pytest.raises(ServiceError) as exc:
        services.complaint_confirm(
            complaint=c,
            by=desk,
            severity="minor",
            category=f.category(),
            validity="valid",
            department=None,
        )
    assert "department" in str(exc.value.message)
    assert reload(c).state == "received"
    assert not WorkOrder.objects.exists()


def test_department_head_may_not_confirm(desk, head):
    c = f.complaint(desk)
    with pytest.raises(PermissionDenied):
        services.complaint_confirm(
            complaint=c,
            by=head,
            severity="minor",
            category=f.category(),
            validity="valid",
            department=f.department(),
        )
    assert reload(c).state == "received"


def test_minor_resolution_due_is_the_residents_earlier_deadline(desk):
    c = f.complaint(desk, at=f.at(2), requested_deadline=f.at(3))
    services.complaint_confirm(
        complaint=c,
        by=desk,
        severity="minor",
        category=f.category(),
        validity="valid",
        department=f.department(),
    )
    assert reload(c).resolve_due_at == f.at(3)


@pytest.mark.parametrize(("severity", "days"), [("minor", 2), ("important", 3), ("major", 10)])
def test_resolution_due_by_class(desk, severity, days):
    c = f.complaint(desk, at=f.at(2))
    services.complaint_confirm(
        complaint=c,
        by=desk,
        severity=severity,
        category=f.category(),
        validity="valid",
        department=f.department(),
    )
    assert reload(c).resolve_due_at == f.at(2 + days)


def test_redispatch_withdraws_the_old_work_order_and_keeps_history(desk):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=None)
    first = c.active_work_order
    services.complaint_dispatch(
        complaint=c, department=f.department("security"), by=desk, instructions="实为停车问题"
    )
    c = reload(c)
    first.refresh_from_db()
    assert first.status == "withdrawn"
    assert c.active_work_order.department.code == "security"
    assert c.department.code == "security"
    assert c.work_orders.count() == 2
    assert "工程部" in event_text(c.events.filter(kind="dispatched").last())


def test_dispatch_to_the_same_department_again_is_refused(desk):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=None)
    with pytest.raises(ServiceError):
        services.complaint_dispatch(complaint=c, department=f.department(), by=desk)


# --- invalid complaints -------------------------------------------------------------------
def test_invalid_complaint_is_confirmed_without_dispatch_and_closed_with_explanation(desk):
    c = f.complaint(desk)
    services.complaint_confirm(
        complaint=c,
        by=desk,
        severity="minor",
        category=f.category(),
        validity="invalid",
        responsibility="class3",
    )
    c = reload(c)
    assert c.state == "confirmed" and not c.work_orders.exists()
    with pytest.raises(ServiceError) as exc:
        services.complaint_close_invalid(complaint=c, by=desk)
    assert "explanation" in str(exc.value.message)
    services.complaint_close_invalid(
        complaint=reload(c), by=desk, explanation="属市政供水问题，已告知业主热线电话"
    )
    c = reload(c)
    assert c.state == "closed" and c.closed_at is not None


def test_valid_complaint_cannot_be_closed_as_invalid(desk):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=None)
    with pytest.raises(ServiceError) as exc:
        services.complaint_close_invalid(complaint=c, by=desk, explanation="x")
    assert "invalid" in str(exc.value.message)


# --- department work ----------------------------------------------------------------------
def test_head_signs_investigates_and_resolves(desk, head):
    with time_machine.travel(f.at(23, 10, 0), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    with time_machine.travel(f.at(23, 10, 8), tick=False):
        order = services.work_order_sign(work_order=c.active_work_order, by=head)
    assert order.status == "signed" and order.signed_at == f.at(23, 10, 8)
    assert order.signed_by == head
    services.complaint_investigate(complaint=reload(c), by=head, plan="现场查看，更换灯管")
    services.complaint_progress(complaint=reload(c), by=head, note="灯管已到货")
    services.complaint_resolve(complaint=reload(c), by=head, result="已更换")
    c = reload(c)
    assert c.state == "resolved" and c.resolved_at is not None
    order.refresh_from_db()
    assert order.status == "done"
    assert c.events.filter(kind="progress").count() == 1


def test_investigation_before_signing_is_refused(desk, head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    with pytest.raises(ServiceError) as exc:
        services.complaint_investigate(complaint=c, by=head, plan="x")
    assert "signed" in str(exc.value.message)


def test_resolve_without_result_is_refused(desk, head):
    c = f.advance(f.complaint(desk), "investigated", desk=desk, head=head)
    with pytest.raises(ServiceError) as exc:
        services.complaint_resolve(complaint=c, by=head, result="  ")
    assert "result" in str(exc.value.message)
    assert reload(c).state == "investigated"


def test_other_department_cannot_sign_or_resolve(desk, head, other_head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    with pytest.raises(PermissionDenied):
        services.work_order_sign(work_order=c.active_work_order, by=other_head)
    c = f.advance(c, "investigated", desk=desk, head=head)
    with pytest.raises(PermissionDenied):
        services.complaint_resolve(complaint=c, by=other_head, result="x")


def test_signing_twice_answers_with_who_signed(desk, head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    order = c.active_work_order
    stale = WorkOrder.objects.get(pk=order.pk)
    services.work_order_sign(work_order=order, by=head)
    with pytest.raises(Conflict) as exc:
        services.work_order_sign(work_order=stale, by=head)
    assert head.username in str(exc.value.message)


# --- revisit loop -------------------------------------------------------------------------
def test_unsatisfied_revisit_sends_it_back_for_rework_until_satisfied(desk, head):
    c = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)
    services.complaint_revisit(
        complaint=c, by=desk, method="phone", satisfaction="unsatisfied", comment="灯还是闪"
    )
    c = reload(c)
    assert c.state == "investigated"
    rework = c.active_work_order
    assert rework.is_rework and rework.status == "pending" and rework.instructions == "灯还是闪"
    with pytest.raises(ServiceError):
        services.complaint_resolve(complaint=c, by=head, result="again")  # must sign first
    services.work_order_sign(work_order=rework, by=head)
    services.complaint_resolve(complaint=reload(c), by=head, result="更换镇流器")
    services.complaint_revisit(
        complaint=reload(c), by=desk, method="visit", satisfaction="satisfied"
    )
    services.complaint_close(complaint=reload(c), by=f.reviewer(), summary="镇流器老化")
    c = reload(c)
    assert c.state == "closed"
    assert list(c.revisits.order_by("at").values_list("satisfaction", flat=True)) == [
        "unsatisfied",
        "satisfied",
    ]


def test_unsatisfied_revisit_needs_the_residents_words(desk, head):
    c = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)
    with pytest.raises(ServiceError):
        services.complaint_revisit(complaint=c, by=desk, method="phone", satisfaction="unsatisfied")
    assert reload(c).state == "resolved" and not c.revisits.exists()


def test_complaint_cannot_close_before_revisit(desk, head):
    c = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)
    with pytest.raises(ServiceError) as exc:
        services.complaint_close(complaint=c, by=desk)
    assert "不能" in str(exc.value.message) or "not possible" in str(exc.value.message)


def test_department_head_may_not_revisit(desk, head):
    c = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)
    with pytest.raises(PermissionDenied):
        services.complaint_revisit(complaint=c, by=head, method="phone", satisfaction="satisfied")


# --- reopen -------------------------------------------------------------------------------
def test_manager_reopens_a_closed_complaint_with_reason(desk, head, manager):
    c = f.advance(f.complaint(desk), "closed", desk=desk, head=head)
    with pytest.raises(PermissionDenied):
        services.complaint_reopen(complaint=c, by=desk, reason="业主再次来电")
    with pytest.raises(ServiceError):
        services.complaint_reopen(complaint=c, by=manager, reason="")
    services.complaint_reopen(complaint=reload(c), by=manager, reason="业主再次来电")
    c = reload(c)
    assert c.state == "received" and c.closed_at is None
    assert c.events.filter(kind="reopened", note="业主再次来电").exists()
    c = f.advance(c, "confirmed", desk=desk, head=head)
    assert c.active_work_order.status == "pending"


# --- concurrency --------------------------------------------------------------------------
def test_conflicting_transition_on_a_stale_copy_is_refused_cleanly(desk):
    c = f.complaint(desk)
    stale = reload(c)
    services.complaint_confirm(
        complaint=c, by=desk, severity="minor", category=f.category(), validity="invalid"
    )
    with pytest.raises((Conflict, ServiceError)):
        services.complaint_confirm(
            complaint=stale,
            by=desk,
            severity="major",
            category=f.category(),
            validity="valid",
            department=f.department(),
        )
    c = reload(c)
    assert c.severity == "minor" and not c.work_orders.exists()


def test_stale_copy_in_the_same_state_raises_conflict(desk, head):
    c = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)
    a, b = reload(c), reload(c)
    services.complaint_revisit(complaint=a, by=desk, method="phone", satisfaction="satisfied")
    with pytest.raises(Conflict):
        services.complaint_revisit(
            complaint=b, by=desk, method="phone", satisfaction="unsatisfied", comment="不满意"
        )
    c = reload(c)
    assert c.state == "revisited" and c.revisits.count() == 1
