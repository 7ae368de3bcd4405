"""The complaints admin: lists, visibility by department, transitions through services."""

import pytest
from django.db import connection
from django.urls import reverse

from complaints.models import Complaint

from . import factories as f

pytestmark = pytest.mark.django_db


def change_url(c):
    return reverse("admin:complaints_complaint_change", args=[c.pk])


def test_manager_sees_the_list_with_a_fixed_number_of_queries(
    client, desk, django_assert_max_num_queries
):
    manager = f.staff("manager")
    numbers = [
        f.complaint(
            desk, res=f.resident(name=f"住户{n}", phone=f"+861380000{n:04d}", unit=f.unit(f"{n}02"))
        ).number
        for n in range(12)
    ]
    client.force_login(manager)
    # PostgreSQL asks for the table's row estimate first (complaints.admin_paging), then
    # counts exactly because the table is small.
    with django_assert_max_num_queries(16 if connection.vendor == "postgresql" else 15):
        response = client.get(reverse("admin:complaints_complaint_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert all(number in html for number in numbers)


def test_search_by_room_finds_the_complaint(client, desk):
    c = f.complaint(desk)
    client.force_login(f.staff("manager"))
    response = client.get(reverse("admin:complaints_complaint_changelist"), {"q": "3-2-1201"})
    assert c.number in response.content.decode()


def test_department_head_gets_404_for_another_departments_complaint(client, desk, head):
    mine = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    theirs = f.complaint(desk)
    client.force_login(head)
    assert client.get(change_url(mine)).status_code == 200
    assert client.get(change_url(theirs)).status_code == 404
    listing = client.get(reverse("admin:complaints_complaint_changelist")).content.decode()
    assert mine.number in listing and theirs.number not in listing


def test_confirm_button_goes_through_the_service(client, desk):
    c = f.complaint(desk)
    manager = f.staff("manager")
    client.force_login(manager)
    page = client.get(change_url(c)).content.decode()
    assert "_fsm_transition_to" in page and 'value="confirm"' in page
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "confirm"])
    response = client.post(
        url,
        {
            "severity": "important",
            "category": f.category().pk,
            "validity": "valid",
            "responsibility": "class1",
            "department": f.department().pk,
        },
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.state == "confirmed" and c.work_orders.count() == 1
    assert c.events.filter(kind="dispatched", actor=manager).exists()


def test_refused_transition_shows_the_reason_and_changes_nothing(client, desk, head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    client.force_login(f.staff("manager"))
    url = reverse("admin:complaints_complaint_transition", args=[c.pk, "investigate"])
    response = client.post(url, {"plan": "去现场"}, follow=True)
    assert response.status_code == 200
    assert "签收" in response.content.decode() or "signed" in response.content.decode()
    assert Complaint.objects.get(pk=c.pk).state == "confirmed"


def test_nobody_adds_or_deletes_complaints_in_the_admin(client, desk):
    c = f.complaint(desk)
    client.force_login(f.staff("general_manager"))
    assert client.get(reverse("admin:complaints_complaint_add")).status_code == 403
    assert client.get(reverse("admin:complaints_complaint_delete", args=[c.pk])).status_code == 403


def test_a_department_head_sees_the_phone_masked_in_the_admin_too(client, desk, head):
    c = f.advance(
        f.complaint(desk, res=f.resident(phone="+8613812345678")), "confirmed", desk=desk, head=head
    )
    url = reverse("admin:complaints_complaint_change", args=[c.pk])
    client.force_login(head)
    page = client.get(url).content.decode()
    assert "138****5678" in page and "13812345678" not in page and "138 1234 5678" not in page
    client.force_login(f.staff("manager"))  # calls residents: sees the whole number
    page = client.get(url).content.decode()
    assert "138****5678" not in page
