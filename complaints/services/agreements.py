"""Times agreed with the resident: a resolution deadline and a revisit appointment.

The procedures let the handler agree a time with the resident ("anything that cannot be
fixed at once gets an agreed time"; "revisit … at a time agreed with the resident").  An
agreed time prevails over the policy, earlier or later, and is recorded with who agreed it
and when; the clocks follow at once, so no escalation runs against a deadline the resident
agreed to move.
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
from ..timeline_text import moment
from .errors import ServiceError
from .timeline import record_event


@transaction.atomic
def complaint_agree_deadline(
    *, complaint: Complaint, by, due_at: dt.datetime, note: str
) -> Complaint:
    """Record the resolution deadline agreed with the resident (earlier or later)."""
    if not perms.can_agree_deadline(by, complaint):
        raise PermissionDenied(
            _("Only the desk or the department handling it may agree a deadline.")
        )
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Write down how the resident agreed (e.g. by phone, in person)."))
    if not complaint.is_open or complaint.resolved_at or not complaint.severity:
        raise ServiceError(
            _("Only a confirmed complaint not yet resolved can get an agreed deadline.")
        )
    now = timezone.now()
    if due_at <= now:
        raise ServiceError(_("The agreed deadline must be in the future."))
    complaint.agreed_due_at, complaint.agreed_by, complaint.agreed_at = due_at, by, now
    Complaint.objects.filter(pk=complaint.pk).update(
        agreed_due_at=due_at, agreed_by=by, agreed_at=now
    )
    record_event(
        complaint,
        ComplaintEvent.Kind.AGREED,
        by=by,
        note=note,
        code="deadline_agreed",
        params={"due": moment(due_at)},
        at=now,
    )
    deadlines.schedule(complaint, now=now)
    return complaint


@transaction.atomic
def complaint_book_revisit(
    *, complaint: Complaint, by, at: dt.datetime, note: str = ""
) -> Complaint:
    """Book the revisit at the time the resident asked for."""
    if not perms.can_book_revisit(by, complaint):
        raise PermissionDenied(_("You may not revisit complaints."))
    if complaint.state != Complaint.State.RESOLVED:
        raise ServiceError(_("Only a resolved complaint waits for its revisit."))
    now = timezone.now()
    if at <= now:
        raise ServiceError(_("The revisit time must be in the future."))
    complaint.revisit_appointment_at = at
    Complaint.objects.filter(pk=complaint.pk).update(revisit_appointment_at=at)
    record_event(
        complaint,
        ComplaintEvent.Kind.AGREED,
        by=by,
        note=(note or "").strip(),
        code="revisit_booked",
        params={"at": moment(at)},
        at=now,
    )
    deadlines.schedule(complaint, now=now)
    return complaint
