"""The front desk's shortcuts around intake.

* :func:`complaint_register` registers a complaint once per filled-in form (a double click or
  a resent form gives back the complaint the first one made) and, for the clear cases, confirms
  it with its class and dispatches it in the same transaction (登记并派工): all or nothing.
* :func:`complaint_add_report` adds a caller's report to a complaint already open about the
  same thing (a timeline row of kind "reported again"), instead of registering a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions as perms
from ..messages import facts
from ..models import Complaint, ComplaintEvent, NotificationEvent, WorkOrder
from ..sla.notifications import notify
from .errors import ServiceError
from .intake import attachment_add, complaint_create
from .timeline import record_event
from .workflow import complaint_confirm

# How long a form's submission key is remembered: far longer than any double click or resend.
SUBMISSION_MEMORY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DispatchChoice:
    """What the desk decides when it registers and dispatches in one step."""

    severity: str
    department: object | None
    responsibility: str = ""
    instructions: str = ""


@dataclass(frozen=True)
class Registered:
    complaint: Complaint
    created: bool  # False: the form was sent before; ``complaint`` is what that made
    work_order: WorkOrder | None = None


def submitted_before(*, by, submission: str, kind: str = ComplaintEvent.Kind.CREATED):
    """The timeline row an earlier sending of the same form left, or None."""
    if not submission:
        return None
    return (
        ComplaintEvent.objects.filter(
            actor=by,
            kind=kind,
            at__gte=timezone.now() - SUBMISSION_MEMORY,
            params__submission=submission,
        )
        .select_related("complaint")
        .order_by("id")
        .first()
    )


def _one_at_a_time(by) -> None:
    """Serialise one person's submissions, so a form sent twice at once is seen as sent."""
    list(get_user_model().objects.select_for_update().filter(pk=by.pk).values_list("pk"))


def _remember(event: ComplaintEvent, submission: str, **facts) -> None:
    if submission:
        facts["submission"] = submission
    event.params = {**(event.params or {}), **facts}
    event.save(update_fields=["params"])


@transaction.atomic
def complaint_register(
    *, by, submission: str = "", dispatch: DispatchChoice | None = None, **fields
) -> Registered:
    """Register a complaint (see :func:`complaint_create` for ``fields``) once per
    ``submission`` key; with ``dispatch``, confirm it as valid with the class chosen and send
    it to the department, or save nothing at all."""
    if dispatch is not None:
        if not perms.can_dispatch(by):
            raise PermissionDenied(_("You may not dispatch complaints."))
        errors = {}
        if fields.get("category") is None:
            errors["category"] = _("Choose the category before dispatching.")
        if dispatch.department is None:
            errors["department"] = _("Choose the department to dispatch to.")
        if errors:
            raise ValidationError(errors)
    if submission:
        _one_at_a_time(by)
        earlier = submitted_before(by=by, submission=submission)
        if earlier is not None:
            return Registered(earlier.complaint, created=False)
    complaint = complaint_create(by=by, **fields)
    if submission:
        created = complaint.events.filter(kind=ComplaintEvent.Kind.CREATED).order_by("id").first()
        _remember(created, submission)
    order = None
    if dispatch is not None:
        complaint_confirm(
            complaint=complaint,
            by=by,
            severity=dispatch.severity,
            category=complaint.category,
            validity=Complaint.Validity.VALID,
            responsibility=dispatch.responsibility,
            department=dispatch.department,
            instructions=dispatch.instructions,
        )
        order = complaint.active_work_order
    return Registered(complaint, created=True, work_order=order)


@transaction.atomic
def complaint_add_report(
    *,
    complaint: Complaint,
    by,
    contact_name: str,
    contact_phone,
    description: str,
    channel: str = "",
    attachments=(),
    submission: str = "",
) -> ComplaintEvent:
    """Record that someone reported ``complaint``'s matter again: who called and what they
    said, on its timeline (no second complaint).  Attachments go onto the complaint."""
    from residents.models import mask_phone

    if not perms.can_register(by):
        raise PermissionDenied(_("You may not register complaints."))
    if complaint.state == Complaint.State.CLOSED:
        raise ServiceError(
            _("%(number)s is archived; register the call as a new complaint.")
            % {"number": complaint.number}
        )
    said = (description or "").strip()
    name = (contact_name or "").strip()
    if not said:
        raise ServiceError(_("Write what the caller said."))
    if submission:
        _one_at_a_time(by)
        earlier = submitted_before(by=by, submission=submission, kind=ComplaintEvent.Kind.REPEAT)
        if earlier is not None:
            return earlier
    event = record_event(
        complaint, ComplaintEvent.Kind.REPEAT, by=by, note=f"{name}: {said}" if name else said
    )
    _remember(
        event,
        submission,
        caller=name,
        phone=mask_phone(contact_phone),
        channel=channel or "",
    )
    for upload in attachments:
        attachment_add(complaint=complaint, upload=upload, by=by)
    if complaint.owner_id and complaint.owner_id != by.pk:
        # The person answering to the resident (首问负责) hears that they called again.
        notify(
            [complaint.owner],
            complaint=complaint,
            event=NotificationEvent.REPEAT,
            params=facts(complaint, said=said),
        )
    return event
