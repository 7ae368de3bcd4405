"""The quality targets counted by year: valid complaints that reached a government body."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from ..selectors import Statistics
from .base import COUNT, TEXT, Cell, Column, Drill, Table


def _year_label(year: int, start: dt.datetime, end: dt.datetime) -> str:
    """``2026``, or ``2026, to 2026-10-31`` when the count stops before the year's end."""
    last_day = timezone.localtime(end).date() - dt.timedelta(days=1)
    if last_day == dt.date(year, 12, 31):
        return str(year)
    return _("%(year)s, to %(day)s") % {"year": year, "day": last_day.isoformat()}


def government_table(stats: Statistics) -> Table:
    g = stats.government
    target = _("at most %(target)d") % {"target": g.target}
    table = Table(
        "government",
        _("Valid complaints that reached a government body"),
        _("year of receipt"),
        [
            Column("count", _("number of complaints")),
            Column("target", _("target"), TEXT),
            Column("status", _("against the target"), TEXT),
        ],
        note=_(
            "Valid complaints the resident also took to a government body, or that a "
            "government body forwarded to us, by calendar year of receipt; this year's count "
            "runs to the end of the period shown."
        ),
    )
    for key, start, end, count, exceeded, year in (
        ("year", g.start, g.end, g.count, g.exceeded, g.year),
        (
            "previous_year",
            g.previous_start,
            g.previous_end,
            g.previous_count,
            g.previous_exceeded,
            g.year - 1,
        ),
    ):
        table.add(
            key,
            _year_label(year, start, end),
            css="exceeded" if exceeded else "",
            count=Cell(count, COUNT, Drill(stats, start, end)(figure="reached_government")),
            target=Cell(target, TEXT),
            status=Cell(_("target exceeded") if exceeded else _("within the target"), TEXT),
        )
    return table
