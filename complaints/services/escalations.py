"""Acting on an escalation: acknowledging it (已知悉) and handing its follow-up to someone.

Who may do either is :func:`complaints.permissions.can_acknowledge_escalation`; whom it may be
handed to is :func:`complaints.permissions.can_follow_up_escalation`.  Both write a timeline
row on the complaint in the same transaction.  A second click changes nothing: the
acknowledgement is a conditional update, and assigning to the person already assigned is a
no-op.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions as perms
from ..messages import facts
from ..models import ComplaintEvent, Escalation, NotificationEvent
from ..roles import LABELS, display_name
from ..sla.notifications import notify
from .errors import ServiceError
from .timeline import record_event


def role_label(role: str) -> str:
    """The role an escalation was raised to, in words (the stored key if it is unknown)."""
    label = LABELS.get(role)
    return str(label) if label is not None else role


def _facts(escalation: Escalation) -> dict:
    return {
        "clock": escalation.clock,
        "level": escalation.level,
        "role": escalation.role,
        "escalation": escalation.pk,
    }


def _timeline(escalation: Escalation, *, by, code: str, at, **extra) -> None:
    # The facts only: complaints.timeline_text renders the line in the reader's language.
    record_event(
        escalation.complaint,
        ComplaintEvent.Kind.ESCALATED,
        by=by,
        code=code,
        params={**_facts(escalation), **extra},
        at=at,
    )


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by) -> bool:
    """Record that ``by`` has seen the escalation; True if this call recorded it, False if it
    was already acknowledged (by anyone)."""
    if not perms.can_acknowledge_escalation(by, escalation):
        raise PermissionDenied(_("This escalation was raised to another role."))
    now = timezone.now()
    changed = Escalation.objects.filter(pk=escalation.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by
    )
    if not changed:
        escalation.refresh_from_db(fields=["acknowledged_at", "acknowledged_by"])
        return False
    escalation.acknowledged_at, escalation.acknowledged_by = now, by
    _timeline(
        escalation,
        by=by,
        code="escalation_acknowledged",
        at=now,
    )
    return True


@transaction.atomic
def escalation_assign(*, escalation: Escalation, to, by) -> bool:
    """Hand the follow-up of the escalation to ``to``; True if it changed.  Assigning also
    acknowledges it, and the new assignee is told."""
    if not perms.can_assign_escalation(by, escalation):
        raise PermissionDenied(_("This escalation was raised to another role."))
    if to is None or not perms.can_follow_up_escalation(to, escalation):
        raise ServiceError(_("That person cannot follow this complaint up; choose someone else."))
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if locked.assigned_to_id == to.pk:
        return False
    now = timezone.now()
    update = {"assigned_to": to}
    if locked.acknowledged_at is None:
        update.update(acknowledged_at=now, acknowledged_by=by)
    Escalation.objects.filter(pk=escalation.pk).update(**update)
    for field, value in update.items():
        setattr(escalation, field, value)
    _timeline(
        escalation,
        by=by,
        code="escalation_assigned",
        at=now,
        to=to.pk,
        person=display_name(to),
    )
    if to.pk != by.pk:
        notify(
            [to],
            complaint=escalation.complaint,
            event=NotificationEvent.ASSIGNED,
            params=facts(escalation.complaint, person=display_name(by), clock=escalation.clock),
        )
    return True
