"""Telling people that work has reached them — not only that it is late.

A department's heads hear of a new work order (or a rework, or one re-dispatched to them),
and so does the department's group robot; the complaint's owner hears that the department
signed for it and that it is resolved and waits for the revisit.  Each notification keeps its
event and facts (the number, the unit, what it is about, the deadline) and is worded in the
reader's language when read (complaints.messages); it links to the complaint.  Delivery goes
through the outbox and every configured channel (complaints.sla.notifications).
"""

from __future__ import annotations

from django.utils import timezone

from .. import webhooks
from ..messages import facts
from ..models import Complaint, NotificationEvent, WorkOrder
from ..sla.notifications import department_heads, is_urgent, notify, quiet_until
from ..sla.rules import Rules

E = NotificationEvent


def work_order_arrived(*, order: WorkOrder, complaint: Complaint, redispatched: bool) -> None:
    """The department's heads and its group robot: a new work order, a rework, or one sent
    on to them."""
    if order.is_rework:
        event = E.REWORK
    elif redispatched:
        event = E.REDISPATCHED
    else:
        event = E.WORK_ORDER
    params = facts(complaint, due=complaint.resolve_due_at, department=str(order.department))
    now = timezone.now()
    urgent = is_urgent(complaint)
    notify(
        department_heads(order.department_id),
        complaint=complaint,
        event=event,
        params=params,
        now=now,
        urgent=urgent,
    )
    webhooks.tell_robots(
        order.department_id,
        complaint=complaint,
        event=event,
        params=params,
        now=now,
        send_after=None if urgent else quiet_until(now, Rules.load()),
    )


def work_order_signed(*, order: WorkOrder, complaint: Complaint) -> None:
    """The owner at the desk: the department has it."""
    if not complaint.owner_id or complaint.owner_id == order.signed_by_id:
        return
    notify(
        [complaint.owner],
        complaint=complaint,
        event=E.SIGNED,
        params=facts(complaint, department=str(order.department), due=complaint.resolve_due_at),
    )


def complaint_resolved(*, complaint: Complaint) -> None:
    """The owner: tell the resident the result today, and revisit by the deadline."""
    if not complaint.owner_id:
        return
    notify(
        [complaint.owner],
        complaint=complaint,
        event=E.RESOLVED,
        params=facts(complaint, due=complaint.revisit_due_at),
    )
