"""The period's tables as an XLSX workbook (one sheet per table) and as one CSV file.

Every text cell goes through :func:`residents.spreadsheet.neutralise`, so a complaint text or
a name starting with ``=`` reaches the reader as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from itertools import chain, islice

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from residents.spreadsheet import neutralise

from .selectors import Statistics
from .tables import COUNT, DATE, DATETIME, DELTA, MONEY, POINTS, RATE, Cell, Row, Table, display

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMATS = {
    COUNT: "0",
    DELTA: "+0;-0;0",
    RATE: "0.0%",
    POINTS: "+0.0%;-0.0%;0.0%",
    MONEY: "#,##0.00",
    DATETIME: "yyyy-mm-dd hh:mm",
    DATE: "yyyy-mm-dd",
}
_TITLE_FONT = Font(bold=True, size=13)
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")
_TOTAL_FONT = Font(bold=True)
_HEADING_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOXED = {
    "border": _BORDER,
    "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
}
_INDENT = Alignment(indent=1)
_NOTE_ALIGNMENT = Alignment(wrap_text=False)
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# How many rows of a table the column widths are measured on (a write-only sheet needs
# them before its first row): every row of the small tables, the first of a long list.
WIDTH_SAMPLE = 500


def report_title(stats: Statistics) -> str:
    where = stats.estate.name if stats.estate else _("all properties")
    return _("Complaint statistics %(period)s — %(where)s") % {
        "period": stats.period.label,
        "where": where,
    }


def filename(stats: Statistics, extension: str) -> str:
    """``complaint-statistics-2026-10.xlsx``, ``…-2026-W43…``, ``…-2026-Q4…``, ``…-2026…``."""
    suffix = f"-{stats.estate.code}" if stats.estate else ""
    return f"complaint-statistics-{stats.period.label}{suffix}.{extension}"


def sheet_value(cell: Cell | None):
    """The value written to a spreadsheet cell: numbers stay numbers, text is neutralised."""
    if cell is None or cell.value is None:
        return None
    value = cell.value
    if cell.kind == DATETIME:
        return timezone.localtime(value).replace(tzinfo=None)
    if cell.kind in (DATE, COUNT, DELTA):
        return value
    if cell.kind in (RATE, POINTS):
        return round(float(value), 6)
    if cell.kind == MONEY:
        return float(Decimal(value))
    return neutralise(display(value, cell.kind))


def _sheet_name(title: str, taken: set[str]) -> str:
    name = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in taken:
        tail = f" ({n})"
        candidate, n = name[: 31 - len(tail)] + tail, n + 1
    taken.add(candidate.lower())
    return candidate


def _width(value) -> int:
    if value is None:
        return 4
    text = value if isinstance(value, str) else str(value)
    # CJK characters take two columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _styled(ws, value, *, font=None, fill=None, border=None, alignment=None, number_format=None):
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _write_table(ws, table: Table, *, subtitle: str) -> None:
    """Write one table to a write-only sheet, row by row as the table makes them.

    A write-only sheet takes its column widths and frozen panes before its first row, so the
    widths are measured on the header and the first ``WIDTH_SAMPLE`` rows (all of them for
    every table but the long lists), which are then written with the rest.
    """
    columns = [table.label_header, *(c.label for c in table.columns)]
    rows = iter(table.grid())
    sample = list(islice(rows, WIDTH_SAMPLE))
    widths = [_width(label) for label in columns]
    for row, cells in sample:
        for col, cell in enumerate(cells, start=1):
            shown = display(cell.value, cell.kind) if cell is not None else None
            widths[col] = max(widths[col], _width(shown))
        widths[0] = max(widths[0], _width(neutralise(row.label)))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "B4"

    ws.append([_styled(ws, neutralise(table.title), font=_TITLE_FONT)])
    ws.append([neutralise(subtitle)])
    ws.append(
        [
            _styled(ws, neutralise(str(label)), font=_HEADER_FONT, fill=_HEADER_FILL, **_BOXED)
            for label in columns
        ]
    )
    for row, cells in chain(sample, rows):
        ws.append(_sheet_row(ws, row, cells))
    if table.note:
        ws.append([])
        ws.append([_styled(ws, neutralise(table.note), alignment=_NOTE_ALIGNMENT)])


def _sheet_row(ws, row: Row, cells: list[Cell | None]) -> list:
    """One row of a table as styled cells: borders, the number format of each kind, bold
    totals, shaded headings and indented sub-rows."""
    font = _TOTAL_FONT if row.css == "total" else None
    fill = _HEADING_FILL if row.css == "heading" else None
    label = _styled(
        ws,
        neutralise(row.label),
        font=font,
        fill=fill,
        border=_BORDER,
        alignment=_INDENT if row.css == "sub" else None,
    )
    values = [label]
    for cell in cells:
        value = sheet_value(cell)
        number_format = _FORMATS.get(cell.kind) if cell is not None and value is not None else None
        values.append(
            _styled(ws, value, font=font, fill=fill, border=_BORDER, number_format=number_format)
        )
    return values


def write_xlsx(stats: Statistics, tables: list[Table], out) -> None:
    """Write the workbook to ``out`` (a path or a binary file): one sheet per table with a
    title row, a line saying what and when, the header and the rows.

    The workbook is write-only: each row goes to the sheet's temporary file as the table
    makes it, so a long list of complaints is never held in memory.
    """
    wb = Workbook(write_only=True)
    subtitle = _("%(title)s · generated %(at)s") % {
        "title": report_title(stats),
        "at": timezone.localtime(stats.generated_at).strftime("%Y-%m-%d %H:%M"),
    }
    taken: set[str] = set()
    for table in tables:
        ws = wb.create_sheet(_sheet_name(table.title, taken))
        _write_table(ws, table, subtitle=subtitle)
    wb.properties.title = report_title(stats)
    wb.save(out)


def xlsx_bytes(stats: Statistics, tables: list[Table]) -> bytes:
    """The workbook of :func:`write_xlsx` as bytes."""
    out = io.BytesIO()
    write_xlsx(stats, tables, out)
    return out.getvalue()


def csv_value(cell: Cell | None):
    if cell is None or cell.value is None:
        return ""
    if cell.kind in (COUNT, DELTA):
        return cell.value
    if cell.kind == POINTS:
        return round(cell.value * 100, 1)
    if cell.kind == MONEY:
        return f"{Decimal(cell.value):.2f}"
    return neutralise(display(cell.value, cell.kind))


def write_csv(stats: Statistics, tables: list[Table], out) -> None:
    """All tables one after another to ``out`` (anything with ``write(str)``: a text file,
    an ``HttpResponse``): a title line, the header, the rows, an empty line.  Each row is
    written as the table makes it.

    Starts with a byte-order mark so that spreadsheet programs read the Chinese correctly.
    """
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([neutralise(report_title(stats))])
    writer.writerow([])
    for table in tables:
        writer.writerow([neutralise(table.title)])
        writer.writerow(
            [neutralise(str(x)) for x in [table.label_header, *(c.label for c in table.columns)]]
        )
        for row, cells in table.grid():
            writer.writerow([neutralise(row.label), *(csv_value(c) for c in cells)])
        if table.note:
            writer.writerow([neutralise(table.note)])
        writer.writerow([])


def csv_text(stats: Statistics, tables: list[Table]) -> str:
    """The CSV of :func:`write_csv` as one text."""
    out = io.StringIO()
    write_csv(stats, tables, out)
    return out.getvalue()
