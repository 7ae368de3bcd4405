"""Lists as spreadsheets: the complaint search, a desk queue, the work-order list.

Rows come from a queryset the caller has already limited to what the user may see; they are
read with ``iterator()`` and written as they come (CSV streamed to the browser, XLSX through
openpyxl's write-only mode into a temporary file), so memory stays flat however long the
list.  At most :data:`MAX_ROWS` rows are written.  A phone number is written whole only when
the caller says so (roles that may reveal phones); otherwise masked as on the pages.  Every
text cell is neutralised against spreadsheet formulas.

The CSV starts with a byte-order mark, so Excel opens the Chinese correctly.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from residents.models import mask_phone
from residents.spreadsheet import neutralise

MAX_ROWS = 50_000
CHUNK = 2_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable  # (row object, full_phones) -> cell value


def _time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _phone(number, full: bool) -> str:
    if not number:
        return ""
    if not full:
        return mask_phone(number)
    try:
        return number.as_national
    except AttributeError:
        return str(number)


def _complaint_columns(path: Callable) -> list[Column]:
    """The complaint's columns, reading the complaint through ``path`` from the row object."""

    def of(fn):
        return lambda obj, full: fn(path(obj), full)

    return [
        Column(_("Number"), of(lambda c, full: c.number)),
        Column(_("State"), of(lambda c, full: c.get_state_display())),
        Column(_("Class"), of(lambda c, full: c.get_severity_display())),
        Column(_("Received at"), of(lambda c, full: _time(c.received_at))),
        Column(_("Channel"), of(lambda c, full: c.get_channel_display())),
        Column(_("Contact"), of(lambda c, full: c.contact_name)),
        Column(_("Phone"), of(lambda c, full: _phone(c.contact_phone, full))),
        Column(
            _("Property"),
            of(lambda c, full: c.unit.building.property.name if c.unit_id else ""),
        ),
        Column(_("Unit"), of(lambda c, full: c.unit.label if c.unit_id else "")),
        Column(_("Category"), of(lambda c, full: str(c.category) if c.category_id else "")),
        Column(_("What happened"), of(lambda c, full: c.description)),
        Column(_("Department"), of(lambda c, full: c.department.name if c.department_id else "")),
        Column(_("Resolution deadline"), of(lambda c, full: _time(c.resolve_due_at))),
        Column(_("Resolved at"), of(lambda c, full: _time(c.resolved_at))),
        Column(_("Revisit due"), of(lambda c, full: _time(c.revisit_due_at))),
    ]


COMPLAINT_COLUMNS = _complaint_columns(lambda c: c)
WORK_ORDER_COLUMNS = [
    Column(_("Work order status"), lambda o, full: o.get_status_display()),
    Column(_("Rework"), lambda o, full: _("Yes") if o.is_rework else ""),
    Column(_("Dispatched at"), lambda o, full: _time(o.dispatched_at)),
    Column(_("Work order department"), lambda o, full: o.department.name),
    Column(_("Instructions"), lambda o, full: o.instructions),
    *_complaint_columns(lambda o: o.complaint),
]


def rows(queryset, columns: list[Column], *, full_phones: bool) -> Iterator[list]:
    """The cell values of each object, at most :data:`MAX_ROWS`, read in chunks."""
    for obj in queryset[:MAX_ROWS].iterator(chunk_size=CHUNK):
        yield [neutralise(_text(col.value(obj, full_phones))) for col in columns]


def _text(value):
    if value is None:
        return ""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


class _Echo:
    def write(self, value):
        return value


def csv_stream(columns: list[Column], body: Iterable[list], *, language: str) -> Iterator[str]:
    """The CSV, line by line, headed by a byte-order mark; text in ``language``."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff" + writer.writerow([str(c.header) for c in columns])
        for row in body:
            yield writer.writerow(row)


def xlsx_file(title: str, columns: list[Column], body: Iterable[list]):
    """A workbook of one sheet, written row by row; returns an open file at its start."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet")
    sheet.append([str(c.header) for c in columns])
    for row in body:
        sheet.append(row)
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(handle)
    handle.seek(0)
    return handle
