"""The project as a whole: settings, roles, the base page and language switch."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from complaints import roles
from complaints.models import Department

pytestmark = pytest.mark.django_db


def test_time_zone_and_default_language():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_role_groups_exist_with_their_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.LABELS) <= names
    front_desk = Group.objects.get(name=roles.FRONT_DESK)
    codes = {f"{p.content_type.app_label}.{p.codename}" for p in front_desk.permissions.all()}
    assert {"residents.view_resident", "residents.add_resident"} <= codes
    head = Group.objects.get(name=roles.DEPARTMENT_HEAD)
    assert not head.permissions.filter(codename="add_resident").exists()


def test_each_role_holds_exactly_the_permissions_of_the_table():
    for role, codes in roles.PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(codes), role


def test_the_role_table_is_applied_again_after_a_change():
    head = Group.objects.get(name=roles.DEPARTMENT_HEAD)
    head.permissions.clear()
    roles.apply_role_permissions()
    assert head.permissions.count() == len(set(roles.PERMISSIONS[roles.DEPARTMENT_HEAD]))


def test_no_migration_imports_the_live_code():
    """Migrations run against historical models; importing today's code from one breaks
    the day that code changes.  (A field's ``upload_to`` function is referenced by module
    path, as Django writes it; that is not running today's code.)"""
    from pathlib import Path

    import complaints
    import reporting
    import residents

    for app in (complaints, residents, reporting):
        for path in (Path(app.__file__).parent / "migrations").glob("0*.py"):
            text = path.read_text(encoding="utf-8")
            for name in ("complaints", "residents", "reporting"):
                assert f"from {name}" not in text, path.name


def test_standard_departments_are_seeded():
    assert set(Department.objects.values_list("code", flat=True)) >= {
        "engineering",
        "security",
        "environment",
        "service",
    }


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_speaks_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_language_switch_turns_the_page_english(client, make_user):
    user = make_user(roles.FRONT_DESK)
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("home")).content.decode()
    assert "My desk" in page
    assert "Front desk" in page


def test_header_shows_user_and_role(client, make_user):
    client.force_login(make_user(roles.MANAGER, first_name="建华", last_name="周"))
    page = client.get(reverse("home")).content.decode()
    assert "经理" in page


def test_pages_load_nothing_from_the_internet(client, make_user):
    client.force_login(make_user(roles.FRONT_DESK))
    page = client.get(reverse("home")).content.decode()
    assert "http://" not in page and "https://" not in page


def test_english_browser_still_gets_chinese_until_the_user_switches(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in page


def test_admin_is_branded_for_the_desk(client, make_user):
    client.force_login(make_user(roles.MANAGER, is_staff=True))
    page = client.get(reverse("admin:index")).content.decode()
    assert "物业投诉处理后台" in page


def test_readme_state_diagram_matches_the_workflow_in_the_code():
    from pathlib import Path

    from complaints.management.commands.workflow_diagram import mermaid

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid()}\n```" in readme


def test_the_management_ladder_names_the_roles():
    from complaints import policies

    assert policies.LADDER == [roles.SUPERVISOR, roles.MANAGER, roles.GENERAL_MANAGER]
    assert policies.next_superior("general_manager", "minor") == roles.GENERAL_MANAGER
    assert policies.role_above(roles.GENERAL_MANAGER) is None
