"""Complaints in and out of spreadsheets in the admin."""

import io

import openpyxl
import pytest
import tablib
from django.urls import reverse

from complaints.models import Complaint
from complaints.resources import ComplaintResource

from . import factories as f

pytestmark = pytest.mark.django_db

HEAD = [
    "受理时间",
    "投诉途径",
    "联系人",
    "联系电话",
    "小区",
    "房号",
    "投诉类别",
    "投诉内容",
    "业主诉求",
]


def dataset(*rows):
    return tablib.Dataset(*rows, headers=HEAD)


def test_import_registers_each_row_through_the_intake_service():
    desk = f.staff("front_desk")
    f.resident()
    data = dataset(
        [
            "2026-11-20 09:30",
            "意见箱",
            "李明",
            "138 1234 5678",
            "翠湖花园",
            "3-2-1201",
            "设备管理 / 照明",
            "楼道灯不亮",
            "尽快修",
        ],
        ["", "letter", "匿名", "13900001111", "", "", "", "保洁不到位", ""],
        ["", "", "", "", "", "", "", "", ""],
    )
    result = ComplaintResource().import_data(data, dry_run=False, user=desk)
    assert not result.has_errors() and not result.has_validation_errors()
    first, second = Complaint.objects.order_by("id")
    assert first.channel == "box" and first.unit.label == "3-2-1201"
    assert first.category.name == "照明" and first.number.startswith("TS-202611-")
    assert first.events.filter(kind="created", actor=desk).exists()
    assert second.channel == "letter" and second.unit is None


def test_a_bad_row_saves_nothing_and_says_which_row_and_why():
    desk = f.staff("front_desk")
    data = dataset(
        ["", "电话", "王", "13812345678", "", "", "", "好的一行", ""],
        ["2030-01-01 10:00", "鸽子", "", "123", "不存在小区", "9-9-9", "没这类", "", ""],
    )
    result = ComplaintResource().import_data(data, dry_run=False, user=desk)
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    messages = " ".join(m for msgs in invalid.error_dict.values() for m in msgs)
    for column in ("投诉途径", "联系人", "联系电话", "小区", "投诉类别", "投诉内容", "受理时间"):
        assert column in invalid.error_dict, column
    assert "123" in messages and "鸽子" in messages
    assert Complaint.objects.count() == 0


def test_export_neutralises_formulas_and_follows_visibility(client):
    desk = f.staff("front_desk")
    head = f.staff("department_head", department_code="engineering")
    mine = f.advance(
        f.complaint(desk, description='=HYPERLINK("http://x")'), "confirmed", desk=desk, head=head
    )
    f.complaint(
        desk,
        description="别的部门",
        res=f.resident(name="赵", phone="+8613700000000", unit=f.unit("801")),
    )
    # Exports are a supervisor's; this head was granted them (visibility still applies).
    client.force_login(f.grant(head, "complaints.export_personal_data"))
    response = client.post(
        reverse("admin:complaints_complaint_export"),
        {
            "format": "1",
            "resource": "0",
            **{f"complaintresource_{k}": "on" for k in ("number", "description")},
        },
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    numbers = [r[0] for r in rows[1:]]
    assert numbers == [mine.number]
    assert any(str(v).startswith("'=HYPERLINK") for v in rows[1])


def test_department_head_may_not_import(client):
    client.force_login(f.staff("department_head", department_code="engineering"))
    assert client.get(reverse("admin:complaints_complaint_import")).status_code == 403


def test_complaint_import_without_a_required_column_is_refused_clearly(client, settings, tmp_path):
    import csv

    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_UPLOAD_DIR = tmp_path
    desk = f.staff("front_desk")
    desk.is_staff = True  # the desk's admin login, as a site gives it for imports
    desk.save(update_fields=["is_staff"])
    client.force_login(desk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([h for h in HEAD if h != "联系电话"])
    writer.writerow(["", "电话", "李明", "", "", "", "楼道灯不亮", ""])

    response = client.post(
        reverse("admin:complaints_complaint_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("c.csv", out.getvalue().encode("gbk")),
        },
    )

    assert response.status_code == 400
    text = response.content.decode()
    assert "The file has no column 联系电话" in text and "Traceback" not in text
    assert Complaint.objects.count() == 0
    assert list(tmp_path.iterdir()) == []
