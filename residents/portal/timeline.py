"""What a resident reads about their complaint: plain-words status, the expected date, and
the timeline rows meant for them, worded for them.

Only these reach the residents' side: the receipt, the dispatch (to which department), the
resolution and the closing (with the explanation to the resident when it was closed as
invalid), rework after an unsatisfied revisit, a reopening, the replies staff chose to send
to the resident, and what the resident themselves added.  A staff member appears as their
department ("Service centre" for the desk), never by name; typed text is shown only from
rows meant for the resident (a reply, the resident's own words, the explanation to them).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Complaint, ComplaintEvent

from .account import is_portal_account

SYSTEM_KINDS = [
    ComplaintEvent.Kind.CREATED,
    ComplaintEvent.Kind.DISPATCHED,
    ComplaintEvent.Kind.REOPENED,
]

STATUS = {
    Complaint.State.RECEIVED: gettext_lazy("Received: waiting to be passed to a department"),
    Complaint.State.CONFIRMED: gettext_lazy("Passed to the department"),
    Complaint.State.INVESTIGATED: gettext_lazy("Being handled"),
    Complaint.State.RESOLVED: gettext_lazy("Resolved: we will ask you how it went"),
    Complaint.State.REVISITED: gettext_lazy("Done: thank you for your feedback"),
    Complaint.State.CLOSED: gettext_lazy("Closed"),
}


def status_text(complaint: Complaint, *, withdrawn: bool = False) -> str:
    if withdrawn and complaint.is_open:
        return _("Withdrawn by you: the service centre will close it")
    return str(STATUS.get(complaint.state, complaint.get_state_display()))


def expected_date(complaint: Complaint):
    """When the resident can expect it done: the agreed date, else the deadline; none once
    resolved or for an invalid complaint."""
    if complaint.resolved_at or not complaint.is_open:
        return None
    if complaint.validity == Complaint.Validity.INVALID:
        return None
    return complaint.agreed_due_at or complaint.resolve_due_at


@dataclass(frozen=True)
class Entry:
    at: object
    who: str
    text: str
    mine: bool = False  # the resident's own words


def _department(event: ComplaintEvent) -> str:
    if event.work_order_id and event.work_order.department_id:
        return event.work_order.department.name
    profile = getattr(event.actor, "staff_profile", None) if event.actor_id else None
    if profile is not None and profile.department_id:
        return profile.department.name
    return _("Service centre")


def entry(event: ComplaintEvent, complaint: Complaint) -> Entry | None:
    kind, code, p = event.kind, event.code, event.params or {}
    if kind != ComplaintEvent.Kind.CREATED and event.actor_id and is_portal_account(event.actor):
        return _own(event, complaint)
    if kind == ComplaintEvent.Kind.CREATED:
        return Entry(
            event.at,
            _("Service centre"),
            _("Received, number %(number)s.") % {"number": complaint.number},
        )
    if kind == ComplaintEvent.Kind.DISPATCHED:
        department = p.get("new") if code == "redispatched" else p.get("department")
        if code == "rework":
            text = _("Sent back to %(department)s for more work.")
        else:
            text = _("Passed to %(department)s.")
        return Entry(event.at, _("Service centre"), text % {"department": department or "—"})
    if kind == ComplaintEvent.Kind.REOPENED:
        return Entry(event.at, _("Service centre"), _("Opened again."))
    if kind == ComplaintEvent.Kind.TRANSITION:
        if event.to_state == Complaint.State.RESOLVED:
            return Entry(event.at, _department(event), _("The work is done."))
        if event.to_state == Complaint.State.CLOSED:
            if event.from_state == Complaint.State.CONFIRMED and event.note:
                return Entry(
                    event.at, _("Service centre"), _("Closed: %(why)s") % {"why": event.note}
                )
            return Entry(event.at, _("Service centre"), _("Closed."))
        return None
    if event.for_resident and event.note:
        return Entry(event.at, _department(event), event.note)
    return None


def _own(event: ComplaintEvent, complaint: Complaint) -> Entry | None:
    """A row the resident's own action left (on the residents' side)."""
    if not event.for_resident:
        return None
    you = _("You")
    if event.kind == ComplaintEvent.Kind.ATTACHMENT:
        name = (event.params or {}).get("name", "")
        return Entry(event.at, you, _("You added a file: %(name)s") % {"name": name}, True)
    if event.code == "resident_withdrew":
        return Entry(event.at, you, _("You withdrew it: %(reason)s") % {"reason": event.note}, True)
    note = event.note
    prefix = f"{complaint.contact_name}: "
    if note.startswith(prefix):  # a "reported again" row names the caller first
        note = note[len(prefix) :]
    return Entry(event.at, you, note, True)


def timeline(complaint: Complaint, events) -> list[Entry]:
    return [e for e in (entry(ev, complaint) for ev in events) if e is not None]
