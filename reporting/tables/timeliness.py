"""Timeliness (overall and by department) and revisits with satisfaction."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import periods
from ..selectors import Statistics
from .base import COUNT, RATE, Cell, Column, Drill, Table


def department_table(stats: Statistics) -> Table:
    drill = Drill(stats, stats.start, stats.end)
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
    drill = Drill(stats, stats.start, stats.end)
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
        ("overdue", _("overdue at the end of the period (or now)"), "figure", "overdue", None),
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
    drill = Drill(stats, stats.start, stats.end)
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
            "and basically satisfied answers among all revisits of the period's complaints "
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
