"""The monthly statistics as tables: the page, the print view, XLSX and CSV all show these.

Each count carries the query of the admin complaint list that shows exactly the complaints
it counts (its drill-down); labels follow the active language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from complaints.models import Complaint

from . import periods
from .selectors import (
    CHANNELS,
    REPEAT_LEVELS,
    RESPONSIBILITIES,
    SEVERITIES,
    VALIDITIES,
    CategoryRow,
    MonthPoint,
    Statistics,
)

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
        return f"{_changelist_url()}?{urlencode(self.drill)}"

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


@dataclass
class Table:
    key: str
    title: str
    label_header: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
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


def _changelist_url() -> str:
    return reverse("admin:complaints_complaint_changelist")


def _admin_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class _Drill:
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


def _share_columns() -> list[Column]:
    return [Column("count", _("number of complaints")), Column("share", _("share"), RATE)]


def _count_and_share(count: int, total: int, drill: dict) -> dict[str, Cell]:
    return {
        "count": Cell(count, COUNT, drill),
        "share": Cell(periods.ratio(count, total), RATE),
    }


def _month_label(point: MonthPoint) -> str:
    return periods.month_label(point.month)


# --- the tables ------------------------------------------------------------------------------
KEY_FIGURES = [
    ("total", lambda: _("complaints received"), {}),
    ("severity_major", lambda: _("major complaints"), {"severity__exact": "major"}),
    ("severity_important", lambda: _("important complaints"), {"severity__exact": "important"}),
    ("validity_valid", lambda: _("valid complaints"), {"validity__exact": "valid"}),
    ("validity_invalid", lambda: _("invalid complaints"), {"validity__exact": "invalid"}),
    ("group", lambda: _("group complaints"), {"is_group__exact": "1"}),
]
KEY_RATES = [
    ("dispatched_in_time", lambda: _("dispatched within the deadline (rate)")),
    ("resolved_in_time", lambda: _("resolved within the deadline (rate)")),
    ("revisit_coverage", lambda: _("revisit coverage")),
    ("satisfaction", lambda: _("satisfaction rate")),
]


def key_figures_table(stats: Statistics) -> Table:
    points = {"month": stats.trend[-1], "previous": stats.previous, "last_year": stats.last_year}
    table = Table(
        "summary",
        _("Key figures and comparison"),
        _("figure"),
        [
            Column("month", periods.month_label(stats.month)),
            Column(
                "previous",
                _("previous month (%(month)s)") % {"month": _month_label(stats.previous)},
            ),
            Column("previous_change", _("change from previous month"), DELTA),
            Column(
                "last_year",
                _("same month last year (%(month)s)") % {"month": _month_label(stats.last_year)},
            ),
            Column("last_year_change", _("change from last year"), DELTA),
        ],
    )
    for key, label, params in KEY_FIGURES:
        cells = {}
        for name, point in points.items():
            cells[name] = Cell(
                point.counts[key], COUNT, _Drill(stats, point.start, point.end)(**params)
            )
        cells["previous_change"] = Cell(cells["month"].value - cells["previous"].value, DELTA)
        cells["last_year_change"] = Cell(cells["month"].value - cells["last_year"].value, DELTA)
        table.add(key, label(), **cells)
    for key, label in KEY_RATES:
        cells = {name: Cell(point.rates.get(key), RATE) for name, point in points.items()}
        for name in ("previous", "last_year"):
            now, then = cells["month"].value, cells[name].value
            change = None if now is None or then is None else now - then
            cells[f"{name}_change"] = Cell(change, POINTS)
        table.add(key, label(), **cells)
    return table


def trend_table(stats: Statistics) -> Table:
    table = Table(
        "trend",
        _("Trend over twelve months"),
        _("month"),
        [
            Column("total", _("number of complaints")),
            Column("valid", _("valid")),
            Column("important", _("important")),
            Column("major", _("major")),
            Column("group", _("group complaints")),
            Column("dispatched_in_time", _("dispatched in time"), RATE),
            Column("resolved_in_time", _("resolved in time"), RATE),
            Column("revisit_coverage", _("revisit coverage"), RATE),
            Column("satisfaction", _("satisfaction rate"), RATE),
        ],
        wide=True,
    )
    for point in stats.last_twelve:
        drill = _Drill(stats, point.start, point.end)
        c, rates = point.counts, point.rates
        table.add(
            _month_label(point),
            _month_label(point),
            css="current" if point.month == stats.month else "",
            total=Cell(c["total"], COUNT, drill()),
            valid=Cell(c["validity_valid"], COUNT, drill(validity__exact="valid")),
            important=Cell(c["severity_important"], COUNT, drill(severity__exact="important")),
            major=Cell(c["severity_major"], COUNT, drill(severity__exact="major")),
            group=Cell(c["group"], COUNT, drill(is_group__exact="1")),
            dispatched_in_time=Cell(rates.get("dispatched_in_time"), RATE),
            resolved_in_time=Cell(rates.get("resolved_in_time"), RATE),
            revisit_coverage=Cell(rates.get("revisit_coverage"), RATE),
            satisfaction=Cell(rates.get("satisfaction"), RATE),
        )
    return table


def _category_drill(drill: _Drill, row: CategoryRow) -> dict:
    if row.category is None:
        return drill(category__isnull="True")
    if len(row.ids) == 1:
        return drill(category__id__exact=row.ids[0])
    return drill(category__id__in=",".join(str(pk) for pk in row.ids))


def category_table(stats: Statistics) -> Table:
    total = stats.counts["total"]
    drill = _Drill(stats, stats.start, stats.end)
    table = Table("category", _("By category"), _("category"), _share_columns())
    for row in stats.categories:
        if row.category is None:
            continue
        table.add(
            f"c{row.category.pk}",
            row.category.name,
            css="heading",
            **_count_and_share(row.count, total, _category_drill(drill, row)),
        )
        for child in row.children:
            label = (
                _("%(category)s (no sub-category)") % {"category": child.category.name}
                if child.is_self
                else child.category.name
            )
            key = f"c{child.category.pk}" + ("-self" if child.is_self else "")
            table.add(
                key,
                label,
                css="sub",
                **_count_and_share(child.count, total, _category_drill(drill, child)),
            )
    unclassified = stats.categories[-1]
    table.add(
        "none",
        _("no category yet"),
        **_count_and_share(unclassified.count, total, _category_drill(drill, unclassified)),
    )
    table.add("total", _("total"), css="total", **_count_and_share(total, total, drill()))
    return table


def _choice_table(
    stats: Statistics, key: str, title: str, header: str, field: str, choices, blank_label
) -> Table:
    total = stats.counts["total"]
    drill = _Drill(stats, stats.start, stats.end)
    table = Table(key, title, header, _share_columns())
    for choice in choices:
        count = stats.counts[f"{field}_{choice.value}"]
        table.add(
            choice.value,
            choice.label,
            **_count_and_share(count, total, drill(**{f"{field}__exact": choice.value})),
        )
    if blank_label is not None:
        count = stats.counts[f"{field}_blank"]
        table.add(
            "blank", blank_label, **_count_and_share(count, total, drill(**{f"{field}__exact": ""}))
        )
    table.add("total", _("total"), css="total", **_count_and_share(total, total, drill()))
    return table


def severity_table(stats: Statistics) -> Table:
    return _choice_table(
        stats,
        "severity",
        _("By class"),
        _("class"),
        "severity",
        SEVERITIES,
        _("not classified yet"),
    )


def validity_table(stats: Statistics) -> Table:
    return _choice_table(
        stats,
        "validity",
        _("By validity"),
        _("validity"),
        "validity",
        VALIDITIES,
        _("not classified yet"),
    )


def responsibility_table(stats: Statistics) -> Table:
    return _choice_table(
        stats,
        "responsibility",
        _("By responsibility type"),
        _("responsibility"),
        "responsibility",
        RESPONSIBILITIES,
        _("not classified yet"),
    )


def repeat_table(stats: Statistics) -> Table:
    total = stats.counts["total"]
    drill = _Drill(stats, stats.start, stats.end)
    table = Table("repeat", _("Repeat and group complaints"), _("kind"), _share_columns())
    for level in REPEAT_LEVELS:
        count = stats.counts[f"repeat_{level.value}"]
        table.add(
            level.value,
            level.label,
            **_count_and_share(count, total, drill(repeat_level__exact=level.value)),
        )
    table.add(
        "group",
        _("group complaints"),
        css="heading",
        **_count_and_share(stats.counts["group"], total, drill(is_group__exact="1")),
    )
    table.add(
        "is_special",
        _("special (may go to the government, the media or court)"),
        **_count_and_share(stats.counts["special"], total, drill(is_special__exact="1")),
    )
    return table


def channel_table(stats: Statistics) -> Table:
    months = stats.last_twelve
    year_drill = _Drill(stats, months[0].start, months[-1].end)
    month_drill = _Drill(stats, stats.start, stats.end)
    previous_drill = _Drill(stats, stats.previous.start, stats.previous.end)
    total = stats.counts["total"]
    table = Table(
        "channel",
        _("By channel"),
        _("channel"),
        [
            Column("count", _("number of complaints")),
            Column("share", _("share"), RATE),
            Column("previous", _("previous month")),
            Column("year", _("last twelve months")),
        ],
        note=_(
            "%(used)d of %(all)d channels received complaints this month. No complaints through "
            "a channel is not a good sign: check that it is open and known to residents."
        )
        % {"used": stats.channels_used, "all": len(CHANNELS)},
    )
    for channel in CHANNELS:
        key = f"channel_{channel.value}"
        count = stats.counts[key]
        table.add(
            channel.value,
            channel.label,
            css="" if count else "zero",
            count=Cell(count, COUNT, month_drill(channel__exact=channel.value)),
            share=Cell(periods.ratio(count, total), RATE),
            previous=Cell(
                stats.previous.counts[key], COUNT, previous_drill(channel__exact=channel.value)
            ),
            year=Cell(
                sum(p.counts[key] for p in months), COUNT, year_drill(channel__exact=channel.value)
            ),
        )
    table.add(
        "total",
        _("total"),
        css="total",
        count=Cell(total, COUNT, month_drill()),
        share=Cell(periods.ratio(total, total), RATE),
        previous=Cell(stats.previous.counts["total"], COUNT, previous_drill()),
        year=Cell(sum(p.counts["total"] for p in months), COUNT, year_drill()),
    )
    return table


def department_table(stats: Statistics) -> Table:
    drill = _Drill(stats, stats.start, stats.end)
    table = Table(
        "department",
        _("Timeliness by department"),
        _("department"),
        [
            Column("total", _("number of complaints")),
            Column("resolved", _("resolved")),
            Column("resolved_in_time", _("in time")),
            Column("resolved_late", _("late")),
            Column("overdue", _("overdue")),
            Column("extended", _("extended")),
            Column("rate", _("resolved in time"), RATE),
        ],
        wide=True,
    )
    for row in stats.departments:
        if row.department is None:
            key, label, scope = (
                "none",
                _("no department (not dispatched)"),
                {"department__isnull": "True"},
            )
        else:
            key, label, scope = (
                f"d{row.department.pk}",
                row.department.name,
                {"department__id__exact": row.department.pk},
            )
        c = row.counts
        table.add(
            key,
            label,
            total=Cell(c["total"], COUNT, drill(**scope)),
            resolved=Cell(c["resolved"], COUNT, drill(resolved_at__isnull="False", **scope)),
            resolved_in_time=Cell(
                c["resolved_in_time"], COUNT, drill(figure="resolved_in_time", **scope)
            ),
            resolved_late=Cell(c["resolved_late"], COUNT, drill(figure="resolved_late", **scope)),
            overdue=Cell(c["overdue"], COUNT, drill(figure="overdue", **scope)),
            extended=Cell(c["extended"], COUNT, drill(figure="extended", **scope)),
            rate=Cell(row.resolved_in_time_rate, RATE),
        )
    c = stats.counts
    table.add(
        "total",
        _("total"),
        css="total",
        total=Cell(c["total"], COUNT, drill()),
        resolved=Cell(c["resolved"], COUNT, drill(resolved_at__isnull="False")),
        resolved_in_time=Cell(c["resolved_in_time"], COUNT, drill(figure="resolved_in_time")),
        resolved_late=Cell(c["resolved_late"], COUNT, drill(figure="resolved_late")),
        overdue=Cell(c["overdue"], COUNT, drill(figure="overdue")),
        extended=Cell(c["extended"], COUNT, drill(figure="extended")),
        rate=Cell(stats.rates.get("resolved_in_time"), RATE),
    )
    return table


def timeliness_table(stats: Statistics) -> Table:
    c = stats.counts
    drill = _Drill(stats, stats.start, stats.end)
    as_of = timezone.localtime(stats.as_of).strftime("%Y-%m-%d %H:%M")
    table = Table(
        "timeliness",
        _("Timeliness"),
        _("figure"),
        [Column("count", _("number of complaints")), Column("rate", _("rate"), RATE)],
        note=_(
            "Rates: dispatched in time of those dispatched, answered in time of those with an "
            "answer deadline, resolved in time of those resolved. Overdue: not resolved or "
            "closed by %(as_of)s although the deadline had passed."
        )
        % {"as_of": as_of},
    )
    rows = [
        ("dispatched", _("dispatched to a department"), "dispatched_at__isnull", "False", None),
        (
            "dispatched_in_time",
            _("dispatched within the deadline"),
            "figure",
            "dispatched_in_time",
            "dispatched",
        ),
        ("dispatched_late", _("dispatched late"), "figure", "dispatched_late", "dispatched"),
        (
            "not_dispatched",
            _("not dispatched yet (invalid ones excluded)"),
            "figure",
            "not_dispatched",
            None,
        ),
        (
            "answer_due",
            _("with a deadline for a clear answer"),
            "answer_due_at__isnull",
            "False",
            None,
        ),
        (
            "answered_in_time",
            _("answered within the deadline"),
            "figure",
            "answered_in_time",
            "answer_due",
        ),
        (
            "management_told",
            _("management told (important and major)"),
            "figure",
            "management_told",
            None,
        ),
        (
            "management_told_late",
            _("told late (1 hour / the same day, from receipt)"),
            "figure",
            "management_told_late",
            "management_told",
        ),
        ("resolved", _("resolved"), "resolved_at__isnull", "False", None),
        (
            "resolved_in_time",
            _("resolved within the deadline"),
            "figure",
            "resolved_in_time",
            "resolved",
        ),
        ("resolved_late", _("resolved late"), "figure", "resolved_late", "resolved"),
        ("overdue", _("overdue at the end of the month (or now)"), "figure", "overdue", None),
        ("extended", _("deadline extended (approved)"), "figure", "extended", None),
        ("reopened", _("reopened"), "figure", "reopened", None),
        ("revisit_missed", _("revisit deadline missed"), "figure", "revisit_missed", None),
    ]
    for key, label, param, value, base in rows:
        table.add(
            key,
            label,
            css="heading" if base is None else "sub",
            count=Cell(c[key], COUNT, drill(**{param: value})),
            rate=Cell(periods.ratio(c[key], c[base]) if base else None, RATE),
        )
    return table


def revisit_table(stats: Statistics) -> Table:
    c, r = stats.counts, stats.revisits
    drill = _Drill(stats, stats.start, stats.end)
    config = stats.config
    table = Table(
        "revisits",
        _("Revisits and satisfaction"),
        _("figure"),
        [
            Column("value", _("count")),
            Column("rate", _("rate"), RATE),
            Column("target", _("target"), RATE),
        ],
        note=_(
            "Coverage: resolved complaints revisited at least once. Satisfaction rate: satisfied "
            "and basically satisfied answers among all revisits of the month's complaints "
            "(a resident unsatisfied first and satisfied after rework counts twice)."
        ),
    )
    table.add(
        "resolved",
        _("resolved complaints"),
        css="heading",
        value=Cell(c["resolved"], COUNT, drill(resolved_at__isnull="False")),
    )
    table.add(
        "revisited",
        _("revisited"),
        css="sub",
        value=Cell(c["resolved_revisited"], COUNT, drill(figure="revisited")),
        rate=Cell(stats.rates.get("revisit_coverage"), RATE),
        target=Cell(float(config.revisit_target) / 100, RATE),
    )
    table.add(
        "not_revisited",
        _("not revisited yet"),
        css="sub",
        value=Cell(c["resolved_not_revisited"], COUNT, drill(figure="not_revisited")),
    )
    table.add(
        "revisits",
        _("revisits recorded (answers, not complaints)"),
        css="heading",
        value=Cell(r["total"]),
    )
    table.add(
        "satisfied",
        _("satisfied"),
        css="sub",
        value=Cell(r["satisfied"]),
        rate=Cell(periods.ratio(r["satisfied"], r["total"]), RATE),
    )
    table.add(
        "basic",
        _("basically satisfied"),
        css="sub",
        value=Cell(r["basic"]),
        rate=Cell(periods.ratio(r["basic"], r["total"]), RATE),
    )
    table.add(
        "unsatisfied",
        _("unsatisfied"),
        css="sub",
        value=Cell(r["unsatisfied"]),
        rate=Cell(periods.ratio(r["unsatisfied"], r["total"]), RATE),
    )
    table.add(
        "satisfaction",
        _("satisfaction rate"),
        css="total",
        rate=Cell(stats.rates.get("satisfaction"), RATE),
        target=Cell(float(config.satisfaction_target) / 100, RATE),
    )
    table.add(
        "unsatisfied_complaints",
        _("complaints with an unsatisfied revisit"),
        value=Cell(c["unsatisfied"], COUNT, drill(figure="unsatisfied")),
    )
    return table


def corrective_summary_table(stats: Statistics) -> Table:
    c = stats.counts
    drill = _Drill(stats, stats.start, stats.end)
    threshold = number_format(stats.threshold, 2, force_grouping=True)
    serious = {"severity__in": "important,major"}
    loss = {"economic_loss__gt": str(stats.threshold)}
    table = Table(
        "corrective",
        _("Corrective actions"),
        _("figure"),
        [Column("count", _("count"))],
        note=_(
            "Major and important complaints, and complaints with an economic loss above "
            "%(threshold)s yuan, each need a corrective action; invalid complaints do not."
        )
        % {"threshold": threshold},
    )
    table.add(
        "serious",
        _("major and important complaints"),
        css="heading",
        count=Cell(c["serious"], COUNT, drill(figure="not_invalid", **serious)),
    )
    table.add(
        "serious_missing",
        _("of which without a corrective action"),
        css="sub",
        count=Cell(c["serious_missing"], COUNT, drill(figure="no_corrective_action", **serious)),
    )
    table.add(
        "loss_above",
        _("complaints with an economic loss above %(threshold)s yuan") % {"threshold": threshold},
        css="heading",
        count=Cell(c["loss_above"], COUNT, drill(figure="not_invalid", **loss)),
    )
    table.add(
        "loss_missing",
        _("of which without a corrective action"),
        css="sub",
        count=Cell(c["loss_missing"], COUNT, drill(figure="no_corrective_action", **loss)),
    )
    table.add(
        "loss_total",
        _("economic loss reported this month (yuan)"),
        count=Cell(c["loss_total"], MONEY),
    )
    actions_url = _admin_url("admin:reporting_correctiveaction_changelist")
    open_query = {"status__exact": "open"}
    if stats.estate is not None:
        open_query["complaints__estate__id__exact"] = str(stats.estate.pk)
    overdue_query = {
        **open_query,
        "due_date__lt": timezone.localdate(stats.generated_at).isoformat(),
    }
    table.add(
        "open_actions",
        _("corrective actions still open (now)"),
        css="heading",
        count=Cell(
            len(stats.open_actions),
            COUNT,
            url=actions_url and f"{actions_url}?{urlencode(open_query)}",
        ),
    )
    table.add(
        "open_actions_overdue",
        _("of which past their date"),
        css="sub",
        count=Cell(
            stats.open_actions_overdue,
            COUNT,
            url=actions_url and f"{actions_url}?{urlencode(overdue_query)}",
        ),
    )
    return table


def _complaint_url(complaint: Complaint) -> str | None:
    return _admin_url("admin:complaints_complaint_change", complaint.pk)


def serious_list_table(stats: Statistics) -> Table:
    table = Table(
        "serious_list",
        _("Major and important complaints"),
        _("number"),
        [
            Column("received_at", _("received at"), DATETIME),
            Column("severity", _("class"), TEXT),
            Column("category", _("category"), TEXT),
            Column("department", _("responsible department"), TEXT),
            Column("state", _("state"), TEXT),
            Column("summary", _("what happened"), TEXT),
            Column("validity", _("validity"), TEXT),
            Column("loss", _("economic loss (yuan)"), MONEY),
            Column("action", _("corrective action"), TEXT),
        ],
        wide=True,
    )
    for c in stats.serious:
        table.add(
            c.number,
            c.number,
            link=_complaint_url(c),
            received_at=Cell(c.received_at, DATETIME),
            severity=Cell(c.get_severity_display(), TEXT),
            category=Cell(str(c.category) if c.category_id else "", TEXT),
            department=Cell(str(c.department) if c.department_id else "", TEXT),
            state=Cell(c.get_state_display(), TEXT),
            summary=Cell(c.summary, TEXT),
            validity=Cell(c.get_validity_display(), TEXT),
            loss=Cell(c.economic_loss, MONEY),
            action=Cell(_("recorded") if c.has_action else _("missing"), TEXT),
        )
    return table


def missing_actions_table(stats: Statistics) -> Table:
    add_url = _admin_url("admin:reporting_correctiveaction_add")
    table = Table(
        "missing_actions",
        _("Complaints lacking an action"),
        _("number"),
        [
            Column("received_at", _("received at"), DATETIME),
            Column("severity", _("class"), TEXT),
            Column("loss", _("economic loss (yuan)"), MONEY),
            Column("reason", _("needed because"), TEXT),
            Column("record", _("record one"), TEXT),
        ],
        wide=True,
    )
    threshold = stats.threshold
    for c in stats.missing_actions:
        reasons = []
        if c.severity in ("important", "major"):
            reasons.append(c.get_severity_display())
        if c.economic_loss is not None and c.economic_loss > threshold:
            reasons.append(
                _("loss above %(threshold)s yuan")
                % {"threshold": number_format(threshold, 2, force_grouping=True)}
            )
        table.add(
            c.number,
            c.number,
            link=_complaint_url(c),
            received_at=Cell(c.received_at, DATETIME),
            severity=Cell(c.get_severity_display(), TEXT),
            loss=Cell(c.economic_loss, MONEY),
            reason=Cell("; ".join(str(r) for r in reasons), TEXT),
            record=Cell(
                _("record a corrective action"),
                TEXT,
                url=add_url and f"{add_url}?complaints={c.pk}",
            ),
        )
    return table


def open_actions_table(stats: Statistics) -> Table:
    table = Table(
        "open_actions",
        _("Open corrective actions"),
        _("non-conformity"),
        [
            Column("owner", _("person responsible"), TEXT),
            Column("due_date", _("to be done by"), DATE),
            Column("complaints", _("related complaints"), TEXT),
            Column("overdue", _("past its date"), TEXT),
        ],
        wide=True,
    )
    for action in stats.open_actions:
        owner = action.owner.get_full_name() or action.owner.get_username()
        table.add(
            f"a{action.pk}",
            action.title,
            link=_admin_url("admin:reporting_correctiveaction_change", action.pk),
            owner=Cell(owner, TEXT),
            due_date=Cell(action.due_date, DATE),
            complaints=Cell(", ".join(c.number for c in action.complaints.all()), TEXT),
            overdue=Cell(_("yes") if action.is_overdue_on(stats.day) else _("no"), TEXT),
        )
    return table


def build_tables(stats: Statistics) -> list[Table]:
    """Every table of the month, in the order of the page, the print view and the exports."""
    return [
        key_figures_table(stats),
        trend_table(stats),
        category_table(stats),
        severity_table(stats),
        department_table(stats),
        channel_table(stats),
        validity_table(stats),
        responsibility_table(stats),
        repeat_table(stats),
        timeliness_table(stats),
        revisit_table(stats),
        corrective_summary_table(stats),
        serious_list_table(stats),
        missing_actions_table(stats),
        open_actions_table(stats),
    ]


def chart_data(stats: Statistics, tables: list[Table]) -> dict:
    """What the three charts draw (the same numbers as the tables)."""
    by_key = {t.key: t for t in tables}
    trend = stats.last_twelve
    departments = [r for r in by_key["department"].rows if r.key != "total"]
    categories = [r for r in by_key["category"].rows if r.css == "heading" or r.key == "none"]

    def percent(value):
        return None if value is None else round(value * 100, 1)

    return {
        "trend": {
            "labels": [_month_label(p) for p in trend],
            "total": [p.counts["total"] for p in trend],
            "valid": [p.counts["validity_valid"] for p in trend],
            "satisfaction": [percent(p.rates.get("satisfaction")) for p in trend],
            "resolved_in_time": [percent(p.rates.get("resolved_in_time")) for p in trend],
            "target": float(stats.config.satisfaction_target),
            "names": {
                "total": _("complaints received"),
                "valid": _("valid complaints"),
                "satisfaction": _("satisfaction rate (%)"),
                "resolved_in_time": _("resolved in time (%)"),
                "target": _("satisfaction target (%)"),
                "count_axis": _("complaints"),
                "rate_axis": "%",
            },
        },
        "categories": {
            "labels": [r.label for r in categories],
            "counts": [r.cells["count"].value for r in categories],
            "name": _("complaints"),
        },
        "departments": {
            "labels": [r.label for r in departments],
            "in_time": [r.cells["resolved_in_time"].value for r in departments],
            "late": [r.cells["resolved_late"].value for r in departments],
            "overdue": [r.cells["overdue"].value for r in departments],
            "names": {
                "in_time": _("resolved in time"),
                "late": _("resolved late"),
                "overdue": _("overdue"),
            },
        },
    }
