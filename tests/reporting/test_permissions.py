"""Who may see the monthly statistics: supervisor, manager and general manager."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.complaints import factories as f

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:reporting_monthlystatistics_changelist",
    "admin:reporting_monthlystatistics_xlsx",
    "admin:reporting_monthlystatistics_csv",
    "admin:reporting_monthlystatistics_print",
]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    ("role", "department"), [("front_desk", None), ("department_head", "engineering")]
)
def test_front_desk_and_department_heads_get_403(client, name, role, department):
    client.force_login(f.staff(role, department_code=department))
    assert client.get(reverse(name), {"month": "2026-10"}).status_code == 403


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["supervisor", "manager", "general_manager"])
def test_management_may_see_them(client, name, role):
    client.force_login(f.staff(role))
    assert client.get(reverse(name), {"month": "2026-10"}).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client):
    url = reverse(PAGES[0])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_index_links_to_the_statistics_for_managers_only(client):
    url = reverse(PAGES[0])
    client.force_login(f.staff("manager"))
    assert url in client.get(reverse("admin:index")).content.decode()
    client.force_login(f.staff("department_head", department_code="engineering"))
    assert url not in client.get(reverse("admin:index")).content.decode()


def test_the_migration_only_adds_permissions_to_the_groups():
    manager = Group.objects.get(name="manager")
    codes = set(manager.permissions.values_list("content_type__app_label", "codename"))
    assert ("reporting", "view_monthly_statistics") in codes
    assert ("reporting", "verify_correctiveaction") in codes
    assert ("complaints", "reopen_complaint") in codes  # the complaint permissions are kept
    supervisor = Group.objects.get(name="supervisor")
    assert supervisor.permissions.filter(codename="view_monthly_statistics").exists()
    assert not supervisor.permissions.filter(codename="verify_correctiveaction").exists()
    for name in ("front_desk", "department_head"):
        assert (
            not Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="reporting")
            .exists()
        )
