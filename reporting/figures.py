"""What each derived figure of the monthly statistics counts, as Q objects on Complaint.

One definition serves the statistics (``Count(filter=...)``) and the admin's drill-down filter
(:class:`reporting.admin_filters.StatisticsFigureFilter`), so a number and the list behind it
can never disagree.  Plain field values (class, channel, department …) need no entry here:
their drill-down uses the admin's own list filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, ComplaintEvent, DeadlineExtension, Escalation, Revisit
from complaints.models.complaint import overdue_at

from .models import CorrectiveAction

INVALID = Complaint.Validity.INVALID


def dispatched() -> Q:
    return Q(dispatched_at__isnull=False)


def dispatched_in_time() -> Q:
    return Q(
        dispatched_at__isnull=False,
        dispatch_due_at__isnull=False,
        dispatched_at__lte=F("dispatch_due_at"),
    )


def dispatched_late() -> Q:
    return Q(
        dispatched_at__isnull=False,
        dispatch_due_at__isnull=False,
        dispatched_at__gt=F("dispatch_due_at"),
    )


def not_dispatched() -> Q:
    """Not (yet) sent to a department; invalid complaints are never dispatched."""
    return Q(dispatched_at__isnull=True) & ~Q(validity=INVALID)


def answer_due() -> Q:
    return Q(answer_due_at__isnull=False)


def answered_in_time() -> Q:
    return Q(
        answer_due_at__isnull=False,
        answered_at__isnull=False,
        answered_at__lte=F("answer_due_at"),
    )


def _escalated(clock: str, **extra) -> Q:
    return Q(Exists(Escalation.objects.filter(complaint=OuterRef("pk"), clock=clock, **extra)))


def management_told() -> Q:
    """Important and major complaints whose management was told (the sweep's record)."""
    return _escalated(Escalation.Clock.NOTIFY, level=1)


def management_told_late() -> Q:
    """Told after the deadline, which runs from receipt (1 hour, or the same day)."""
    return _escalated(Escalation.Clock.NOTIFY, level=1, escalated_at__gt=F("due_at"))


def revisit_missed() -> Q:
    """The revisit deadline passed before anyone revisited (the supervisor was told)."""
    return _escalated(Escalation.Clock.REVISIT)


def resolved() -> Q:
    return Q(resolved_at__isnull=False)


def resolved_in_time() -> Q:
    return Q(
        resolved_at__isnull=False,
        resolve_due_at__isnull=False,
        resolved_at__lte=F("resolve_due_at"),
    )


def resolved_late() -> Q:
    return Q(
        resolved_at__isnull=False,
        resolve_due_at__isnull=False,
        resolved_at__gt=F("resolve_due_at"),
    )


def overdue(as_of: dt.datetime) -> Q:
    """Past the resolution deadline at ``as_of`` (the complaints' own definition)."""
    return overdue_at(as_of)


def extended() -> Q:
    return Q(
        Exists(
            DeadlineExtension.objects.filter(
                complaint=OuterRef("pk"), status=DeadlineExtension.Status.APPROVED
            )
        )
    )


def _has_revisit() -> Exists:
    return Exists(Revisit.objects.filter(complaint=OuterRef("pk")))


def resolved_revisited() -> Q:
    return resolved() & Q(_has_revisit())


def resolved_not_revisited() -> Q:
    return resolved() & ~Q(_has_revisit())


def unsatisfied() -> Q:
    """At least one revisit found the resident unsatisfied."""
    return Q(
        Exists(
            Revisit.objects.filter(
                complaint=OuterRef("pk"), satisfaction=Revisit.Satisfaction.UNSATISFIED
            )
        )
    )


def reopened() -> Q:
    return Q(
        Exists(
            ComplaintEvent.objects.filter(
                complaint=OuterRef("pk"), kind=ComplaintEvent.Kind.REOPENED
            )
        )
    )


def corrective_action_exists() -> Exists:
    return Exists(CorrectiveAction.complaints.through.objects.filter(complaint_id=OuterRef("pk")))


def has_corrective_action() -> Q:
    return Q(corrective_action_exists())


def corrective_action_missing() -> Q:
    """No corrective action records this complaint (invalid complaints never need one)."""
    return ~has_corrective_action() & ~Q(validity=INVALID)


NEEDS_ACTION_SEVERITIES = (Complaint.Severity.IMPORTANT, Complaint.Severity.MAJOR)


def serious() -> Q:
    """Major and important complaints that are not invalid: each needs a corrective action."""
    return Q(severity__in=NEEDS_ACTION_SEVERITIES) & ~Q(validity=INVALID)


def loss_above(threshold) -> Q:
    """A loss at or above the threshold (the procedures' 500 元以上 includes 500)."""
    return Q(economic_loss__gte=threshold) & ~Q(validity=INVALID)


def reached_government() -> Q:
    """Valid complaints that reached a government body: the resident took it there, or a
    government body forwarded it to us (the yearly target allows at most one)."""
    return Q(validity=Complaint.Validity.VALID) & (
        Q(reached_government=True) | Q(forwarded_by=Complaint.Forwarder.GOVERNMENT)
    )


@dataclass(frozen=True)
class Figure:
    label: str
    build: Callable[[dt.datetime], Q]


# The drill-down keys (the ``figure`` parameter of the complaint list in the admin).
FIGURES: dict[str, Figure] = {
    "dispatched_in_time": Figure(
        _("dispatched within the deadline"), lambda as_of: dispatched_in_time()
    ),
    "dispatched_late": Figure(_("dispatched late"), lambda as_of: dispatched_late()),
    "not_dispatched": Figure(_("not dispatched yet"), lambda as_of: not_dispatched()),
    "answered_in_time": Figure(_("answered within the deadline"), lambda as_of: answered_in_time()),
    "management_told": Figure(_("management told"), lambda as_of: management_told()),
    "management_told_late": Figure(_("management told late"), lambda as_of: management_told_late()),
    "revisit_missed": Figure(_("revisit deadline missed"), lambda as_of: revisit_missed()),
    "resolved_in_time": Figure(_("resolved within the deadline"), lambda as_of: resolved_in_time()),
    "resolved_late": Figure(_("resolved late"), lambda as_of: resolved_late()),
    "overdue": Figure(_("overdue (unresolved past the deadline)"), overdue),
    "extended": Figure(_("deadline extended"), lambda as_of: extended()),
    "revisited": Figure(_("resolved and revisited"), lambda as_of: resolved_revisited()),
    "not_revisited": Figure(
        _("resolved, not revisited yet"), lambda as_of: resolved_not_revisited()
    ),
    "unsatisfied": Figure(_("with an unsatisfied revisit"), lambda as_of: unsatisfied()),
    "reopened": Figure(_("reopened"), lambda as_of: reopened()),
    "not_invalid": Figure(
        _("not invalid (valid, assist or not classified yet)"), lambda as_of: ~Q(validity=INVALID)
    ),
    "no_corrective_action": Figure(
        _("without a corrective action"), lambda as_of: corrective_action_missing()
    ),
    "reached_government": Figure(
        _("valid, reached a government body"), lambda as_of: reached_government()
    ),
}
