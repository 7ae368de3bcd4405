"""Importing the residents registry from CSV and XLSX: all rows or none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from model_bakery import baker
from tablib import Dataset

from residents.importing import ImportRefused
from residents.models import Building, Resident, Unit
from residents.resources import ResidentResource
from residents.services import import_problems, residents_import

from .files import HEADERS, csv_bytes, registry_counts, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the interface defaults to Chinese)."""
    with translation.override("en"):
        yield


GOOD_ROWS = [
    ["翠湖花园", "3", "2", "1201", "王伟", "138 1234 5678", "", "业主", "2020-05-01", "", ""],
    [
        "翠湖花园",
        "3栋",
        "2单元",
        "1201",
        "王小明",
        "+86 139-8765-4321",
        "",
        "家庭成员",
        "2020/05/01",
        "",
        "",
    ],
    [
        "翠湖花园",
        "5",
        "",
        "301",
        "李娜",
        "0571-88886666",
        "13700001111",
        "tenant",
        "2023-09-15",
        "2024-08-31",
        "租期一年",
    ],
]


def test_good_csv_saves_every_row_and_creates_the_units(cuihu):
    result = residents_import(data=csv_bytes(GOOD_ROWS), file_format="csv")

    assert import_problems(result) == []
    assert result.totals["new"] == 3
    wang = Resident.objects.get(name="王伟")
    assert wang.unit.label == "3-2-1201"
    assert wang.unit.building.property == cuihu
    assert wang.phone.as_e164 == "+8613812345678"
    assert wang.relation == Resident.Relation.OWNER
    assert wang.moved_in == dt.date(2020, 5, 1)
    son = Resident.objects.get(name="王小明")
    assert son.unit == wang.unit  # "3栋" / "2单元" are building 3, stairway 2
    assert son.phone.as_e164 == "+8613987654321"
    assert son.relation == Resident.Relation.FAMILY
    li = Resident.objects.get(name="李娜")
    assert li.unit.label == "5-301"
    assert li.phone.as_e164 == "+8657188886666"
    assert li.phone_alt.as_e164 == "+8613700001111"
    assert li.relation == Resident.Relation.TENANT
    assert li.moved_out == dt.date(2024, 8, 31)
    assert li.notes == "租期一年"
    assert set(Building.objects.values_list("number", flat=True)) == {"3", "5"}
    assert Unit.objects.count() == 2


def test_good_xlsx_with_number_and_date_cells_is_saved(cuihu):
    rows = [
        # Excel hands back numbers for the building, room and phone, and dates as datetimes.
        [
            "翠湖花园",
            3,
            2,
            1201,
            "王伟",
            13812345678,
            None,
            "owner",
            dt.datetime(2020, 5, 1),
            None,
            None,
        ],
        ["翠湖花园", 6, 1, 502, "赵敏", "13900002222", None, "租户", 45292, None, "Excel 日期序号"],
    ]

    result = residents_import(data=xlsx_bytes(rows), file_format="xlsx")

    assert import_problems(result) == []
    wang = Resident.objects.get(name="王伟")
    assert wang.unit.label == "3-2-1201"
    assert wang.phone.as_e164 == "+8613812345678"
    assert wang.moved_in == dt.date(2020, 5, 1)
    zhao = Resident.objects.get(name="赵敏")
    assert zhao.unit.label == "6-1-502"
    assert zhao.relation == Resident.Relation.TENANT
    assert zhao.moved_in == dt.date(2024, 1, 1)  # Excel day 45292
    assert Unit.objects.count() == 2


def test_existing_units_are_reused(cuihu):
    building = baker.make(Building, property=cuihu, number="3", name="3栋")
    unit = baker.make(Unit, building=building, stairway="2", room="1201", floor=12)

    residents_import(data=csv_bytes(GOOD_ROWS[:2]), file_format="csv")

    assert Building.objects.count() == 1
    assert Unit.objects.count() == 1
    assert set(unit.residents.values_list("name", flat=True)) == {"王伟", "王小明"}


BAD_ROWS = [
    GOOD_ROWS[0],
    ["金色家园", "1", "1", "101", "张三", "13812345678", "", "业主", "2020-01-01", "", ""],
    ["翠湖花园", "1", "1", "102", "李四", "12345", "", "业主", "2020-01-01", "", ""],
    ["翠湖花园", "1", "1", "103", "王五", "13812345678", "", "房东", "2020-01-01", "", ""],
    ["翠湖花园", "1", "1", "104", "赵六", "13812345678", "", "业主", "2020-13-45", "", ""],
    GOOD_ROWS[2],
]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_bad_rows_are_reported_by_row_and_nothing_is_saved(cuihu, file_format):
    data = csv_bytes(BAD_ROWS) if file_format == "csv" else xlsx_bytes(BAD_ROWS)
    before = registry_counts()

    result = residents_import(data=data, file_format=file_format)

    assert registry_counts() == before  # no resident, building or unit from the file
    problems = import_problems(result)
    assert [row.number for row in result.invalid_rows] == [2, 3, 4, 5]
    assert any(p.startswith("Row 2, 小区") and "金色家园" in p for p in problems), problems
    assert any(p.startswith("Row 3, 电话") and "12345" in p for p in problems), problems
    assert any(p.startswith("Row 4, 关系") and "房东" in p for p in problems), problems
    assert any(p.startswith("Row 5, 入住日期") and "2020-13-45" in p for p in problems), problems
    assert len(problems) == 4


