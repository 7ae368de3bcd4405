"""The exports stream the long lists: a month of tens of thousands of major and important
complaints is read in chunks and written row by row to a write-only workbook, so the memory
an export takes does not grow with the number of complaints it lists."""

from __future__ import annotations

import gc
import io
import tracemalloc
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from complaints.models import Complaint
from reporting import exports, selectors, tables, views
from tests.complaints import factories as f

from .conftest import create, now, oct_, the_month

pytestmark = pytest.mark.django_db

XLSX = "admin:reporting_monthlystatistics_xlsx"
CSV = "admin:reporting_monthlystatistics_csv"
PRINT = "admin:reporting_monthlystatistics_print"


def add_serious(desk, count: int, *, first: int = 0) -> None:
    """``count`` more major and important complaints in October 2026, none with an action
    (so each is on both lists), copied from one complaint made through the services."""
    model = create(desk, oct_(1, 8), category=f.category("equipment-3"))
    department = f.department("engineering")
    copies = []
    for n in range(first, first + count):
        c = Complaint.objects.get(pk=model.pk)
        c.pk = None
        c.number = f"TS-202610-9{n:05d}"
        c.received_at = oct_(1 + n % 28, 9, n % 60)
        c.severity = "major" if n % 2 else "important"
        c.validity = "valid"
        c.department = department
        c.description = f"第{n}号：楼道灯坏了三天 " + "电梯停运" * (n % 7)
        c.economic_loss = Decimal(n % 900) if n % 3 else None
        copies.append(c)
    Complaint.objects.bulk_create(copies)
    model.delete()


def statistics(**kwargs):
    with time_machine.travel(now(), tick=False):
        return selectors.monthly_statistics(viewer=None, month=the_month(), **kwargs)


def export_xlsx() -> bytes:
    with translation.override("zh-hans"), time_machine.travel(now(), tick=False):
        stats = selectors.monthly_statistics(viewer=None, month=the_month())
        return exports.xlsx_bytes(stats, tables.build_tables(stats))


def download(client, user, name, **params):
    client.force_login(user)
    with time_machine.travel(now(), tick=False):
        return client.get(reverse(name), {"month": "2026-10", **params})


@pytest.fixture
def iterations(monkeypatch):
    """Every ``QuerySet.iterator`` call as (model, chunk_size), the iterator still working."""
    calls = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        calls.append((self.model, chunk_size))
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    return calls


def test_the_exports_lists_are_read_in_chunks_not_held(desk, iterations):
    add_serious(desk, 3)
    stats = statistics()
    assert isinstance(stats.serious, selectors.ComplaintList)
    assert isinstance(stats.missing_actions, selectors.ComplaintList)
    built = {t.key: t for t in tables.build_tables(stats)}
    assert isinstance(built["serious_list"].rows, tables.RowStream)
    assert isinstance(built["missing_actions"].rows, tables.RowStream)
    assert iterations == []  # nothing read yet

    with time_machine.travel(now(), tick=False):
        book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(stats, list(built.values()))))
    chunked = [(Complaint, selectors.LIST_CHUNK_SIZE)] * 2
    assert iterations == chunked  # each list read once, in chunks
    assert book[built["serious_list"].title].max_row == 3 + 3

    iterations.clear()
    with time_machine.travel(now(), tick=False):
        text = exports.csv_text(stats, list(built.values()))
    assert iterations == chunked
    assert text.count("TS-202610-9") == 6  # three complaints on each list


def test_the_page_keeps_its_short_lists(desk, iterations):
    add_serious(desk, 3)
    stats = statistics(list_limit=2)
    assert [len(stats.serious), len(stats.missing_actions)] == [2, 2]
    built = {t.key: t for t in tables.build_tables(stats)}
    assert isinstance(built["serious_list"].rows, list)
    assert "the export lists all of them" in built["serious_list"].note
    assert iterations == []


def test_the_workbook_is_written_row_by_row(desk, monkeypatch):
    made = []
    original = exports.Workbook

    def spy(*args, **kwargs):
        made.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(exports, "Workbook", spy)
    add_serious(desk, 2)
    export_xlsx()
    assert made == [{"write_only": True}]


