"""What the page's charts draw: the same numbers as the tables."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..selectors import Statistics
from .base import Table, point_label
from .wording import trend_title


def chart_data(stats: Statistics, tables: list[Table]) -> dict:
    """What the three charts draw (the same numbers as the tables)."""
    by_key = {t.key: t for t in tables}
    trend = stats.trend
    departments = [r for r in by_key["department"].rows if r.key != "total"]
    categories = [r for r in by_key["category"].rows if r.css == "heading" or r.key == "none"]

    def percent(value):
        return None if value is None else round(value * 100, 1)

    return {
        "trend": {
            "labels": [point_label(p) for p in trend],
            "total": [p.counts["total"] for p in trend],
            "valid": [p.counts["validity_valid"] for p in trend],
            "satisfaction": [percent(p.rates.get("satisfaction")) for p in trend],
            "resolved_in_time": [percent(p.rates.get("resolved_in_time")) for p in trend],
            "target": float(stats.config.satisfaction_target),
            "title": trend_title(stats.kind),
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
