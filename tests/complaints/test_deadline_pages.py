"""The pages and admin screens of Step 6: agreed deadlines, revisit bookings, urgent intake,
office hours and the named deadline variants.  Bad input answers with a message, saves
nothing, and another department's complaint stays out of reach."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent, OfficeHours, SlaPolicy

from . import factories as f

pytestmark = pytest.mark.django_db


def local_input(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def confirmed(desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk, at=f.at(2, 9))
        return f.advance(c, "confirmed", desk=desk, head=head)


def test_the_handler_records_a_deadline_agreed_with_the_resident(client, desk, head):
    c = confirmed(desk, head)
    client.force_login(head)
    with time_machine.travel(f.at(3, 10), tick=False):
        page = client.get(reverse("complaint-detail", args=[c.pk])).content.decode()
        assert "agree-due_at" in page
        response = client.post(
            reverse("complaint-agree", args=[c.pk]),
            {"agree-due_at": local_input(f.at(9, 18)), "agree-note": "电话确认，住户周一在家"},
        )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.resolve_due_at == f.at(9, 18) and c.agreed_by == head
    assert ComplaintEvent.objects.filter(complaint=c, kind="agreed").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"agree-due_at": "", "agree-note": "x"},
        {"agree-due_at": "not a date", "agree-note": "x"},
        {"agree-due_at": "2026-11-01T09:00", "agree-note": "in the past"},
        {"agree-due_at": "2026-11-09T18:00", "agree-note": "   "},
        {"agree-due_at": "2026-11-09T18:00", "agree-note": "<script>alert(1)</script>" * 20},
    ],
)
def test_a_bad_agreed_deadline_is_refused_with_a_message(client, desk, head, data):
    c = confirmed(desk, head)
    client.force_login(head)
    with time_machine.travel(f.at(3, 10), tick=False):
        response = client.post(reverse("complaint-agree", args=[c.pk]), data)
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()
    c.refresh_from_db()
    assert c.agreed_due_at is None and c.resolve_due_at == f.at(4, 9)


def test_another_departments_head_cannot_agree_a_deadline(client, desk, head):
    c = confirmed(desk, head)
    other = f.staff("department_head", department_code="security")
    client.force_login(other)
    response = client.post(
        reverse("complaint-agree", args=[c.pk]),
        {"agree-due_at": "2026-11-09T18:00", "agree-note": "x"},
    )
    assert response.status_code == 404
    assert Complaint.objects.get(pk=c.pk).agreed_due_at is None


def test_the_desk_books_a_revisit_and_the_queue_shows_its_deadline(client, desk, head):
    c = confirmed(desk, head)
    with time_machine.travel(f.at(2, 11), tick=False):
        f.advance(c, "resolved", desk=desk, head=head)
    client.force_login(desk)
    with time_machine.travel(f.at(2, 12), tick=False):
        response = client.post(
            reverse("complaint-book-revisit", args=[c.pk]),
            {"booking-at": local_input(f.at(3, 19)), "booking-note": "晚上七点后"},
        )
        assert response.status_code == 302
        queue = client.get(reverse("revisit-queue")).content.decode()
    assert Complaint.objects.get(pk=c.pk).revisit_due_at == f.at(3, 19)
    assert "11-03 19:00" in queue


def test_a_head_may_not_book_a_revisit(client, desk, head):
    c = confirmed(desk, head)
    with time_machine.travel(f.at(2, 11), tick=False):
        f.advance(c, "resolved", desk=desk, head=head)
    client.force_login(head)
    with time_machine.travel(f.at(2, 12), tick=False):
        response = client.post(
            reverse("complaint-book-revisit", args=[c.pk]),
            {"booking-at": local_input(f.at(3, 19))},
        )
    assert response.status_code == 400
    assert Complaint.objects.get(pk=c.pk).revisit_appointment_at is None


def test_an_urgent_intake_at_night_keeps_the_ten_minutes(client, desk):
    res = f.resident()
    client.force_login(desk)
    with time_machine.travel(f.at(2, 22), tick=False):
        client.post(
            reverse("complaint-intake"),
            {
                "resident": res.pk,
                "contact_name": res.name,
                "contact_phone": "13812345678",
                "channel": "phone",
                "description": "电梯困人，两人被困",
                "is_urgent": "on",
            },
        )
    c = Complaint.objects.get()
    assert c.is_urgent and c.dispatch_due_at == f.at(2, 22, 10)


def test_managers_edit_office_hours_in_the_admin(client):
    manager = f.staff("manager")
    client.force_login(manager)
    row = OfficeHours.objects.get(day=OfficeHours.Day.MONDAY)
    url = reverse("admin:complaints_officehours_change", args=[row.pk])
    response = client.post(url, {"day": row.day, "opens": "18:00", "closes": "08:00"})
    assert response.status_code == 200  # refused: the shift must end after it starts
    row.refresh_from_db()
    assert row.opens == dt.time(8, 0)
    response = client.post(url, {"day": row.day, "opens": "08:30", "closes": "17:30"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.opens, row.closes) == (dt.time(8, 30), dt.time(17, 30))


def test_the_short_limits_variant_is_chosen_in_the_admin(client):
    gm = f.staff("general_manager")
    client.force_login(gm)
    response = client.post(
        reverse("admin:complaints_slapolicy_changelist"),
        {
            "action": "use_short_limits",
            "_selected_action": list(SlaPolicy.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    limits = {
        p.severity: (p.answer_minutes, p.resolve_days, p.resolve_hours)
        for p in SlaPolicy.objects.all()
    }
    assert limits == {
        "minor": (60, 1, 12),
        "important": (180, 3, None),
        "major": (1440, 7, None),
    }


def test_the_running_deadlines_show_on_the_admin_complaint_page(client, desk, head):
    c = confirmed(desk, head)
    client.force_login(f.staff("manager"))
    page = client.get(reverse("admin:complaints_complaint_change", args=[c.pk]))
    assert page.status_code == 200
    assert "clock_set" in page.content.decode() or "clocks" in page.content.decode()


def test_a_policy_change_in_the_admin_moves_the_open_complaints_deadlines(
    client, desk, head, django_capture_on_commit_callbacks
):
    c = confirmed(desk, head)
    assert c.resolve_due_at == f.at(4, 9)
    policy = SlaPolicy.objects.get(severity="minor")
    client.force_login(f.staff("general_manager"))
    data = {
        "dispatch_minutes": 10,
        "dispatch_escalation_minutes": "0,60",
        "notify_role": "",
        "notify_within_minutes": "",
        "answer_minutes": "",
        "resolve_days": 5,
        "resolve_hours": "",
        "resolve_in_working_days": "",
        "use_requested_deadline": "on",
        "resolve_escalation_hours": "0,24,72",
        "reminder_fractions": "0.5,0.8",
        "extension_approver": "manager",
    }
    with time_machine.travel(f.at(3, 9), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:complaints_slapolicy_change", args=[policy.pk]), data
            )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.resolve_due_at == f.at(7, 9)


def test_the_reschedule_command_recomputes_every_open_complaint(desk, head):
    from django.core.management import call_command

    c = confirmed(desk, head)
    SlaPolicy.objects.filter(severity="minor").update(resolve_days=4)
    with time_machine.travel(f.at(2, 10), tick=False):
        call_command("sla_reschedule")
    assert Complaint.objects.get(pk=c.pk).resolve_due_at == f.at(6, 9)