def test_a_bad_row_rolls_back_even_outside_a_dry_run(cuihu):
    """The API call itself refuses to keep the good rows, whatever the caller asks for."""
    dataset = Dataset().load(csv_bytes(BAD_ROWS).decode("utf-8-sig"), format="csv")
    before = registry_counts()

    result = ResidentResource().import_data(
        dataset, dry_run=False, use_transactions=False, rollback_on_validation_errors=False
    )

    assert result.has_validation_errors()
    assert registry_counts() == before


def test_missing_values_and_reversed_dates_are_explained(cuihu):
    rows = [
        ["", "1", "", "", "", "", "", "", "", "", ""],
        ["翠湖花园", "1", "", "101", "孙七", "", "", "", "2024-05-01", "2024-04-01", ""],
    ]

    result = residents_import(data=csv_bytes(rows), file_format="csv")

    problems = import_problems(result)
    assert Resident.objects.count() == 0
    assert Unit.objects.count() == 0
    first = result.invalid_rows[0].error_dict
    assert set(first) >= {"小区", "房号", "姓名"}
    assert "Row 2: The move-out date cannot be before the move-in date." in problems


def test_overlong_room_is_a_row_error_not_a_crash(cuihu):
    rows = [["翠湖花园", "1", "", "12345678901", "周八", "", "", "", "", "", ""]]

    result = residents_import(data=csv_bytes(rows), file_format="csv")

    assert [row.number for row in result.invalid_rows] == [1]
    assert "房号" in result.invalid_rows[0].error_dict
    assert Unit.objects.count() == 0


def test_reimport_updates_instead_of_duplicating(cuihu):
    residents_import(data=csv_bytes(GOOD_ROWS), file_format="csv")
    changed = [list(row) for row in GOOD_ROWS]
    changed[0][5] = "13900009999"
    changed[0][10] = "换了号码"

    result = residents_import(data=csv_bytes(changed), file_format="csv")

    assert import_problems(result) == []
    assert result.totals["update"] == 1
    assert result.totals["skip"] == 2  # unchanged rows are left alone
    assert result.totals["new"] == 0
    assert Resident.objects.count() == 3
    wang = Resident.objects.get(name="王伟")
    assert wang.phone.as_e164 == "+8613900009999"
    assert wang.notes == "换了号码"


def test_blank_relation_keeps_the_current_one(make_resident):
    tenant = make_resident("李娜", "5--301", relation=Resident.Relation.TENANT)
    rows = [["翠湖花园", "5", "", "301", "李娜", "", "", "", "", "", "备注"]]

    residents_import(data=csv_bytes(rows), file_format="csv")

    tenant.refresh_from_db()
    assert tenant.relation == Resident.Relation.TENANT
    assert tenant.notes == "备注"


def test_trailing_blank_lines_are_ignored(cuihu):
    rows = [GOOD_ROWS[0], [""] * len(HEADERS), [None] * len(HEADERS)]

    result = residents_import(data=xlsx_bytes(rows), file_format="xlsx")

    assert import_problems(result) == []
    assert Resident.objects.count() == 1


def test_missing_key_column_is_a_file_error(cuihu):
    headers = [h for h in HEADERS if h != "房号"]

    with pytest.raises(ImportRefused) as refused:
        residents_import(
            data=csv_bytes([GOOD_ROWS[0][:3] + GOOD_ROWS[0][4:]], headers), file_format="csv"
        )

    assert "no column 房号" in refused.value.message
    assert "小区、楼栋、单元、房号、姓名、电话" in refused.value.message  # the expected headers
    assert Resident.objects.count() == 0


def test_dry_run_saves_nothing(cuihu):
    result = residents_import(data=csv_bytes(GOOD_ROWS), file_format="csv", dry_run=True)

    assert result.totals["new"] == 3
    assert registry_counts() == (0, 0, 0)


def test_ambiguous_resident_is_a_row_error(make_resident):
    make_resident("王伟", "3-2-1201")
    make_resident("王伟", "3-2-1201")

    result = residents_import(data=csv_bytes(GOOD_ROWS[:1]), file_format="csv")

    assert import_problems(result) == [
        "Row 1: More than one resident named “王伟” is registered in 3-2-1201; "
        "merge them in the registry before importing."
    ]
    assert Resident.objects.count() == 2
