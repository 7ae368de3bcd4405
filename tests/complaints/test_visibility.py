"""One visibility rule for everything that belongs to a complaint: a row is visible exactly when
its complaint is (``Complaint.objects.visible_to``), in the selectors, the pages and the admin."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from complaints import selectors, services
from complaints.models import (
    Attachment,
    Clock,
    Complaint,
    ComplaintEvent,
    DeadlineExtension,
    Escalation,
    Notification,
    Revisit,
    WorkOrder,
)
from reporting.models import CorrectiveAction

from . import factories as f

pytestmark = pytest.mark.django_db

OWNED = [WorkOrder, Attachment, Revisit, ComplaintEvent, Clock, DeadlineExtension, Escalation]
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def frozen():
    with time_machine.travel(f.at(2, 10), tick=False) as traveller:
        yield traveller


def _confirm(c, desk, code):
    services.complaint_confirm(
        complaint=Complaint.objects.get(pk=c.pk),
        by=desk,
        severity="minor",
        category=f.category(),
        validity="valid",
        responsibility="class1",
        department=f.department(code),
    )
    return Complaint.objects.get(pk=c.pk)


def _extras(c, by):
    """One row of each kind the services do not make on the way."""
    from django.core.files.base import ContentFile

    Attachment.objects.create(
        complaint=c,
        file=ContentFile(PDF, name="a.pdf"),
        original_name="a.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=by,
    )
    Escalation.objects.create(
        complaint=c, clock="resolve", level=1, role="supervisor", due_at=c.resolve_due_at
    )
    DeadlineExtension.objects.create(
        complaint=c,
        requested_by=by,
        reason="等配件",
        old_due_at=c.resolve_due_at,
        new_due_at=c.resolve_due_at + dt.timedelta(days=1),
        status="refused",
    )


@pytest.fixture
def cases(frozen, desk, head):
    """Engineering's complaint (revisited), security's, and one moved from engineering to
    security."""
    security_head = f.staff("department_head", department_code="security")
    ours = f.advance(f.complaint(desk), "revisited", desk=desk, head=head)
    theirs = _confirm(f.complaint(desk), desk, "security")
    moved = _confirm(f.complaint(desk), desk, "engineering")
    services.complaint_dispatch(complaint=moved, department=f.department("security"), by=desk)
    for c in (ours, theirs, moved):
        _extras(Complaint.objects.get(pk=c.pk), desk)
    return {"ours": ours, "theirs": theirs, "moved": moved, "security_head": security_head}


@pytest.mark.parametrize("model", OWNED, ids=lambda m: m.__name__)
def test_a_department_head_sees_the_rows_of_the_complaints_of_the_department(cases, head, model):
    seen = set(model.objects.visible_to(head).values_list("complaint_id", flat=True))
    assert cases["ours"].pk in seen
    assert cases["theirs"].pk not in seen
    # Once dispatched to engineering, always visible to it (as the complaint itself is).
    if model not in (Revisit,):
        assert cases["moved"].pk in seen


@pytest.mark.parametrize("model", OWNED, ids=lambda m: m.__name__)
def test_management_sees_every_row_and_nobody_else_any(cases, people, model):
    assert model.objects.visible_to(people["manager"]).count() == model.objects.count() > 0
    assert not model.objects.visible_to(AnonymousUser()).exists()
    no_department = f.staff("department_head")
    assert not model.objects.visible_to(no_department).exists()


def test_each_row_is_visible_exactly_when_its_complaint_is(cases, head):
    visible = set(Complaint.objects.visible_to(head).values_list("pk", flat=True))
    for model in OWNED:
        for row in model.objects.all():
            assert (row in model.objects.visible_to(head)) == (row.complaint_id in visible)


def test_notifications_are_their_recipients_alone(cases, head, people):
    Notification.objects.all().delete()  # the work orders' own notices: not this test's
    Notification.objects.create(recipient=head, complaint=cases["ours"], message="mine")
    Notification.objects.create(
        recipient=cases["security_head"], complaint=cases["theirs"], message="theirs"
    )
    Notification.objects.create(recipient=people["manager"], complaint=cases["ours"], message="m")
    assert [n.message for n in Notification.objects.visible_to(head)] == ["mine"]
    assert not Notification.objects.visible_to(AnonymousUser()).exists()
    assert selectors.unread_notifications_count(head) == 1
    assert [n.message for n in selectors.notifications_of(head)] == ["mine"]


def test_a_corrective_action_is_visible_when_all_its_complaints_are(cases, head, people):
    sup = people["supervisor"]

    def action(title, *complaints):
        a = CorrectiveAction.objects.create(
            title=title,
            cause_analysis="原因",
            action="措施",
            owner=sup,
            due_date=dt.date(2026, 11, 30),
            created_by=sup,
        )
        a.complaints.set(complaints)
        return a

    action("ours", cases["ours"])
    action("theirs", cases["theirs"])
    action("both", cases["ours"], cases["theirs"])
    action("none")
    assert {a.title for a in CorrectiveAction.objects.visible_to(head)} == {"ours"}
    assert {a.title for a in CorrectiveAction.objects.visible_to(sup)} == {
        "ours",
        "theirs",
        "both",
        "none",
    }
    assert not CorrectiveAction.objects.visible_to(AnonymousUser()).exists()


def test_the_work_order_list_shows_the_departments_own_orders_only(cases, head):
    orders = selectors.work_orders_of(head)
    assert {o.department.code for o in orders} == {"engineering"}
    assert cases["theirs"].pk not in {o.complaint_id for o in orders}


def test_the_admin_lists_the_same_work_orders_as_the_complaint_page(cases, client, head):
    client.force_login(head)
    moved = cases["moved"]
    page = client.get(reverse("complaint-detail", args=[moved.pk]))
    assert page.status_code == 200
    listing = client.get(reverse("admin:complaints_workorder_changelist"))
    shown = set(listing.context["cl"].result_list.values_list("pk", flat=True))
    assert set(WorkOrder.objects.visible_to(head).values_list("pk", flat=True)) == shown
    assert set(moved.work_orders.values_list("pk", flat=True)) <= shown
    assert not shown & set(cases["theirs"].work_orders.values_list("pk", flat=True))


def test_the_admin_lists_of_complaint_rows_hide_other_departments(cases, client, head, people):
    client.force_login(head)
    for name in ("workorder", "deadlineextension"):
        listing = client.get(reverse(f"admin:complaints_{name}_changelist"))
        complaints = {row.complaint_id for row in listing.context["cl"].result_list}
        assert cases["ours"].pk in complaints and cases["theirs"].pk not in complaints
    client.force_login(people["supervisor"])
    listing = client.get(reverse("admin:complaints_escalation_changelist"))
    assert listing.context["cl"].result_count == Escalation.objects.count()


def test_another_departments_work_order_cannot_be_signed(cases, client, head):
    order = cases["theirs"].active_work_order
    client.force_login(head)
    response = client.post(reverse("work-order-sign", args=[order.pk]))
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.PENDING


def test_the_escalations_page_counts_only_visible_complaints(cases, frozen, client, people):
    frozen.move_to(f.at(30, 10))
    client.force_login(people["supervisor"])
    response = client.get(reverse("escalations"))
    assert response.status_code == 200
    assert len(response.context["history"]) == Escalation.objects.count()
