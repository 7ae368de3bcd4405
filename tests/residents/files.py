"""Spreadsheet files built in memory for the import tests."""

from __future__ import annotations

import csv
import io

import openpyxl

from residents.resources import COLUMNS

HEADERS = list(COLUMNS.values())


def csv_bytes(rows, headers=HEADERS) -> bytes:
    """A UTF-8 CSV file with a BOM, as Excel saves it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def registry_counts():
    from residents.models import Building, Resident, Unit

    return Building.objects.count(), Unit.objects.count(), Resident.objects.count()
