"""Phone masking, room references and the registry search."""

from __future__ import annotations

import datetime as dt

import pytest
from model_bakery import baker
from phonenumber_field.phonenumber import PhoneNumber

from residents.models import Resident, Unit, mask_phone, parse_room
from residents.spreadsheet import (
    cell_text,
    format_phone,
    neutralise,
    normalise_phone,
    parse_date,
    unneutralise,
)


@pytest.mark.parametrize(
    "number,masked",
    [
        ("+8613812345678", "138****5678"),
        ("13812345678", "138****5678"),
        (PhoneNumber.from_string("+8613812345678"), "138****5678"),
        # Landlines keep their area code with its trunk 0.
        (PhoneNumber.from_string("010-12345678", region="CN"), "010****5678"),
        (PhoneNumber.from_string("0571-88886666", region="CN"), "0571****6666"),
        ("+861012345678", "010****5678"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone_hides_the_middle_digits(number, masked):
    assert mask_phone(number) == masked


@pytest.mark.django_db
def test_masked_phone_of_a_saved_resident(make_resident):
    resident = make_resident("王伟", phone="138 1234 5678")
    resident.refresh_from_db()
    assert resident.phone.as_e164 == "+8613812345678"
    assert resident.masked_phone == "138****5678"
    assert make_resident("李娜", "3-2-1202").masked_phone == ""


@pytest.mark.parametrize(
    "text,e164",
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        (13812345678, "+8613812345678"),
        (8613812345678.0, "+8613812345678"),
        ("010-12345678", "+861012345678"),
        ("0571 8888 6666", "+8657188886666"),
        ("+1 201-555-0123", "+12015550123"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_cells_are_normalised_to_e164(text, e164):
    assert normalise_phone(text) == e164


@pytest.mark.parametrize("text", ["12345", "1381234567", "phone", "138123456789012"])
def test_invalid_phone_cells_are_refused(text):
    with pytest.raises(ValueError):
        normalise_phone(text)


def test_phone_is_exported_the_way_people_write_it():
    assert format_phone("+8613812345678") == "138 1234 5678"
    assert format_phone("+861012345678") == "010 1234 5678"
    assert format_phone("+12015550123") == "+1 201-555-0123"
    assert format_phone("") == ""


@pytest.mark.parametrize(
    "text,parts",
    [
        ("3-2-1201", {"building": "3", "stairway": "2", "room": "1201"}),
        ("3栋2单元1201", {"building": "3", "stairway": "2", "room": "1201"}),
        ("3栋2单元1201室", {"building": "3", "stairway": "2", "room": "1201"}),
        ("3-1201", {"building": "3", "room": "1201"}),
        ("1201", {"room": "1201"}),
        (" 1201 ", {"room": "1201"}),
        ("王伟", None),
        ("abc", None),
        ("1-2-3-4", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_room(text, parts):
    assert parse_room(text) == parts


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2024-01-05", dt.date(2024, 1, 5)),
        ("2024/1/5", dt.date(2024, 1, 5)),
        ("2024-01-05 00:00:00", dt.date(2024, 1, 5)),
        ("2024年1月5日", dt.date(2024, 1, 5)),
        (dt.datetime(2024, 1, 5, 0, 0), dt.date(2024, 1, 5)),
        (dt.date(2024, 1, 5), dt.date(2024, 1, 5)),
        (45296, dt.date(2024, 1, 5)),  # Excel day number
        ("", None),
        (None, None),
    ],
)
def test_date_cells(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2024-13-01", "05/01/2024", "yesterday", -3, 1.5])
def test_bad_date_cells_are_refused(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    "value,safe",
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tfoo", "'\tfoo"),
        ("\rfoo", "'\rfoo"),
        ("王伟", "王伟"),
        ("a=b", "a=b"),
        ("", ""),
        (dt.date(2024, 1, 5), dt.date(2024, 1, 5)),
        (None, None),
    ],
)
def test_neutralise_quotes_formula_prefixes_and_import_takes_the_quote_off(value, safe):
    assert neutralise(value) == safe
    if isinstance(value, str):
        assert unneutralise(safe) == value


def test_cell_text_reads_numbers_as_typed():
    assert cell_text(1201.0) == "1201"
    assert cell_text(3) == "3"
    assert cell_text("  王伟 ") == "王伟"
    assert cell_text("'=x") == "=x"
    assert cell_text("'quoted") == "'quoted"
    assert cell_text(None) == ""


@pytest.fixture
def registry(make_resident):
    return {
        "wang": make_resident("王伟", "3-2-1201", phone="+8613812345678"),
        "wang_son": make_resident("王小明", "3-2-1201", phone_alt="+8613900001111"),
        "li": make_resident("李娜", "3-1-1201", phone="+8613700002222"),
        "zhao": make_resident("赵敏", "5-2-1201", phone="+861012345678"),
        "sun": make_resident("孙七", "3-2-1202"),
    }


def _names(queryset):
    return set(queryset.values_list("name", flat=True))


@pytest.mark.django_db
def test_search_by_name(registry):
    assert _names(Resident.objects.search("王")) == {"王伟", "王小明"}
    assert _names(Resident.objects.search("李娜")) == {"李娜"}


@pytest.mark.django_db
def test_search_by_any_part_of_a_phone_number(registry):
    assert _names(Resident.objects.search("5678")) == {"王伟", "赵敏"}
    assert _names(Resident.objects.search("1234")) == {"王伟", "赵敏"}
    assert _names(Resident.objects.search("139 0000")) == {"王小明"}  # other phone, spaced
    assert _names(Resident.objects.search("2222")) == {"李娜"}


@pytest.mark.django_db
def test_search_by_room(registry):
    assert _names(Resident.objects.search("3-2-1201")) == {"王伟", "王小明"}
    assert _names(Resident.objects.search("3栋2单元1201")) == {"王伟", "王小明"}
    assert _names(Resident.objects.search("3-1202")) == {"孙七"}
    assert _names(Resident.objects.search("1201")) == {"王伟", "王小明", "李娜", "赵敏"}


@pytest.mark.django_db
def test_search_for_nothing_or_junk_finds_nobody(registry):
    assert _names(Resident.objects.search("")) == set()
    assert _names(Resident.objects.search("不存在的人")) == set()


@pytest.mark.django_db
def test_units_matching_room(registry):
    assert [u.label for u in Unit.objects.matching_room("3-2-1201")] == ["3-2-1201"]
    assert Unit.objects.matching_room("junk!").count() == 0
    assert {u.label for u in Unit.objects.matching_room("1201")} == {
        "3-2-1201",
        "3-1-1201",
        "5-2-1201",
    }


@pytest.mark.django_db
def test_room_search_spans_properties(registry, make_resident):
    other = baker.make("residents.Property", name="金色家园", code="jinse")
    make_resident("周八", "3-2-1201", prop=other)
    assert _names(Resident.objects.search("3-2-1201")) == {"王伟", "王小明", "周八"}
