"""Exports of personal data have their own permission (a supervisor and above), the resident
search gives full numbers only to those who call residents, and a full-number admin page is
recorded like the reveal button."""

import pytest
import time_machine
from django.urls import reverse

from complaints import permissions as perms
from complaints.models import DataAccess

from . import factories as f

pytestmark = pytest.mark.django_db

FULL_SPACED = "138 1234 5678"
NOW = f.at(5, 10)

LIST_EXPORTS = [
    ("complaint-export", ["csv"]),
    ("queue-export", ["confirm", "csv"]),
    ("revisit-export", ["csv"]),
    ("work-order-export", ["csv"]),
]
ADMIN_EXPORTS = ["admin:complaints_complaint_export", "admin:residents_resident_export"]


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("front_desk", False),
        ("night_duty", False),
        ("department_head", False),
        ("supervisor", True),
        ("manager", True),
        ("general_manager", True),
    ],
)
def test_exporting_is_for_a_supervisor_and_above(role, may):
    user = f.staff(role, department_code="engineering" if role == "department_head" else None)
    assert perms.can_export(user) is may


@pytest.mark.parametrize("role", ["front_desk", "night_duty", "department_head"])
def test_the_list_exports_refuse_the_desk_and_heads_and_record_nothing(client, role):
    user = f.staff(role, department_code="engineering" if role == "department_head" else None)
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        for name, args in LIST_EXPORTS:
            # (a head has no desk queue at all: 404 before the question of exporting)
            assert client.get(reverse(name, args=args)).status_code in (403, 404), name
        assert client.get(reverse("complaint-export", args=["csv"])).status_code == 403
    assert not DataAccess.objects.exists()


@pytest.mark.parametrize("role", ["front_desk", "department_head"])
def test_the_admin_exports_refuse_the_desk_and_heads(client, role):
    user = f.staff(role, department_code="engineering" if role == "department_head" else None)
    user.is_staff = True
    user.save()
    client.force_login(user)
    for name in ADMIN_EXPORTS:
        assert client.get(reverse(name)).status_code == 403, name
        assert client.post(reverse(name), {"format": "0"}).status_code == 403, name
    assert not DataAccess.objects.exists()


def test_no_export_button_for_a_head(client, desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    client.force_login(head)
    with time_machine.travel(NOW, tick=False):
        pages = [
            reverse("complaint-list"),
            reverse("work-orders"),
            reverse("admin:complaints_complaint_changelist"),
            reverse("admin:residents_resident_changelist"),
        ]
        for url in pages:
            page = client.get(url).content.decode()
            assert "/export" not in page, url


def test_a_supervisor_exports_from_the_pages_and_the_admin_and_each_is_recorded(client, desk):
    with time_machine.travel(f.at(2, 9), tick=False):
        f.complaint(desk)
    supervisor = f.staff("supervisor")
    client.force_login(supervisor)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("complaint-list")).content.decode()
        assert reverse("complaint-export", args=["xlsx"]) in page
        assert client.get(reverse("complaint-export", args=["csv"])).status_code == 200
        admin_page = client.get(reverse("admin:complaints_complaint_changelist")).content
        assert reverse("admin:complaints_complaint_export").encode() in admin_page
        response = client.post(
            reverse("admin:residents_resident_export"),
            {"format": "0", "resource": "0", "residentresource_name": "on"},
        )
        assert response.status_code == 200
    kinds = list(DataAccess.objects.order_by("pk").values_list("user", "kind"))
    assert kinds == [(supervisor.pk, "export"), (supervisor.pk, "export")]
    manager = f.staff("manager")
    client.force_login(manager)
    listing = client.get(reverse("admin:complaints_dataaccess_changelist"))
    assert listing.status_code == 200
    assert listing.content.decode().count(supervisor.username) >= 1


def test_the_resident_search_gives_a_head_no_full_numbers(client, head):
    f.resident(name="王伟", phone="+8613812345678")
    client.force_login(head)
    page = client.get(reverse("residents:search"), {"q": "王伟"}).content.decode()
    assert "王伟" in page and "138****5678" in page
    assert "data-phone" not in page
    assert FULL_SPACED not in page and "13812345678" not in page


def test_the_resident_search_gives_the_desk_the_number_for_the_form(client, desk):
    f.resident(name="王伟", phone="+8613812345678")
    client.force_login(desk)
    page = client.get(reverse("residents:search"), {"q": "王伟"}).content.decode()
    assert f'data-phone="{FULL_SPACED}"' in page


def test_a_full_number_admin_page_is_recorded_and_a_masked_one_is_not(client, desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    desk.is_staff = True
    desk.save()
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("admin:residents_resident_change", args=[c.resident_id]))
        assert page.status_code == 200
        client.get(reverse("admin:complaints_complaint_change", args=[c.pk]))
    accesses = list(DataAccess.objects.order_by("pk"))
    assert [a.kind for a in accesses] == ["reveal", "reveal"]
    assert accesses[1].complaint == c and all(a.user == desk for a in accesses)
    client.force_login(head)
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("admin:residents_resident_change", args=[c.resident_id]))
    assert DataAccess.objects.count() == 2
