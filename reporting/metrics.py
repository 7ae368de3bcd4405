"""The aggregates behind the statistics, in one place: what the direct computation
(:mod:`reporting.selectors`) and the daily roll-up (:mod:`reporting.rollup`) both count.

Each figure is a ``Count(filter=...)`` of a condition from :mod:`reporting.figures` (or a
``Sum``), so the roll-up can only be a regrouping of the same numbers.  Every figure of a
period except *overdue* is kept in the roll-up; *overdue* depends on the moment it is judged
at, so it is always counted from the complaints.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum

from complaints.models import Complaint, Revisit

from . import figures

CHANNELS = list(Complaint.Channel)
SEVERITIES = list(Complaint.Severity)
VALIDITIES = list(Complaint.Validity)
RESPONSIBILITIES = list(Complaint.Responsibility)
REPEAT_LEVELS = list(Complaint.RepeatLevel)

# The figures of a revisit (counted over the revisits of the complaints), as the roll-up's
# column names and the names the pages use.
REVISIT_FIGURES = {
    "revisit_total": "total",
    "revisit_satisfied": "satisfied",
    "revisit_basic": "basic",
    "revisit_unsatisfied": "unsatisfied",
}
# The figures of a department's row.
DEPARTMENT_FIGURES = (
    "total",
    "resolved",
    "resolved_in_time",
    "resolved_late",
    "overdue",
    "extended",
)


def count(q: Q | None = None) -> Count:
    return Count("pk", filter=q) if q is not None else Count("pk")


def trend_metrics() -> dict[str, Count]:
    """Figures kept for every period of the trend (and so for the comparisons)."""
    metrics = {
        "total": count(),
        "group": count(Q(is_group=True)),
        "dispatched": count(figures.dispatched()),
        "dispatched_in_time": count(figures.dispatched_in_time()),
        "resolved": count(figures.resolved()),
        "resolved_in_time": count(figures.resolved_in_time()),
        "resolved_revisited": count(figures.resolved_revisited()),
    }
    metrics.update({f"severity_{s.value}": count(Q(severity=s.value)) for s in SEVERITIES})
    metrics.update({f"validity_{v.value}": count(Q(validity=v.value)) for v in VALIDITIES})
    metrics.update({f"channel_{c.value}": count(Q(channel=c.value)) for c in CHANNELS})
    return metrics


def lasting_metrics(threshold: Decimal) -> dict:
    """Every figure of a period that does not depend on the moment it is read at: the trend's
    and the rest (the roll-up keeps all of these, ``loss_total`` included)."""
    missing = figures.corrective_action_missing()
    metrics = trend_metrics()
    metrics.update(
        {
            "severity_blank": count(Q(severity="")),
            "validity_blank": count(Q(validity="")),
            "responsibility_blank": count(Q(responsibility="")),
            "special": count(Q(is_special=True)),
            "dispatched_late": count(figures.dispatched_late()),
            "not_dispatched": count(figures.not_dispatched()),
            "answer_due": count(figures.answer_due()),
            "answered_in_time": count(figures.answered_in_time()),
            "management_told": count(figures.management_told()),
            "management_told_late": count(figures.management_told_late()),
            "revisit_missed": count(figures.revisit_missed()),
            "resolved_late": count(figures.resolved_late()),
            "extended": count(figures.extended()),
            "resolved_not_revisited": count(figures.resolved_not_revisited()),
            "unsatisfied": count(figures.unsatisfied()),
            "reopened": count(figures.reopened()),
            "serious": count(figures.serious()),
            "serious_missing": count(figures.serious() & missing),
            "loss_above": count(figures.loss_above(threshold)),
            "loss_missing": count(figures.loss_above(threshold) & missing),
            "reached_government": count(figures.reached_government()),
            "loss_total": Sum("economic_loss"),
        }
    )
    metrics.update(
        {f"responsibility_{r.value}": count(Q(responsibility=r.value)) for r in RESPONSIBILITIES}
    )
    metrics.update({f"repeat_{r.value}": count(Q(repeat_level=r.value)) for r in REPEAT_LEVELS})
    return metrics


def period_metrics(*, as_of: dt.datetime, threshold: Decimal) -> dict:
    """Every figure of the period itself: the lasting ones and *overdue* at ``as_of``."""
    return {**lasting_metrics(threshold), "overdue": count(figures.overdue(as_of))}


def revisit_metrics(prefix: str = "") -> dict[str, Count]:
    """The revisit figures, counted over revisits (named ``prefix`` + the page's names)."""
    by = {
        "total": None,
        "satisfied": Revisit.Satisfaction.SATISFIED,
        "basic": Revisit.Satisfaction.BASIC,
        "unsatisfied": Revisit.Satisfaction.UNSATISFIED,
    }
    return {
        prefix + name: count(None if value is None else Q(satisfaction=value))
        for name, value in by.items()
    }


def department_metrics(as_of: dt.datetime) -> dict[str, Count]:
    """A department's row of the statistics."""
    return {
        "total": count(),
        "resolved": count(figures.resolved()),
        "resolved_in_time": count(figures.resolved_in_time()),
        "resolved_late": count(figures.resolved_late()),
        "overdue": count(figures.overdue(as_of)),
        "extended": count(figures.extended()),
    }
