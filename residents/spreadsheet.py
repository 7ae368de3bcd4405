"""Pure helpers for reading and writing spreadsheet cells (CSV and XLSX); no ORM.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some of
them, a tab or carriage return followed by one) as a formula: a resident named
``=HYPERLINK(...)`` must reach the person opening the export as text.  Such cells are written
with a leading single quote, and the quote is taken off again when the file is imported.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from .safetext import xml_safe

# A line feed is included too: XLSX files turn a carriage return into one, and the quote put
# before "\r=1+1" must still come off when the file is imported again.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

#: The most characters a spreadsheet cell holds (Excel reports a longer one as damaged).
MAX_CELL_CHARS = 32_767

# Excel counts days from 1899-12-30 (the 1900 leap-year bug included).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def neutralise(value):
    """Make a cell value safe to open in a spreadsheet program.

    Text starting with a formula prefix gets a leading ``'``; characters that XML (so XLSX)
    cannot hold are dropped (:func:`residents.safetext.xml_safe`), and text longer than a cell
    holds is cut to :data:`MAX_CELL_CHARS` (ending in "…").  Values that are not text (dates,
    numbers, ``None``) are returned unchanged.
    """
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 1] + "…"
    return value


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: ``"'=1+1"`` → ``"=1+1"``; any other text is unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def cell_text(value) -> str:
    """The text of a cell as a person typed it.

    Spreadsheets hand numbers back as ``int`` or ``float`` (room ``1201`` → ``1201.0``); those
    become ``"1201"``.  Surrounding spaces go, and so do the quote added by :func:`neutralise`
    and any character XML forbids.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return unneutralise(xml_safe(str(value)).strip()).strip()


def parse_date(value) -> dt.date | None:
    """Read a date cell: a date, an Excel day number, or text in one of :data:`DATE_FORMATS`.

    Text may carry a time after the date (``2024-01-05 00:00:00``), as CSV files saved by
    spreadsheet programs often do.  Empty gives ``None``; anything else raises ``ValueError``.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        serial = float(value)
        if serial.is_integer() and 0 < serial <= _EXCEL_MAX_SERIAL:
            return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
        raise ValueError(value)
    text = cell_text(value)
    if not text:
        return None
    text = re.split(r"[ T]", text, maxsplit=1)[0]
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def normalise_phone(value, region: str = "CN") -> str:
    """A phone cell as E.164 (``"+8613812345678"``); empty gives ``""``.

    Accepts what people type or spreadsheets store: ``138 1234 5678``, ``010-12345678``,
    ``+86 138…``, the number ``13812345678`` or ``8613812345678.0``.  Raises ``ValueError``
    when the text is not a valid number.
    """
    import phonenumbers

    text = cell_text(value)
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(text) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(number, region_code: int = 86) -> str:
    """A stored phone number as people write it: ``138 1234 5678``; others as ``+1 201-…``."""
    import phonenumbers

    if not number:
        return ""
    parsed = number
    if not isinstance(parsed, phonenumbers.PhoneNumber):
        try:
            parsed = phonenumbers.parse(str(number), "CN")
        except phonenumbers.NumberParseException:
            return str(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == region_code
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)
