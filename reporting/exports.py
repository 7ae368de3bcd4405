"""The period's tables as an XLSX workbook (one sheet per table) and as one CSV file.

Every text cell goes through :func:`residents.spreadsheet.neutralise`, so a complaint text or
a name starting with ``=`` reaches the reader as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from residents.spreadsheet import neutralise

from .selectors import Statistics
from .tables import COUNT, DATE, DATETIME, DELTA, MONEY, POINTS, RATE, Cell, Table, display

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
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


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


def _write_table(ws, table: Table, *, subtitle: str) -> None:
    columns = [table.label_header, *(c.label for c in table.columns)]
    ws.append([neutralise(table.title)])
    ws.cell(row=1, column=1).font = _TITLE_FONT
    ws.append([neutralise(subtitle)])
    ws.append([neutralise(str(label)) for label in columns])
    for col in range(1, len(columns) + 1):
        header = ws.cell(row=3, column=col)
        header.font, header.fill, header.border = _HEADER_FONT, _HEADER_FILL, _BORDER
        header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [_width(label) for label in columns]
    for row, cells in table.grid():
        values = [neutralise(row.label), *(sheet_value(c) for c in cells)]
        ws.append(values)
        r = ws.max_row
        for col, (value, cell) in enumerate(zip(values, [None, *cells], strict=True), start=1):
            target = ws.cell(row=r, column=col)
            target.border = _BORDER
            kind = cell.kind if cell is not None else None
            if kind in _FORMATS and value is not None:
                target.number_format = _FORMATS[kind]
            if row.css == "total":
                target.font = _TOTAL_FONT
            elif row.css == "heading":
                target.fill = _HEADING_FILL
            if col == 1 and row.css == "sub":
                target.alignment = Alignment(indent=1)
            display_width = (
                _width(display(cell.value, cell.kind)) if cell is not None else _width(value)
            )
            widths[col - 1] = max(widths[col - 1], display_width)
    if table.note:
        ws.append([])
        ws.append([neutralise(table.note)])
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=False)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "B4"


def xlsx_bytes(stats: Statistics, tables: list[Table]) -> bytes:
    """One sheet per table: a title row, a line saying what and when, the header, the rows."""
    wb = Workbook()
    wb.remove(wb.active)
    subtitle = _("%(title)s · generated %(at)s") % {
        "title": report_title(stats),
        "at": timezone.localtime(stats.generated_at).strftime("%Y-%m-%d %H:%M"),
    }
    taken: set[str] = set()
    for table in tables:
        ws = wb.create_sheet(_sheet_name(table.title, taken))
        _write_table(ws, table, subtitle=subtitle)
    wb.properties.title = report_title(stats)
    out = io.BytesIO()
    wb.save(out)
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


def csv_text(stats: Statistics, tables: list[Table]) -> str:
    """All tables one after another: a title line, the header, the rows, an empty line.

    Starts with a byte-order mark so that spreadsheet programs read the Chinese correctly.
    """
    out = io.StringIO()
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
    return out.getvalue()
