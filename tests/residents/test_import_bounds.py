"""Imports bounded: the upload stays on the server, files are refused whole and cleanly when
they break a limit or lack a column, and CSV from Chinese Excel (GBK / GB18030) is read."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from complaints import roles
from residents import importing
from residents.importing import ImportRefused, load_dataset
from residents.models import Property, Resident
from residents.resources import ResidentResource
from residents.services import FILE_FORMATS, import_problems, residents_import

from .files import HEADERS, csv_bytes, registry_counts, xlsx_bytes

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:residents_resident_import")
PROCESS_IMPORT = reverse("admin:residents_resident_process_import")
ROW = [
    "翠湖花园",
    "3",
    "2",
    "1201",
    "张三",
    "13812345678",
    "",
    "业主",
    "2020-05-01",
    "",
    "小区东门",
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    return settings.IMPORT_UPLOAD_DIR


@pytest.fixture
def desk(client, make_user):
    user = make_user(roles.FRONT_DESK, is_staff=True)
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def kept_files(upload_dir) -> list[Path]:
    return sorted(Path(upload_dir).glob("*")) if Path(upload_dir).exists() else []


def preview(client, data: bytes, name="r.csv", fmt="0"):
    return client.post(
        IMPORT, {"resource": "0", "format": fmt, "import_file": SimpleUploadedFile(name, data)}
    )


def page_text(response) -> str:
    return response.content.decode()


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the upload's identity stays on the server -------------------------------------------------


def test_confirm_refuses_a_file_name_that_no_preview_of_this_user_made(client, desk, cuihu):
    """Any file in the temp folder (or anywhere) named by the client: refused, kept, unread."""
    folder = Path(tempfile.gettempdir())
    planted = folder / "planted-import.csv"
    planted.write_bytes(csv_bytes([ROW]))
    try:
        for name in (planted.name, str(planted), "../../etc/passwd", ""):
            response = client.post(
                PROCESS_IMPORT,
                {"import_file_name": name, "original_file_name": "x.csv", "format": "0"},
            )
            assert response.status_code == 400
            assert "unknown or was already done" in page_text(response)
        assert planted.exists()  # nothing deleted
        assert Resident.objects.count() == 0  # nothing imported
    finally:
        planted.unlink(missing_ok=True)


def test_another_users_token_is_refused_and_the_owner_can_still_confirm(
    client, desk, cuihu, make_user, upload_dir
):
    response = preview(client, csv_bytes([ROW]))
    confirm = response.context["confirm_form"].initial
    [kept] = kept_files(upload_dir)
    assert confirm["import_file_name"] not in kept.name  # the token is not the file's name

    intruder = Client()
    intruder.force_login(make_user(roles.FRONT_DESK, is_staff=True))
    refused = intruder.post(PROCESS_IMPORT, confirm)
    assert refused.status_code == 400
    assert Resident.objects.count() == 0
    assert kept.exists()

    done = client.post(PROCESS_IMPORT, confirm)
    assert done.status_code == 302
    assert Resident.objects.get().name == "张三"
    assert kept_files(upload_dir) == []


def test_confirming_twice_imports_once(client, desk, cuihu, upload_dir):
    confirm = preview(client, csv_bytes([ROW])).context["confirm_form"].initial

    assert client.post(PROCESS_IMPORT, confirm).status_code == 302
    again = client.post(PROCESS_IMPORT, confirm)

    assert again.status_code == 400
    assert Resident.objects.count() == 1
    assert kept_files(upload_dir) == []


def test_data_changed_since_the_preview_imports_nothing(client, desk, cuihu, upload_dir):
    confirm = preview(client, csv_bytes([ROW])).context["confirm_form"].initial
    Property.objects.all().delete()

    response = client.post(PROCESS_IMPORT, confirm)

    assert response.status_code == 400
    assert "nothing was imported" in " ".join(message_texts(response))
    assert registry_counts() == (0, 0, 0)
    assert kept_files(upload_dir) == []


# --- refused whole, with a clear message, leaving nothing behind ------------------------------


def test_missing_name_column_is_named_with_the_expected_headers_and_no_traceback(
    client, desk, cuihu, upload_dir
):
    headers = [h for h in HEADERS if h != "姓名"]
    row = [v for h, v in zip(HEADERS, ROW, strict=True) if h != "姓名"]

    response = preview(client, csv_bytes([row], headers))

    assert response.status_code == 400
    text = page_text(response)
    assert "The file has no column 姓名" in text
    assert "小区、楼栋、单元、房号、姓名、电话、其他电话、关系、入住日期、迁出日期、备注" in text
    assert "Traceback" not in text and "site-packages" not in text and "File &quot;" not in text
    assert "confirm_form" not in response.context
    assert kept_files(upload_dir) == []
    assert Resident.objects.count() == 0


def test_a_file_with_bad_rows_leaves_no_upload_behind(client, desk, cuihu, upload_dir):
    bad = list(ROW)
    bad[5] = "12345"
    response = preview(client, csv_bytes([ROW, bad]))
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert kept_files(upload_dir) == []


def test_file_over_the_size_limit_is_refused(client, desk, cuihu, settings, upload_dir):
    settings.IMPORT_MAX_FILE_BYTES = 1024
    data = csv_bytes([[*ROW[:4], f"住户{n}", *ROW[5:]] for n in range(40)])
    assert len(data) > 1024

    response = preview(client, data)

    assert response.status_code == 400
    assert "larger than" in page_text(response)
    assert Resident.objects.count() == 0
    assert kept_files(upload_dir) == []


def test_more_rows_than_the_limit_are_refused_whole(client, desk, cuihu, settings, upload_dir):
    settings.IMPORT_MAX_ROWS = 3
    rows = [[*ROW[:4], f"住户{n}", *ROW[5:]] for n in range(4)]

    response = preview(client, xlsx_bytes(rows), name="r.xlsx", fmt="1")

    assert response.status_code == 400
    assert "The file has more than 3 rows; at most 3 can be imported at once" in page_text(response)
    assert Resident.objects.count() == 0
    assert kept_files(upload_dir) == []
    csv_response = preview(client, csv_bytes(rows))
    assert csv_response.status_code == 400
    assert "The file has 4 rows; at most 3 can be imported at once" in page_text(csv_response)
    # At the limit it goes through, blank rows not counted.
    at_limit = preview(
        client, xlsx_bytes([*rows[:3], [None] * len(HEADERS)]), name="r.xlsx", fmt="1"
    )
    assert at_limit.status_code == 200
    assert "confirm_form" in at_limit.context


def _bomb(member_size: int) -> bytes:
    """A zip looking like a workbook whose sheet is ``member_size`` bytes of one repeated byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * member_size)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_parsing(client, desk, cuihu, settings, upload_dir):
    bomb = _bomb(30 * 1024 * 1024)  # 30 MB of spaces pack into ~30 KB: a ratio near 1000
    assert len(bomb) < 100 * 1024

    response = preview(client, bomb, name="r.xlsx", fmt="1")

    assert response.status_code == 400
    assert "expands to more than" in page_text(response)
    assert kept_files(upload_dir) == []


