"""Exports of a list as it is on screen: the complaint search, a desk queue, the revisit
queue and the work-order list, as XLSX and as CSV that Excel opens in Chinese; only the rows
the user may see, phones masked unless the role calls residents, capped, and every export
recorded as a data access."""

import csv
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from complaints import exports
from complaints.models import DataAccess

from . import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at(5, 10)


def body(response) -> bytes:
    if response.streaming:  # CSV streams; XLSX is a file response
        return b"".join(
            chunk if isinstance(chunk, bytes) else chunk.encode()
            for chunk in response.streaming_content
        )
    return response.content


def csv_rows(response) -> list[list[str]]:
    data = body(response)
    assert data.startswith("\ufeff".encode()), "Excel needs the byte-order mark for Chinese"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


EXPORT = "complaints.export_personal_data"


@pytest.fixture
def desk(desk):
    # Exports are a supervisor's (tests/complaints/test_export_permission.py); this desk and
    # this head were granted them, which leaves the phones' masking to their roles.
    return f.grant(desk, EXPORT)


@pytest.fixture
def head(head):
    return f.grant(head, EXPORT)


@pytest.fixture
def world(desk, head):
    """Two complaints with engineering (one received, one resolved) and one with security."""
    with time_machine.travel(f.at(2, 9), tick=False):
        received = f.complaint(desk, at=f.at(2, 9), description='=HYPERLINK("x")楼道灯坏了')
        resolved = f.complaint(
            desk,
            at=f.at(2, 9),
            res=f.resident(name="王芳", phone="+8613900001111", unit=f.unit("1202")),
            description="电梯异响",
        )
        resolved = f.advance(resolved, "resolved", desk=desk, head=head)
        security = f.staff("department_head", department_code="security")
        theirs = f.complaint(
            desk,
            at=f.at(2, 9),
            res=f.resident(name="赵强", phone="+8613700002222", unit=f.unit("1203")),
            description="门禁坏了",
        )
        theirs = f.advance(theirs, "confirmed", desk=desk, head=head)
        order = theirs.active_work_order
        order.department = f.department("security")
        order.save(update_fields=["department"])
        theirs.department = f.department("security")
        theirs.save(update_fields=["department"])
    return {"received": received, "resolved": resolved, "theirs": theirs, "security": security}


def test_the_desk_exports_its_search_as_csv_with_full_phones_and_it_is_recorded(
    client, desk, world
):
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("complaint-export", args=["csv"]), {"q": "电梯"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == 2  # the header and the one match
    assert world["resolved"].number in rows[1] and "电梯异响" in rows[1]
    assert "139 0000 1111" in rows[1]
    access = DataAccess.objects.get()
    assert access.user == desk and access.kind == "export" and access.rows == 1
    assert access.phones_included and "q=" in access.filters


def test_a_head_exports_only_the_departments_complaints_with_masked_phones(client, head, world):
    client.force_login(head)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("complaint-export", args=["xlsx"]))
    assert response.status_code == 200
    rows = xlsx_rows(response)
    numbers = {r[0] for r in rows[1:]}
    assert world["resolved"].number in numbers
    assert world["theirs"].number not in numbers  # security's
    text = repr(rows)
    assert "139****1111" in text and "13900001111" not in text and "139 0000 1111" not in text
    access = DataAccess.objects.get()
    assert access.rows == len(rows) - 1 and access.phones_included is False


def test_the_export_takes_the_filters_on_screen(client, desk, world):
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("complaint-export", args=["csv"]), {"state": "received"})
    numbers = [r[0] for r in csv_rows(response)[1:]]
    assert numbers == [world["received"].number]


def test_a_cell_that_looks_like_a_formula_is_written_as_text(client, desk, world):
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("complaint-export", args=["xlsx"]), {"state": "received"})
    row = xlsx_rows(response)[1]
    assert any(str(v).startswith("'=HYPERLINK") for v in row)


def test_the_export_stops_at_the_cap_and_records_what_it_wrote(client, desk, world, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("complaint-export", args=["csv"]))
    assert len(csv_rows(response)) == 3
    assert response["X-Export-Rows"] == "2"
    assert DataAccess.objects.get().rows == 2


@pytest.mark.parametrize("fmt", ["pdf", "xls", "csv.exe", "CSV"])
def test_an_unknown_format_is_404_and_nothing_is_recorded(client, desk, world, fmt):
    client.force_login(desk)
    response = client.get(reverse("complaint-export", args=[fmt]))
    assert response.status_code == 404
    assert not DataAccess.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"received_from": "not a date"},
        {"department": "99999999999999999999"},
        {"state": "<script>"},
        {"q": "x" * 500},
    ],
)
def test_bad_search_parameters_export_without_failing(client, desk, world, query):
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("complaint-export", args=["csv"]), query)
    assert response.status_code == 200
    csv_rows(response)


def test_a_desk_queue_is_exported_whole(client, desk, world):
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("queue-export", args=["confirm", "csv"]))
        missing = client.get(reverse("queue-export", args=["no-such-queue", "csv"]))
    assert [r[0] for r in csv_rows(response)[1:]] == [world["received"].number]
    assert missing.status_code == 404
    assert DataAccess.objects.get().what.endswith("(csv)")  # a 404 records nothing


def test_the_revisit_queue_export_keeps_its_filters(client, desk, world):
    client.force_login(desk)
    other_desk = f.grant(f.staff("front_desk"), EXPORT)
    with time_machine.travel(NOW, tick=False):
        all_of_it = client.get(reverse("revisit-export", args=["csv"]))
        client.force_login(other_desk)
        only_mine = client.get(reverse("revisit-export", args=["csv"]), {"mine": "1"})
    assert [r[0] for r in csv_rows(all_of_it)[1:]] == [world["resolved"].number]
    assert csv_rows(only_mine)[1:] == []


def test_a_head_exports_the_departments_work_orders(client, desk, head, world):
    with time_machine.travel(f.at(3, 9), tick=False):
        ours = f.advance(
            f.complaint(desk, description="水管漏水"), "confirmed", desk=desk, head=head
        )
    client.force_login(head)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("work-order-export", args=["xlsx"]))
        new_only = client.get(reverse("work-order-export", args=["csv"]), {"group": "new"})
    rows = xlsx_rows(response)
    text = repr(rows)
    assert world["theirs"].number not in text and ours.number in text
    assert "138****5678" in text and "138 1234 5678" not in text  # masked for a head
    assert len(DataAccess.objects.filter(kind="export")) == 2
    assert csv_rows(new_only)[0][0] == "派工单状态"  # the headers in the site's language


def test_the_desk_may_not_export_work_orders(client, desk, world):
    client.force_login(desk)
    assert client.get(reverse("work-order-export", args=["csv"])).status_code == 403
    assert not DataAccess.objects.exists()


def test_the_list_pages_offer_exports_with_the_filters_on_screen(client, desk, world):
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("complaint-list"), {"state": "received", "page": "2"})
    html = page.content.decode()
    assert reverse("complaint-export", args=["xlsx"]) + "?state=received" in html
    assert "page=2" not in html.split('data-testid="export-csv"')[0].rsplit("href=", 1)[-1]
