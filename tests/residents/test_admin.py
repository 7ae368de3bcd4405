"""The residents registry in the admin: list, search, permissions, import and export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from complaints import roles
from residents.models import Resident
from residents.resources import COLUMNS
from tests.complaints import factories as f

from .files import csv_bytes, registry_counts, xlsx_bytes

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:residents_resident_changelist")
IMPORT = reverse("admin:residents_resident_import")
PROCESS_IMPORT = reverse("admin:residents_resident_process_import")
EXPORT = reverse("admin:residents_resident_export")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def department_head(make_user):
    return make_user(roles.DEPARTMENT_HEAD, is_staff=True)


@pytest.fixture
def front_desk(make_user):
    return make_user(roles.FRONT_DESK, is_staff=True)


def _populate(make_resident, count, start=0):
    for n in range(start, start + count):
        make_resident(f"住户{n}", f"{n % 6 + 1}-{n % 2 + 1}-{1000 + n}", phone=f"+86138{n:08d}")


def _result_names(response):
    return {r.name for r in response.context["cl"].result_list}


def test_superuser_sees_the_list_with_masked_phones(client, superuser, make_resident):
    make_resident("王伟", "3-2-1201", phone="+8613812345678")
    client.force_login(superuser)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "王伟" in page
    assert "3-2-1201" in page
    assert "翠湖花园" in page
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "1234 5678" not in page


def test_department_head_can_view_the_list_but_not_import(client, department_head, make_resident):
    make_resident("王伟", "3-2-1201", phone="+8613812345678")
    client.force_login(department_head)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert "王伟" in response.content.decode()
    assert response.context["has_import_permission"] is False
    # Exports are a supervisor's and above (complaints.export_personal_data).
    assert response.context["has_export_permission"] is False
    assert client.get(IMPORT).status_code == 403
    upload = SimpleUploadedFile("r.csv", csv_bytes([]), content_type="text/csv")
    assert (
        client.post(IMPORT, {"resource": "0", "format": "0", "import_file": upload}).status_code
        == 403
    )
    assert client.post(PROCESS_IMPORT, {}).status_code == 403


def test_front_desk_may_open_the_import_page(client, front_desk):
    client.force_login(front_desk)
    response = client.get(IMPORT)
    assert response.status_code == 200
    # The columns the file must have are listed, by their Chinese names.
    assert all(column in response.content.decode() for column in COLUMNS.values())


def test_list_queries_do_not_grow_with_the_number_of_residents(client, superuser, make_resident):
    client.force_login(superuser)
    # Every request in the same minute: the session's idle clock is renewed once a minute,
    # by the warm-up request, and never in between the two counted ones.
    minute = time_machine.travel(dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC), tick=False)
    with minute:
        client.get(CHANGELIST)
    _populate(make_resident, 5)
    with minute, CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    _populate(make_resident, 45, start=5)
    with minute, CaptureQueriesContext(connection) as many:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 50
    assert len(many) == len(few)


def test_department_head_list_has_a_fixed_query_count(
    client, department_head, make_resident, django_assert_max_num_queries
):
    _populate(make_resident, 50)
    client.force_login(department_head)
    with django_assert_max_num_queries(15):
        assert client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize(
    "term,expected",
    [
        ("3-2-1201", {"王伟", "王小明"}),
        ("3栋2单元1201", {"王伟", "王小明"}),
        ("5678", {"王伟"}),
        ("138 1234", {"王伟"}),
        ("李", {"李娜"}),
    ],
)
def test_admin_search_by_room_phone_and_name(client, superuser, make_resident, term, expected):
    make_resident("王伟", "3-2-1201", phone="+8613812345678")
    make_resident("王小明", "3-2-1201")
    make_resident("李娜", "3-1-1202", phone="+8613900001111")
    client.force_login(superuser)

    response = client.get(CHANGELIST, {"q": term})

    assert response.status_code == 200
    assert _result_names(response) == expected


def test_admin_filters_moved_out_and_property(client, superuser, make_resident):
    import datetime as dt

    make_resident("王伟", "3-2-1201")
    make_resident("李娜", "3-2-1202", moved_in=dt.date(2020, 1, 1), moved_out=dt.date(2023, 1, 1))
    client.force_login(superuser)

    assert _result_names(client.get(CHANGELIST, {"moved_out": "yes"})) == {"李娜"}
    assert _result_names(client.get(CHANGELIST, {"moved_out": "no"})) == {"王伟"}


def test_unit_admin_search_by_room(client, superuser, make_resident):
    make_resident("王伟", "3-2-1201")
    make_resident("李娜", "3-1-1201")
    client.force_login(superuser)

    response = client.get(reverse("admin:residents_unit_changelist"), {"q": "3-2-1201"})

    assert response.status_code == 200
    assert [u.label for u in response.context["cl"].result_list] == ["3-2-1201"]


def test_unit_autocomplete_understands_rooms(client, superuser, make_resident):
    make_resident("王伟", "3-2-1201")
    make_resident("李娜", "3-1-1201")
    client.force_login(superuser)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "3-1-1201",
            "app_label": "residents",
            "model_name": "resident",
            "field_name": "unit",
        },
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["3-1-1201"]


def _upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    "file_format,index,build", [("csv", "0", csv_bytes), ("xlsx", "1", xlsx_bytes)]
)
def test_front_desk_imports_a_file_through_preview_and_confirm(
    client, front_desk, cuihu, file_format, index, build
):
    rows = [["翠湖花园", "3", "2", "1201", "王伟", "13812345678", "", "业主", "2020-05-01", "", ""]]
    client.force_login(front_desk)

    preview = client.post(
        IMPORT,
        {"resource": "0", "format": index, "import_file": _upload(build(rows), f"r.{file_format}")},
    )
    assert preview.status_code == 200
    assert Resident.objects.count() == 0  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    done = client.post(PROCESS_IMPORT, confirm.initial)

    assert done.status_code == 302
    wang = Resident.objects.get()
    assert wang.unit.label == "3-2-1201"
    assert wang.phone.as_e164 == "+8613812345678"


def test_a_bad_file_is_shown_with_its_errors_and_cannot_be_confirmed(client, front_desk, cuihu):
    rows = [
        ["翠湖花园", "3", "2", "1201", "王伟", "13812345678", "", "业主", "2020-05-01", "", ""],
        ["翠湖花园", "3", "2", "1202", "李娜", "12345", "", "业主", "2020-05-01", "", ""],
    ]
    client.force_login(front_desk)
    before = registry_counts()

    with translation.override("en"):
        response = client.post(
            IMPORT,
            {"resource": "0", "format": "0", "import_file": _upload(csv_bytes(rows), "r.csv")},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert [row.number for row in response.context["result"].invalid_rows] == [2]
    assert "“12345”不是有效的电话号码。" in response.content.decode()
    assert registry_counts() == before


def _export_form(**extra):
    data = {"resource": "0", "format": "0"}
    data.update({f"residentresource_{name}": "on" for name in COLUMNS})
    data.update(extra)
    return data


def test_department_head_exports_csv_with_formulas_neutralised(
    client, department_head, make_resident
):
    make_resident('=HYPERLINK("http://evil.example")', "3-2-1201", notes="@x")
    make_resident("王伟", "3-2-1202", phone="+8613812345678", notes="-2")
    # Exports are a supervisor's; this head was granted them (the phones stay masked).
    client.force_login(f.grant(department_head, "complaints.export_personal_data"))

    response = client.post(EXPORT, _export_form())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = {row[COLUMNS["name"]] for row in rows} | {row[COLUMNS["notes"]] for row in rows}
    assert cells == {'\'=HYPERLINK("http://evil.example")', "'@x", "王伟", "'-2"}
    # A department head does not call residents: the numbers leave masked (PIPL).
    assert {row[COLUMNS["phone"]] for row in rows} == {"", "138****5678"}


@pytest.mark.django_db
def test_view_only_user_sees_phone_numbers_masked_on_the_resident_page(client):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.urls import reverse
    from model_bakery import baker

    from residents.models import Resident

    resident = baker.make(
        Resident,
        name="李明",
        phone="+8613812345678",
        unit=baker.make("residents.Unit", room="1201"),
    )
    head = get_user_model().objects.create_user("head", password="pw", is_staff=True)
    head.groups.add(Group.objects.get(name="department_head"))
    client.force_login(head)
    page = client.get(reverse("admin:residents_resident_change", args=[resident.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "138****5678" in body and "13812345678" not in body and "138 1234 5678" not in body
