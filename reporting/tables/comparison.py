"""The tables that compare periods: key figures against the previous period and the same
period last year, the trend, and the channels (whose coverage is read over the trend)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import periods
from ..selectors import CHANNELS, Statistics
from .base import COUNT, DELTA, POINTS, RATE, Cell, Column, Drill, Table, point_label
from .wording import (
    last_year_with_label,
    period_name,
    previous_name,
    previous_with_label,
    trend_span,
    trend_title,
)

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
    points = {"period": stats.current, "previous": stats.previous, "last_year": stats.last_year}
    table = Table(
        "summary",
        _("Key figures and comparison"),
        _("figure"),
        [
            Column("period", stats.period.label),
            Column("previous", previous_with_label(stats.kind, point_label(stats.previous))),
            Column("previous_change", _("change from the previous period"), DELTA),
            Column("last_year", last_year_with_label(stats.kind, point_label(stats.last_year))),
            Column("last_year_change", _("change from last year"), DELTA),
        ],
    )
    for key, label, params in KEY_FIGURES:
        cells = {}
        for name, point in points.items():
            cells[name] = Cell(
                point.counts[key], COUNT, Drill(stats, point.start, point.end)(**params)
            )
        cells["previous_change"] = Cell(cells["period"].value - cells["previous"].value, DELTA)
        cells["last_year_change"] = Cell(cells["period"].value - cells["last_year"].value, DELTA)
        table.add(key, label(), **cells)
    for key, label in KEY_RATES:
        cells = {name: Cell(point.rates.get(key), RATE) for name, point in points.items()}
        for name in ("previous", "last_year"):
            now, then = cells["period"].value, cells[name].value
            change = None if now is None or then is None else now - then
            cells[f"{name}_change"] = Cell(change, POINTS)
        table.add(key, label(), **cells)
    return table


def trend_table(stats: Statistics) -> Table:
    table = Table(
        "trend",
        trend_title(stats.kind),
        period_name(stats.kind),
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
    for point in stats.trend:
        drill = Drill(stats, point.start, point.end)
        c, rates = point.counts, point.rates
        table.add(
            point_label(point),
            point_label(point),
            css="current" if point.period == stats.period else "",
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


def channel_table(stats: Statistics) -> Table:
    trend = stats.trend
    trend_drill = Drill(stats, trend[0].start, trend[-1].end)
    period_drill = Drill(stats, stats.start, stats.end)
    previous_drill = Drill(stats, stats.previous.start, stats.previous.end)
    total = stats.counts["total"]
    table = Table(
        "channel",
        _("By channel"),
        _("channel"),
        [
            Column("count", _("number of complaints")),
            Column("share", _("share"), RATE),
            Column("previous", previous_name(stats.kind)),
            Column("year", trend_span(stats.kind)),
        ],
        note=_(
            "%(used)d of %(all)d channels received complaints in this period. No complaints "
            "through a channel is not a good sign: check that it is open and known to residents."
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
            count=Cell(count, COUNT, period_drill(channel__exact=channel.value)),
            share=Cell(periods.ratio(count, total), RATE),
            previous=Cell(
                stats.previous.counts[key], COUNT, previous_drill(channel__exact=channel.value)
            ),
            year=Cell(
                sum(p.counts[key] for p in trend), COUNT, trend_drill(channel__exact=channel.value)
            ),
        )
    table.add(
        "total",
        _("total"),
        css="total",
        count=Cell(total, COUNT, period_drill()),
        share=Cell(periods.ratio(total, total), RATE),
        previous=Cell(stats.previous.counts["total"], COUNT, previous_drill()),
        year=Cell(sum(p.counts["total"] for p in trend), COUNT, trend_drill()),
    )
    return table
