"""What every statistics table is made of: cells, columns, rows and tables, how a value reads,
and the drill-down query behind a count (the admin complaint list showing exactly what it counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from complaints.models import Complaint

from .. import periods
from ..selectors import PeriodPoint, Statistics

# Kinds of cell: how a value is shown and written to a spreadsheet.
COUNT, RATE, POINTS, DELTA, MONEY, TEXT, DATETIME, DATE = (
    "count",
    "rate",
    "points",
    "delta",
    "money",
    "text",
    "datetime",
    "date",
)


@dataclass
class Cell:
    value: Any
    kind: str = COUNT
    drill: dict | None = None  # query of the admin complaint list behind a count
    url: str | None = None  # any other link (a complaint, a corrective action)

    @property
    def href(self) -> str | None:
        if self.url:
            return self.url
        if self.drill is None:
            return None
        return f"{changelist_url()}?{urlencode(self.drill)}"

    @property
    def display(self) -> str:
        return display(self.value, self.kind)


def display(value, kind: str) -> str:
    """How a value reads on the page and in CSV."""
    if value is None:
        return "—"
    if kind == RATE:
        return f"{value * 100:.1f}%"
    if kind == POINTS:
        return _("%(value)s pp") % {"value": f"{value * 100:+.1f}"}
    if kind == DELTA:
        return f"{value:+d}" if value else "0"
    if kind == MONEY:
        return number_format(Decimal(value), 2, force_grouping=True)
    if kind == DATETIME:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if kind == DATE:
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@dataclass
class Column:
    key: str
    label: str
    kind: str = COUNT


@dataclass
class Row:
    key: str
    label: str
    cells: dict[str, Cell]
    css: str = ""
    link: str | None = None  # where the row's label leads (a complaint, an action)


class RowStream:
    """A table's rows made as they are read (the long lists of an export): every pass over
    them reads their source again, and no row is kept.  The writers read them once;
    ``len()`` and truth (for templates and tests) read them through as well."""

    def __init__(self, make: Callable[[], Iterable[Row]]):
        self._make = make

    def __iter__(self) -> Iterator[Row]:
        return iter(self._make())

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None

    def __len__(self) -> int:
        return sum(1 for _row in self)


def rows_of(items, make_row: Callable[..., Row]) -> list[Row] | RowStream:
    """The rows of a list of objects: made at once from a list, as they are read from
    anything else (a :class:`~reporting.selectors.ComplaintList`)."""
    if isinstance(items, list):
        return [make_row(item) for item in items]
    return RowStream(lambda: map(make_row, items))


@dataclass
class Table:
    key: str
    title: str
    label_header: str
    columns: list[Column]
    # A list, or a RowStream for a list of complaints of an export (see rows_of).
    rows: list[Row] | RowStream = field(default_factory=list)
    note: str = ""
    wide: bool = False

    def add(self, key: str, label, css: str = "", link: str | None = None, **cells: Cell) -> Row:
        row = Row(key, str(label), cells, css, link)
        self.rows.append(row)
        return row

    def cell(self, row_key: str, column_key: str) -> Cell:
        row = next(r for r in self.rows if r.key == row_key)
        return row.cells[column_key]

    def grid(self):
        """The rows as lists of cells in column order (``None`` where a row has no value)."""
        for row in self.rows:
            yield row, [row.cells.get(c.key) for c in self.columns]

    def html_rows(self):
        """For templates: each row with ``(column, cell)`` pairs."""
        for row in self.rows:
            yield row, [(c, row.cells.get(c.key)) for c in self.columns]


def changelist_url() -> str:
    return reverse("admin:complaints_complaint_changelist")


def admin_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class Drill:
    """Query builder for the admin complaint list, scoped to one period (and property)."""

    def __init__(self, stats: Statistics, start: dt.datetime, end: dt.datetime):
        self.scope = {"received_at__gte": start.isoformat(), "received_at__lt": end.isoformat()}
        if stats.estate is not None:
            self.scope["estate__id__exact"] = str(stats.estate.pk)
        self.as_of = stats.as_of

    def __call__(self, **params) -> dict:
        query = dict(self.scope)
        for key, value in params.items():
            query[key] = str(value)
        if params.get("figure") == "overdue":
            query["as_of"] = self.as_of.isoformat()
        return query


def share_columns() -> list[Column]:
    return [Column("count", _("number of complaints")), Column("share", _("share"), RATE)]


def count_and_share(count: int, total: int, drill: dict) -> dict[str, Cell]:
    return {
        "count": Cell(count, COUNT, drill),
        "share": Cell(periods.ratio(count, total), RATE),
    }


def point_label(point: PeriodPoint) -> str:
    return point.period.label


def complaint_url(complaint: Complaint) -> str | None:
    return admin_url("admin:complaints_complaint_change", complaint.pk)
