"""The parts of the procedure that protect the resident when the main path fails, and the
records management asks for:

* 首问负责 / 谁受理、谁跟进、谁回复 — the complaint has an owner (whoever received it), who
  tells the resident the result the same day; ownership can be handed on, on the record;
* the resident rejects the plan, or is unsatisfied a second time → the complaint is handed to
  the superior (supervisor → manager → general manager, starting by class), who is told;
* the resident refuses the final answer → the complaint becomes special, and so major;
* 审核归档 — the desk proposes archiving with a case summary, a supervisor reviews and closes.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.messaging import complaint_event as tell_resident

from .. import permissions as perms
from .. import policies
from ..messages import facts
from ..models import Complaint, ComplaintEvent, DataAccess, NotificationEvent
from ..roles import SUPERVISOR, display_name
from ..sla import deadlines
from ..sla.notifications import notify, users_in_role
from ..timeline_text import reason_text
from .classify import complaint_reclassify
from .errors import ServiceError
from .privacy import data_access_record
from .timeline import record_event


def _require(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message)
    return value


# --- handing up to a superior ------------------------------------------------------------------
def hand_up(complaint: Complaint, *, by, why: str, words: str) -> str:
    """Give the complaint to the next superior, raise its repeat level, tell the superior.

    Called inside the service that found the reason (a rejected plan, a second unsatisfied
    revisit, named by ``why``, see :func:`complaints.timeline_text.reason_text`) with what
    the resident said (``words``); returns the role it went to.
    """
    role = policies.next_superior(complaint.handed_up_to, complaint.severity)
    level = policies.raised_repeat_level(complaint.repeat_level)
    complaint.handed_up_to, complaint.repeat_level = role, level
    Complaint.objects.filter(pk=complaint.pk).update(handed_up_to=role, repeat_level=level)
    record_event(
        complaint,
        ComplaintEvent.Kind.HANDED_UP,
        by=by,
        note=words,
        code="handed_up",
        params={"role": role, "why": why},
    )
    reason = reason_text(why, {}, words)
    notify(
        users_in_role(role),
        complaint=complaint,
        event=NotificationEvent.HANDED_UP,
        params=facts(complaint, reason=reason, due=complaint.resolve_due_at),
    )
    tell_resident(complaint, "handed_up")
    return role


@transaction.atomic
def complaint_reject_plan(*, complaint: Complaint, by, reason: str) -> Complaint:
    """The resident does not accept the plan: record why and hand it to the superior."""
    reason = _require(reason, _("Write down why the resident rejects the plan."))
    if complaint.state != Complaint.State.INVESTIGATED:
        raise ServiceError(_("Only a plan under investigation can be rejected."))
    if not perms.can_follow_up(by, complaint):
        raise PermissionDenied(_("You may not record this for the complaint."))
    hand_up(complaint, by=by, why="plan_rejected", words=reason)
    return complaint


@transaction.atomic
def complaint_refuse_final_answer(*, complaint: Complaint, by, reason: str) -> Complaint:
    """The resident refuses the final answer: the complaint is special, and so major."""
    reason = _require(reason, _("Write down what the resident said."))
    if not perms.can_reclassify(by, complaint):
        raise PermissionDenied(_("You may not change the class of complaints."))
    if not complaint.is_open or not complaint.severity:
        raise ServiceError(_("Only a confirmed open complaint can be marked so."))
    if complaint.is_special:
        raise ServiceError(_("This complaint is already special."))
    complaint.is_special = True
    complaint.repeat_level = Complaint.RepeatLevel.SPECIAL
    Complaint.objects.filter(pk=complaint.pk).update(
        is_special=True, repeat_level=Complaint.RepeatLevel.SPECIAL
    )
    if complaint.severity != Complaint.Severity.MAJOR:
        complaint_reclassify(
            complaint=complaint,
            severity=Complaint.Severity.MAJOR,
            by=by,
            reason=reason,
            why="refuses_final_answer",
        )
    else:
        record_event(
            complaint,
            ComplaintEvent.Kind.CLASSIFIED,
            by=by,
            note=reason,
            code="refuses_final_answer",
        )
    return complaint


# --- the owner and the same-day answer -----------------------------------------------------------
@transaction.atomic
def complaint_tell_result(*, complaint: Complaint, by, how: str, note: str = "") -> Complaint:
    """Record that the resident was told the result (who, how, when)."""
    if not perms.can_tell_result(by, complaint):
        raise PermissionDenied(_("The owner or the desk tells the resident the result."))
    if not complaint.resolved_at:
        raise ServiceError(_("There is no result to tell yet."))
    if how not in Complaint.ToldBy.values:
        raise ServiceError(_("Choose how the resident was told."))
    now = timezone.now()
    complaint.result_told_at, complaint.result_told_by, complaint.result_told_how = now, by, how
    Complaint.objects.filter(pk=complaint.pk).update(
        result_told_at=now, result_told_by=by, result_told_how=how
    )
    record_event(
        complaint,
        ComplaintEvent.Kind.TOLD,
        by=by,
        note=(note or "").strip(),
        code="told",
        params={"how": how},
        at=now,
    )
    deadlines.schedule(complaint, now=now)
    return complaint


@transaction.atomic
def complaint_transfer_owner(*, complaint: Complaint, by, to, reason: str) -> Complaint:
    """Hand the complaint to a colleague, who then follows it up and answers the resident."""
    reason = _require(reason, _("Give the reason for handing it on."))
    if not perms.can_transfer_owner(by, complaint):
        raise PermissionDenied(_("Only its owner or a supervisor may hand a complaint on."))
    if to is None or not to.is_active or not perms.can_tell_result(to, complaint):
        raise ServiceError(_("Choose a colleague at the desk."))
    if to.pk == complaint.owner_id:
        raise ServiceError(_("%(name)s already owns it.") % {"name": display_name(to)})
    old = complaint.owner
    complaint.owner = to
    Complaint.objects.filter(pk=complaint.pk).update(owner=to)
    record_event(
        complaint,
        ComplaintEvent.Kind.OWNER,
        by=by,
        note=reason,
        code="owner_changed",
        params={"old": display_name(old), "new": display_name(to)},
    )
    notify(
        [to],
        complaint=complaint,
        event=NotificationEvent.OTHER,
        params=facts(complaint, variant="owner", reason=reason),
    )
    return complaint


def owner_candidates():
    """The people a complaint can be handed on to: those who may tell a resident the result."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, groups__permissions__codename="confirm_complaint")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@transaction.atomic