def test_a_row_stream_is_read_afresh_each_time_and_kept_nowhere():
    made = []

    def rows():
        made.append(1)
        yield tables.Row("a", "A", {"n": tables.Cell(1)})
        yield tables.Row("b", "B", {"n": tables.Cell(2)})

    table = tables.Table("t", "T", "x", [tables.Column("n", "n")], rows=tables.RowStream(rows))
    assert [row.key for row, _cells in table.grid()] == ["a", "b"]
    assert [row.key for row, _pairs in table.html_rows()] == ["a", "b"]
    assert len(table.rows) == 2 and table.rows
    assert table.cell("b", "n").value == 2
    assert len(made) == 5
    assert not tables.RowStream(lambda: iter(()))


def test_a_long_list_keeps_the_sheets_look(desk, monkeypatch):
    """Widths are measured on the first rows only (a write-only sheet takes them before its
    rows), and every row keeps its borders and number formats."""
    monkeypatch.setattr(exports, "WIDTH_SAMPLE", 2)
    add_serious(desk, 6)
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx()))
    ws = book["重大及重要投诉清单"]
    assert ws.freeze_panes == "B4"
    assert (
        ws["A1"].font.bold and ws["A3"].font.bold and ws["A3"].fill.fgColor.rgb.endswith("305496")
    )
    assert [ws.cell(row=3, column=n).value for n in (1, 2, 9)] == [
        "编号",
        "受理时间",
        "经济损失（元）",
    ]
    assert ws.max_row == 3 + 6
    assert ws.column_dimensions["A"].width == len("TS-202610-900000") + 2
    assert ws.column_dimensions["B"].width == len("2026-10-01 09:00") + 2
    for row in range(4, 10):
        assert ws.cell(row=row, column=2).number_format == "yyyy-mm-dd hh:mm"
        assert ws.cell(row=row, column=2).border.left.style == "thin"
    money = [ws.cell(row=r, column=9) for r in range(4, 10) if ws.cell(row=r, column=9).value]
    assert money and all(c.number_format == "#,##0.00" for c in money)
    corrective = book["纠正与预防措施"]
    labels = {c.value: c for c in corrective["A"] if c.value}
    assert labels["重大及重要投诉"].fill.fgColor.rgb.endswith("DDEBF7")
    assert labels["其中尚无纠正措施"].alignment.indent == 1
    assert corrective.cell(row=corrective.max_row, column=1).value.startswith("重大")  # the note


def test_an_exports_queries_do_not_grow_with_the_complaints_listed(client, desk, manager):
    """Only the columns the tables show are read, and nothing more is loaded per complaint."""

    def queries(name):
        download(client, manager, name)  # warm caches (content types, the session)
        with CaptureQueriesContext(connection) as ctx:
            response = download(client, manager, name)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add_serious(desk, 2)
    few = [queries(XLSX), queries(CSV)]
    add_serious(desk, 8, first=100)
    assert [queries(XLSX), queries(CSV)] == few


def test_the_csv_response_holds_every_row_once(client, desk, manager):
    add_serious(desk, 3)
    response = download(client, manager, CSV)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff") and text.count("\ufeff") == 1
    assert text.count("TS-202610-9") == 6


def test_the_print_view_lists_a_few_pages_and_says_so(client, desk, manager, monkeypatch):
    monkeypatch.setattr(views, "PRINT_LIST_LIMIT", 2)
    add_serious(desk, 3)
    html = download(client, manager, PRINT).content.decode()
    listed = html.split('<table data-table="serious_list">')[1].split("</table>")[0]
    assert listed.count('<tr class="') == 2
    assert "此处只列出前 2" in html or "Only the first 2 are listed here" in html


def _peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_memory_of_an_export_does_not_grow_with_the_complaints_listed(desk, monkeypatch):
    """Four times the complaints, about the same peak: the lists are read a chunk at a time
    and each row is written out as it is made.  (Held in memory, the 450 complaints more
    would add several megabytes.)"""
    monkeypatch.setattr(selectors, "LIST_CHUNK_SIZE", 25)
    monkeypatch.setattr(exports, "WIDTH_SAMPLE", 10)
    add_serious(desk, 150)
    export_xlsx()  # warm the caches (translations, URL patterns, openpyxl's styles)
    few = _peak(export_xlsx)
    add_serious(desk, 450, first=1000)
    many = _peak(export_xlsx)
    assert many - few < 1_000_000, (few, many)
