"""Telling people that work has reached them — not only that it is late.

A department's heads hear of a new work order (or a rework, or one re-dispatched to them);
the complaint's owner hears that the department signed for it and that it is resolved and
waits for the revisit.  Each message says what happened, the number, the unit, what it is
about and the deadline; the notification links to the complaint.  Delivery goes through
the outbox and every configured channel (complaints.sla.notifications).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Complaint, WorkOrder
from ..sla.notifications import department_heads, local, notify


def _facts(complaint: Complaint) -> dict:
    unit = complaint.unit.label if complaint.unit_id else ""
    return {
        "number": complaint.number,
        "unit": f" {unit}" if unit else "",
        "summary": complaint.summary,
    }


def work_order_arrived(*, order: WorkOrder, complaint: Complaint, redispatched: bool) -> None:
    """The department's heads: a new work order, a rework, or one sent on to them."""
    facts = _facts(complaint) | {"due": local(complaint.resolve_due_at) or "—"}
    if order.is_rework:
        text = _("Rework %(number)s%(unit)s: %(summary)s — resolve by %(due)s.")
    elif redispatched:
        text = _("Work order %(number)s%(unit)s sent on to you: %(summary)s — resolve by %(due)s.")
    else:
        text = _("New work order %(number)s%(unit)s: %(summary)s — resolve by %(due)s.")
    notify(department_heads(order.department_id), complaint=complaint, message=text % facts)


def work_order_signed(*, order: WorkOrder, complaint: Complaint) -> None:
    """The owner at the desk: the department has it."""
    if not complaint.owner_id or complaint.owner_id == order.signed_by_id:
        return
    facts = _facts(complaint) | {"department": order.department}
    notify(
        [complaint.owner],
        complaint=complaint,
        message=_("%(department)s signed for %(number)s%(unit)s.") % facts,
    )


def complaint_resolved(*, complaint: Complaint) -> None:
    """The owner: tell the resident the result today, and revisit by the deadline."""
    if not complaint.owner_id:
        return
    facts = _facts(complaint) | {"due": local(complaint.revisit_due_at) or "—"}
    notify(
        [complaint.owner],
        complaint=complaint,
        message=_(
            "%(number)s%(unit)s is resolved: tell the resident today; revisit due by %(due)s."
        )
        % facts,
    )