def test_expanded_size_limit_counts_every_part(settings):
    settings.IMPORT_MAX_EXPANDED_BYTES = 1024 * 1024
    settings.IMPORT_MAX_COMPRESSION_RATIO = 100_000
    with pytest.raises(ImportRefused, match="expands to more than 1 MB"):
        importing.check_xlsx(_bomb(2 * 1024 * 1024))
    importing.check_xlsx(xlsx_bytes([ROW]))  # an ordinary workbook passes


@pytest.mark.parametrize(
    "data,name,fmt,expected",
    [
        (b"PK\x03\x04 not really a zip", "r.xlsx", "1", "not an XLSX workbook"),
        (b"", "r.csv", "0", "empty"),
        (b"\xff\xfe\x00\xd8\x00\xd8", "r.csv", "0", "could not be read"),
    ],
)
def test_unreadable_files_get_a_clear_message(
    client, desk, cuihu, upload_dir, data, name, fmt, expected
):
    response = preview(client, data, name=name, fmt=fmt)
    assert response.status_code in (200, 400)
    text = page_text(response)
    assert expected in text, text[:2000]
    assert "Traceback" not in text
    assert kept_files(upload_dir) == []


# --- encodings ----------------------------------------------------------------------------------


def _encoded_csv(rows, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_from_chinese_excel_is_read_in_its_encoding(cuihu, encoding):
    rows = [ROW, ["翠湖花园", "5", "", "301", "李四", "", "", "租户", "", "", "小区北门 物业费"]]
    data = _encoded_csv(rows, encoding)
    if encoding in ("gbk", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # what used to be refused

    result = residents_import(data=data, file_format="csv")

    assert import_problems(result) == []
    assert set(Resident.objects.values_list("name", flat=True)) == {"张三", "李四"}
    assert Resident.objects.get(name="李四").notes == "小区北门 物业费"


def test_gb18030_only_characters_survive(cuihu):
    row = list(ROW)
    row[4] = "张𠀀"  # outside GBK, inside GB18030
    data = _encoded_csv([row], "gb18030")

    dataset = load_dataset(data, FILE_FORMATS["csv"](), ResidentResource())

    assert dataset[0][4] == "张𠀀"


def test_gbk_csv_goes_through_the_admin(client, desk, cuihu):
    response = preview(client, _encoded_csv([ROW], "gbk"))
    assert response.status_code == 200
    done = client.post(PROCESS_IMPORT, response.context["confirm_form"].initial)
    assert done.status_code == 302
    assert Resident.objects.get().unit.building.property.name == "翠湖花园"


# --- large files: imported in the background, all or nothing ----------------------------------


def _rows(count, *, bad_at=None):
    rows = [[*ROW[:4], f"住户{n}", *ROW[5:]] for n in range(count)]
    if bad_at is not None:
        rows[bad_at][5] = "12345"
    return rows


def test_a_large_file_is_imported_in_the_background_with_a_result_page(
    client, desk, cuihu, settings, upload_dir, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 3
    response = preview(client, csv_bytes(_rows(5)))
    assert response.status_code == 200
    assert "result" not in response.context  # no row-by-row preview while the browser waits
    assert "checked and imported in the background" in " ".join(message_texts(response))

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PROCESS_IMPORT, response.context["confirm_form"].initial)

    assert done.status_code == 302
    assert "/import/job/" in done["Location"]
    assert Resident.objects.count() == 5
    page = client.get(done["Location"])
    assert page.status_code == 200
    assert page.context["job"]["state"] == "done"
    assert "Imported: 5 new, 0 updated, 0 unchanged." in page_text(page)
    assert [p.name for p in kept_files(upload_dir)] == [
        done["Location"].split("/")[-2] + ".job.json"
    ]


def test_a_large_file_with_one_bad_row_saves_nothing_and_lists_the_problem(
    client, desk, cuihu, settings, upload_dir, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 3
    response = preview(client, csv_bytes(_rows(6, bad_at=4)))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PROCESS_IMPORT, response.context["confirm_form"].initial)

    page = client.get(done["Location"])
    assert page.context["job"]["state"] == "failed"
    assert "Nothing was imported" in page_text(page)
    assert "Row 5, 电话" in page_text(page)
    assert registry_counts() == (0, 0, 0)
    assert not [p for p in kept_files(upload_dir) if p.suffix == ".upload"]


def test_a_queued_import_shows_progress_and_only_to_its_owner(
    client, desk, cuihu, settings, make_user, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 3
    response = preview(client, csv_bytes(_rows(4)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        done = client.post(PROCESS_IMPORT, response.context["confirm_form"].initial)
    job_url = done["Location"]

    waiting = client.get(job_url)
    assert waiting.context["job"]["state"] == "queued"
    assert '<meta http-equiv="refresh"' in page_text(waiting)
    assert Resident.objects.count() == 0

    intruder = Client()
    intruder.force_login(make_user(roles.FRONT_DESK, is_staff=True))
    assert intruder.get(job_url).status_code == 404
    assert client.get(job_url.replace(job_url.split("/")[-2], "f" * 32)).status_code == 404

    callbacks[0]()  # the worker picks it up
    assert client.get(job_url).context["job"]["state"] == "done"
    assert Resident.objects.count() == 4
    # Delivered twice (a worker lost after finishing): nothing happens the second time.
    from residents.tasks import run_import

    assert run_import(job_url.split("/")[-2]) == "done"
    assert Resident.objects.count() == 4