def phone_reveal(*, complaint: Complaint, by):
    """The full number, for a call to the resident; who looked goes on the timeline (PIPL)."""
    if not perms.can_reveal_phone(by, complaint):
        raise PermissionDenied(_("Your role does not see residents' phone numbers."))
    record_event(complaint, ComplaintEvent.Kind.PHONE_REVEALED, by=by)
    data_access_record(
        user=by,
        kind=DataAccess.Kind.REVEAL,
        what=complaint.number,
        rows=1,
        phones_included=True,
        complaint=complaint,
    )
    return complaint.contact_phone


# --- archiving -----------------------------------------------------------------------------------
@transaction.atomic
def complaint_propose_archive(*, complaint: Complaint, by, summary: str) -> Complaint:
    """The desk proposes archiving a revisited complaint, with the case summary."""
    summary = _require(summary, _("Summarise the case for the review."))
    if complaint.state != Complaint.State.REVISITED:
        raise ServiceError(_("Only a revisited complaint can be proposed for archiving."))
    if not perms.can_propose_archive(by, complaint):
        raise PermissionDenied(_("You may not propose archiving."))
    now = timezone.now()
    complaint.archive_proposed_at, complaint.archive_proposed_by = now, by
    complaint.archive_summary = summary
    Complaint.objects.filter(pk=complaint.pk).update(
        archive_proposed_at=now, archive_proposed_by=by, archive_summary=summary
    )
    record_event(complaint, ComplaintEvent.Kind.ARCHIVE, by=by, note=summary, at=now)
    notify(
        users_in_role(SUPERVISOR),
        complaint=complaint,
        event=NotificationEvent.ARCHIVE_REVIEW,
        params=facts(complaint),
    )
    return complaint
