"""Naughty strings in, every spreadsheet out: each export still opens.

A contact name holding U+FFFE once made the XLSX export unreadable.  The corpus below goes in
through the forms (where the characters XML forbids are removed) and straight into the
database (as text saved before that rule); every XLSX writer must still produce a workbook
openpyxl opens, with the readable text kept.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from complaints.forms import ProgressForm, ReasonForm
from complaints.models import Category, Complaint, Department
from residents.models import Property, Resident
from residents.resources import COLUMNS
from residents.safetext import XML_FORBIDDEN, xml_safe
from residents.services import residents_export
from residents.spreadsheet import MAX_CELL_CHARS, neutralise
from tests.complaints import factories as f

from .conftest import now

pytestmark = pytest.mark.django_db

NAUGHTY = [
    "nul\x00inside",
    "non-characters \ufffe and \uffff",
    "controls \x01\x02\x08\x0b\x0c\x0e\x1f end",
    "lone surrogate \ud800 here",
    "bom \ufeff zero-width \u200b joiner",
    "\u202eRTL override\u202c 回车",
    "emoji 😀👨‍👩‍👧 🏠",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇ zalgo",
    "Robert'); DROP TABLE complaints;--",
    "<script>alert('xss')</script><img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example","点我")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab\tand\r\nnew line",
    "%s %(name)s {0} {{ user }} ${7*7}",
    "' OR '1'='1",
    "长" * 40_000,
]


def storable(text: str) -> str:
    """What a database accepts as is: PostgreSQL refuses NUL and nobody stores a lone
    surrogate (it has no UTF-8 form)."""
    text = text.replace("\ud800", "")
    if connection.vendor == "postgresql":
        text = text.replace("\x00", "")
    return text


def short(text: str, limit: int) -> str:
    return storable(text)[:limit]


def open_xlsx(content: bytes):
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [
        value
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    ]
    return book, cells


def assert_clean(cells):
    for value in cells:
        assert not XML_FORBIDDEN.search(value), repr(value[:80])
        assert len(value) <= MAX_CELL_CHARS


# --- the cleaning itself ------------------------------------------------------------------------


@pytest.mark.parametrize("text", NAUGHTY)
def test_xml_safe_keeps_readable_text_and_drops_only_forbidden_characters(text):
    cleaned = xml_safe(text)
    assert not XML_FORBIDDEN.search(cleaned)
    assert cleaned == "".join(ch for ch in text if not XML_FORBIDDEN.match(ch))
    assert "\t" in xml_safe("a\tb") and "\n" in xml_safe("a\r\nb")
    assert xml_safe("emoji 😀 \u202e") == "emoji 😀 \u202e"  # legitimate text is kept


@pytest.mark.parametrize("text", [t for t in NAUGHTY if "\x00" not in t])
def test_desk_forms_remove_forbidden_characters_at_intake(text):
    form = ProgressForm(data={"note": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["note"] == xml_safe(text).strip()
    reason = ReasonForm(data={"reason": "原因\ufffe" + text[:100]})
    assert reason.is_valid()
    assert not XML_FORBIDDEN.search(reason.cleaned_data["reason"])


def test_a_nul_is_refused_by_the_form_not_stored():
    assert not ProgressForm(data={"note": "a\x00b"}).is_valid()


def test_registry_admin_form_removes_forbidden_characters(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    client.force_login(root)
    unit = f.unit("1201")

    response = client.post(
        reverse("admin:residents_resident_add"),
        {
            "unit": unit.pk,
            "name": "王\ufffe伟\x0b",
            "relation": "owner",
            "phone": "",
            "phone_alt": "",
            "notes": "备注\x1f\uffff 😀 \u202e",
            "language": "zh-hans",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    resident = Resident.objects.get()
    assert resident.name == "王伟"
    assert resident.notes == "备注 😀 \u202e"


# --- every export after the corpus went in -----------------------------------------------------


@pytest.fixture
def naughty_registry(desk):
    """Residents and complaints whose every text field holds a naughty string."""
    estate = f.estate()
    residents = []
    for n, text in enumerate(NAUGHTY):
        residents.append(
            Resident.objects.create(
                unit=f.unit(str(1000 + n), prop=estate),
                name=short(text, 50),
                phone=f"+86138{n:08d}",
                notes=storable(text),
            )
        )
    for res, text in zip(residents, NAUGHTY, strict=True):
        complaint = f.complaint(desk, res=res, description="投诉 " + storable(text)[:1000])
        Complaint.objects.filter(pk=complaint.pk).update(
            contact_name=short(text, 50), demand=storable(text)
        )
    return residents


def test_admin_residents_export_opens_after_the_corpus(client, naughty_registry, django_user_model):
    root = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    client.force_login(root)
    form = {"resource": "0", **{f"residentresource_{name}": "on" for name in COLUMNS}}

    xlsx = client.post(reverse("admin:residents_resident_export"), {**form, "format": "1"})
    csv_response = client.post(reverse("admin:residents_resident_export"), {**form, "format": "0"})

    assert xlsx.status_code == 200
    book, cells = open_xlsx(xlsx.content)
    assert_clean(cells)
    assert book.active.max_row == len(NAUGHTY) + 1
    assert "emoji 😀👨‍👩‍👧 🏠" in cells
    assert '\'=HYPERLINK("http://evil.example","点我")' in cells
    assert csv_response.status_code == 200
    assert not XML_FORBIDDEN.search(csv_response.content.decode("utf-8-sig"))


def test_residents_export_service_opens_after_the_corpus(naughty_registry):
    _book, cells = open_xlsx(residents_export(file_format="xlsx"))
    assert_clean(cells)
    assert any(value.startswith("长" * 100) and value.endswith("…") for value in cells)


def test_admin_complaints_export_opens_after_the_corpus(client, naughty_registry):
    client.force_login(f.staff("manager"))
    response = client.post(
        reverse("admin:complaints_complaint_export"),
        {
            "format": "1",
            "resource": "0",
            **{
                f"complaintresource_{k}": "on"
                for k in ("number", "contact_name", "description", "demand", "estate", "room")
            },
        },
    )
    assert response.status_code == 200
    book, cells = open_xlsx(response.content)
    assert_clean(cells)
    assert book.active.max_row == len(NAUGHTY) + 1
    assert "<script>alert('xss')</script><img src=x onerror=alert(1)>" in cells


def test_monthly_statistics_xlsx_opens_after_the_corpus(client, october, manager):
    """Names that reach the statistics (estates, categories, departments) hold the corpus."""
    for model, field, limit in ((Property, "name", 100), (Category, "name", 50)):
        for n, obj in enumerate(model.objects.order_by("pk")):
            text = NAUGHTY[n % len(NAUGHTY)]
            setattr(obj, field, f"{n}{short(text, limit - 3)}")
            obj.save(update_fields=[field])
    for n, dept in enumerate(Department.objects.order_by("pk")):
        dept.name = f"{n}{short(NAUGHTY[(n + 1) % len(NAUGHTY)], 40)}"
        dept.save(update_fields=["name"])
    client.force_login(manager)

    with time_machine.travel(now(), tick=False):
        response = client.get(
            reverse("admin:reporting_monthlystatistics_xlsx"), {"month": "2026-10"}
        )
        csv_response = client.get(
            reverse("admin:reporting_monthlystatistics_csv"), {"month": "2026-10"}
        )

    assert response.status_code == 200
    _book, cells = open_xlsx(response.content)
    assert_clean(cells)
    assert csv_response.status_code == 200


def test_neutralise_cuts_overlong_text_to_a_cell():
    assert len(neutralise("x" * 100_000)) == MAX_CELL_CHARS
    assert neutralise("=1+1\ufffe") == "'=1+1"
