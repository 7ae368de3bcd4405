"""Changing a complaint's class after it was confirmed: one service for every cause.

Group detection, the one-month rule and a person at the desk all go through
:func:`complaint_reclassify`, so a change of class always reschedules every clock (the new
class's resolution and answer deadlines, the management to tell), writes the timeline and
never leaves a bulk ``update()`` behind with the old deadlines.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions as perms
from ..models import Complaint, ComplaintEvent
from ..sla import deadlines
from ..sla.rules import Rules
from .errors import ServiceError
from .timeline import record_event


@transaction.atomic
def complaint_reclassify(
    *,
    complaint: Complaint,
    severity: str,
    by,
    reason: str = "",
    why: str = "",
    facts: dict | None = None,
    now: dt.datetime | None = None,
    rules: Rules | None = None,
) -> Complaint:
    """Give the complaint another class; ``by`` is None when a rule of the system does it.

    ``reason`` is what a person typed; a rule of the system names itself with ``why`` (and
    its ``facts``) instead, so the timeline words it in the reader's language
    (:func:`complaints.timeline_text.reason_text`)."""
    if by is not None and not perms.can_reclassify(by, complaint):
        raise PermissionDenied(_("You may not change the class of complaints."))
    if severity not in Complaint.Severity.values:
        raise ServiceError(_("Choose a class."))
    reason = (reason or "").strip()
    if not reason and not why:
        raise ServiceError(_("Give the reason for the change of class."))
    if complaint.state == Complaint.State.CLOSED:
        raise ServiceError(_("This complaint is closed; reopen it first."))
    if (complaint.is_group or complaint.is_special) and severity != Complaint.Severity.MAJOR:
        raise ServiceError(_("A group or special complaint is always major."))
    now = now or timezone.now()
    old = complaint.severity
    if complaint.severity == severity:
        return complaint
    complaint.severity = severity
    Complaint.objects.filter(pk=complaint.pk).update(severity=severity)
    record_event(
        complaint,
        ComplaintEvent.Kind.CLASSIFIED,
        by=by,
        note=reason,
        code="class_changed",
        params={"old": old, "new": severity, **({"why": why} if why else {}), **(facts or {})},
        at=now,
    )
    deadlines.schedule(complaint, now=now, rules=rules)
    return complaint
