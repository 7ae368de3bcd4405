"""Deadline extensions: the handler asks for more time with a reason; the role the policy
names for the class (or anyone more senior) approves or refuses.  An approved extension
moves the resolution deadline through :func:`~.deadlines.schedule`, like every other change."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions as perms
from ..messages import facts
from ..models import Complaint, ComplaintEvent, DeadlineExtension, NotificationEvent, SlaPolicy
from ..models.complaint import figures_changed
from ..services.errors import Conflict, ServiceError
from ..services.timeline import record_event
from ..timeline_text import moment
from . import deadlines
from .notifications import local, notify, users_in_role


@transaction.atomic
def extension_request(
    *, complaint: Complaint, by, new_due_at: dt.datetime, reason: str
) -> DeadlineExtension:
    """The handler asks for a later resolution deadline, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason for the extension."))
    if not perms.can_request_extension(by, complaint):
        raise PermissionDenied(_("Only the department handling it may ask for more time."))
    if not complaint.is_open or complaint.resolved_at or not complaint.resolve_due_at:
        raise ServiceError(_("Only an open complaint with a resolution deadline can be extended."))
    policy = SlaPolicy.objects.filter(severity=complaint.severity).first()
    if policy is None or not policy.extension_approver:
        raise ServiceError(
            _("A %(severity)s complaint cannot be extended.")
            % {"severity": complaint.get_severity_display()}
        )
    if new_due_at <= complaint.resolve_due_at:
        raise ServiceError(
            _("The new deadline must be later than the current one (%(due)s).")
            % {"due": local(complaint.resolve_due_at)}
        )
    extension = DeadlineExtension(
        complaint=complaint,
        requested_by=by,
        reason=reason,
        old_due_at=complaint.resolve_due_at,
        new_due_at=new_due_at,
        requested_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            extension.save()
    except IntegrityError as exc:
        raise Conflict(_("An extension is already waiting for approval.")) from exc
    record_event(
        complaint,
        ComplaintEvent.Kind.EXTENSION,
        by=by,
        note=reason,
        code="extension_requested",
        params={"due": moment(new_due_at)},
    )
    notify(
        users_in_role(policy.extension_approver),
        complaint=complaint,
        event=NotificationEvent.EXTENSION_REQUESTED,
        params=facts(complaint, due=new_due_at, reason=reason),
    )
    return extension


@transaction.atomic
def extension_decide(
    *, extension: DeadlineExtension, by, approve: bool, note: str = ""
) -> DeadlineExtension:
    """Approve (the deadline moves) or refuse; either way it goes on the timeline."""
    if not perms.can_decide_extension(by, extension):
        raise PermissionDenied(_("This extension must be decided by a more senior role."))
    status = DeadlineExtension.Status.APPROVED if approve else DeadlineExtension.Status.REFUSED
    updated = DeadlineExtension.objects.filter(
        pk=extension.pk, status=DeadlineExtension.Status.PENDING
    ).update(status=status, decided_by=by, decided_at=timezone.now(), decision_note=note.strip())
    if not updated:
        raise Conflict(_("This extension was already decided."))
    extension.refresh_from_db()
    complaint = extension.complaint
    # "Deadline extended" is a figure of the statistics: the complaint's day changes.
    figures_changed.send(sender=DeadlineExtension, received=[complaint.received_at])
    if approve:
        deadlines.schedule(complaint)
    record_event(
        complaint,
        ComplaintEvent.Kind.EXTENSION,
        by=by,
        note=note.strip(),
        code="extension_approved" if approve else "extension_refused",
        params={"due": moment(extension.new_due_at)},
    )
    notify(
        [extension.requested_by],
        complaint=complaint,
        event=NotificationEvent.EXTENSION_DECIDED,
        params=facts(
            complaint,
            variant="approved" if approve else "refused",
            due=complaint.resolve_due_at,
            reason=note.strip(),
        ),
    )
    return extension
