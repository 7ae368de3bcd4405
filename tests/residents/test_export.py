"""Exporting the residents registry: full phone numbers, no live formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from residents.models import Resident
from residents.resources import COLUMNS
from residents.services import import_problems, residents_export, residents_import

pytestmark = pytest.mark.django_db

DANGEROUS = {
    '=HYPERLINK("http://evil.example","点我")': '\'=HYPERLINK("http://evil.example","点我")',
    "+1": "'+1",
    "-2": "'-2",
    "@x": "'@x",
    "\tfoo": "'\tfoo",
    "\r=1+1": "'\r=1+1",
}


@pytest.fixture
def risky(make_resident):
    make_resident('=HYPERLINK("http://evil.example","点我")', "3-2-1201", notes="+1")
    make_resident("王伟", "3-2-1202", notes="-2", phone="+8613812345678")
    make_resident("李娜", "3-2-1203", notes="@x", phone="+861012345678")
    make_resident("赵敏", "3-2-1204", notes="\tfoo", relation=Resident.Relation.TENANT)
    make_resident("孙七", "3-2-1205", notes="\r=1+1", moved_in=dt.date(2020, 5, 1))


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so that Excel reads the Chinese
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_rows(data: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def _by_name(rows):
    return {row[COLUMNS["name"]]: row for row in rows}


@pytest.mark.parametrize("reader,file_format", [(_csv_rows, "csv"), (_xlsx_rows, "xlsx")])
def test_formula_cells_are_neutralised(risky, reader, file_format):
    rows = reader(residents_export(file_format=file_format))

    assert list(rows[0]) == list(COLUMNS.values())
    cells = {row[COLUMNS["notes"]] for row in rows} | {row[COLUMNS["name"]] for row in rows}
    if file_format == "xlsx":
        # XML turns a carriage return into a line feed; the quote in front is what matters.
        cells = {c.replace("\n", "\r") for c in cells}
    for original, neutralised in DANGEROUS.items():
        assert neutralised in cells, original
    assert not any(
        isinstance(c, str) and c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells
    )


@pytest.mark.parametrize("reader,file_format", [(_csv_rows, "csv"), (_xlsx_rows, "xlsx")])
def test_export_shows_full_phone_relation_label_and_location(risky, reader, file_format):
    rows = _by_name(reader(residents_export(file_format=file_format)))

    wang = rows["王伟"]
    assert wang[COLUMNS["property"]] == "翠湖花园"
    assert (wang[COLUMNS["building"]], wang[COLUMNS["stairway"]], wang[COLUMNS["room"]]) == (
        "3",
        "2",
        "1202",
    )
    assert wang[COLUMNS["phone"]] == "138 1234 5678"
    assert rows["李娜"][COLUMNS["phone"]] == "010 1234 5678"
    assert wang[COLUMNS["relation"]] == "业主"
    assert rows["赵敏"][COLUMNS["relation"]] == "租户"
    moved_in = rows["孙七"][COLUMNS["moved_in"]]
    expected = "2020-05-01" if file_format == "csv" else dt.datetime(2020, 5, 1)
    assert moved_in == expected


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_round_trips_without_duplicates(risky, file_format):
    data = residents_export(file_format=file_format)

    result = residents_import(data=data, file_format=file_format)

    assert import_problems(result) == []
    assert Resident.objects.count() == 5
    assert result.totals["new"] == 0
    # The quotes came off again (outer spaces and tabs are trimmed, as for every cell).
    assert Resident.objects.filter(name__startswith="=HYPERLINK").count() == 1
    assert set(Resident.objects.values_list("notes", flat=True)) == {
        "+1",
        "-2",
        "@x",
        "foo",
        "=1+1",
    }


def test_export_does_one_query_whatever_the_number_of_residents(
    make_resident, django_assert_max_num_queries
):
    for n in range(30):
        make_resident(f"住户{n}", f"1-1-{100 + n}")

    with django_assert_max_num_queries(2):
        residents_export(file_format="csv")
