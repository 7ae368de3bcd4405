"""The month as XLSX (one sheet per table) and CSV, safe from formula injection; the print view."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from reporting import exports, selectors, tables
from residents.spreadsheet import neutralise

from .conftest import now, the_month

pytestmark = pytest.mark.django_db

XLSX = "admin:reporting_monthlystatistics_xlsx"
CSV = "admin:reporting_monthlystatistics_csv"
PRINT = "admin:reporting_monthlystatistics_print"


def download(client, user, name, **params):
    client.force_login(user)
    with time_machine.travel(now(), tick=False):
        return client.get(reverse(name), params)


def built_tables(language="zh-hans"):
    with translation.override(language), time_machine.travel(now(), tick=False):
        stats = selectors.monthly_statistics(viewer=None, month=the_month())
        return stats, tables.build_tables(stats)


def rows_by_label(ws) -> dict[str, list]:
    return {row[0]: list(row[1:]) for row in ws.iter_rows(min_row=4, values_only=True) if row[0]}


def as_read(value):
    """A value as openpyxl reads it back: dates come back as midnight datetimes, an empty
    text as an empty cell."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    if value == "":
        return None
    return value


@pytest.fixture
def workbook(client, october, manager):
    response = download(client, manager, XLSX, month="2026-10")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert 'filename="complaint-statistics-2026-10.xlsx"' in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_xlsx_has_one_sheet_per_table_with_chinese_headers(workbook):
    _stats, built = built_tables()
    assert workbook.sheetnames == [t.title[:31] for t in built]
    assert workbook.sheetnames[0] == "关键指标与对比"
    channel = workbook["按投诉途径"]
    assert channel["A1"].value == "按投诉途径"
    assert "2026-10" in channel["A2"].value
    assert [c.value for c in channel[3]] == ["投诉途径", "投诉数", "占比", "上月", "近十二个月"]
    assert channel["A3"].font.bold and channel.freeze_panes == "B4"


def test_xlsx_holds_every_number_of_the_page(workbook):
    _stats, built = built_tables()
    for table in built:
        ws = workbook[table.title[:31]]
        written = list(ws.iter_rows(min_row=4, max_row=3 + len(table.rows), values_only=True))
        assert len(written) == len(table.rows), table.key
        for (row, cells), values in zip(table.grid(), written, strict=True):
            assert values[0] == neutralise(row.label), table.key
            expected = [as_read(exports.sheet_value(c)) for c in cells]
            assert list(values[1:]) == expected, (table.key, row.key)


def test_xlsx_numbers_by_hand(workbook, october):
    channel = rows_by_label(workbook["按投诉途径"])
    assert channel["电话"][0] == 11
    assert channel["传真"] == [0, 0, 1, 1]  # none this month, one in September
    assert channel["合计"][0] == 19
    summary = rows_by_label(workbook["关键指标与对比"])
    assert summary["受理投诉数"] == [19, 2, 17, 1, 18]
    assert summary["满意率"][0] == pytest.approx(0.8)
    timeliness = rows_by_label(workbook["处理时效"])
    assert timeliness["按时派工"] == [6, pytest.approx(6 / 7, abs=1e-6)]
    assert timeliness["期末（或当前）仍超时未解决"][0] == 2
    assert workbook["处理时效"]["C5"].number_format == "0.0%"
    serious = rows_by_label(workbook["重大及重要投诉清单"])
    assert list(serious) == [october[k].number for k in ("B", "C", "G", "J")]
    assert serious[october["C"].number][0] == dt.datetime(2026, 10, 5, 9, 0)  # local time
    assert serious[october["C"].number][7] == 800.0
    corrective = rows_by_label(workbook["纠正与预防措施"])
    assert corrective["本期报告的经济损失（元）"] == [2900.0]


def test_text_that_looks_like_a_formula_is_written_as_text(workbook, october):
    serious = rows_by_label(workbook["重大及重要投诉清单"])
    assert serious[october["G"].number][5].startswith("'=1+1")
    actions = rows_by_label(workbook["未关闭的纠正措施"])
    assert '\'=HYPERLINK("http://x")' in actions


def test_csv_has_every_table_and_neutralised_text(client, october, manager):
    response = download(client, manager, CSV, month="2026-10")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    _stats, built = built_tables()
    titles = [r[0] for r in rows if len(r) == 1]
    for table in built:
        assert table.title in titles
    assert ["电话", "11", "57.9%", "1", "12"] in rows
    assert any(r and r[0] == '\'=HYPERLINK("http://x")' for r in rows)
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)


def test_exports_follow_the_chosen_language(client, october, manager):
    client.force_login(manager)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    with time_machine.travel(now(), tick=False):
        response = client.get(reverse(XLSX), {"month": "2026-10"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Key figures and comparison"
    assert rows_by_label(workbook["By channel"])["phone"][0] == 11


def test_export_of_a_bad_month_is_refused_with_a_message(client, manager):
    response = download(client, manager, XLSX, month="2026-13")
    assert response.status_code == 400
    assert "2026-10" in response.content.decode()


def test_export_of_an_empty_month_has_zeros(client, manager):
    response = download(client, manager, XLSX, month="2020-02")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert rows_by_label(workbook["按投诉途径"])["合计"][0] == 0
    assert list(rows_by_label(workbook["重大及重要投诉清单"])) == []


def test_print_view_for_the_meeting(client, october, manager):
    response = download(client, manager, PRINT, month="2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert "css/reporting-print.css" in html and "@page" not in html  # styles in the file
    assert 'data-cell="channel.phone.count">11<' in html
    assert reverse("admin:complaints_complaint_changelist") not in html  # no links on paper
    assert "客户投诉统计分析表" in html


def test_sheet_values_keep_numbers_as_numbers():
    cell = tables.Cell(Decimal("12.50"), tables.MONEY)
    assert exports.sheet_value(cell) == 12.5
    assert exports.sheet_value(tables.Cell("-1", tables.TEXT)) == "'-1"
    assert exports.sheet_value(tables.Cell(-1, tables.DELTA)) == -1
    assert exports.sheet_value(tables.Cell(None, tables.RATE)) is None
