"""Moving a complaint through its workflow: confirm, dispatch, sign, investigate, resolve,
revisit, close and reopen.  Each service is one transaction that leaves a timeline row."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from residents.messaging import complaint_event as tell_resident

from .. import permissions as perms
from .. import policies
from ..models import Complaint, ComplaintEvent, Revisit, WorkOrder
from ..roles import display_name
from ..sla import deadlines
from . import notices
from .errors import Conflict, ServiceError
from .intake import detect_group, refresh_repeat_level
from .timeline import record_event


def _run_transition(complaint: Complaint, name: str, *, by) -> str:
    """Check and run the FSM transition ``name``; return the state it left.

    Refusals carry the sentence of the first unmet condition, so the person knows what to do.
    """
    method = getattr(complaint, name)
    meta = method._django_fsm
    spec = meta.get_transition(complaint.state)
    label = next(iter(meta.transitions.values())).custom.get("label", name)
    if spec is None:
        raise ServiceError(
            _("This complaint is “%(state)s”: “%(action)s” is not possible now.")
            % {"state": complaint.get_state_display(), "action": label}
        )
    if not spec.has_perm(complaint, by):
        raise PermissionDenied(
            _("You may not do “%(action)s” on this complaint.") % {"action": label}
        )
    for check in spec.conditions:
        if not check(complaint):
            raise ServiceError(str(check.message))
    from_state = complaint.state
    method()
    return from_state


# Foreign keys are checked by the database and by the forms that chose them; re-validating
# each with a query on every transition made saves several times slower.
_NOT_REVALIDATED = [
    "number",
    "state",
    "resident",
    "unit",
    "estate",
    "received_by",
    "group_lead",
    "category",
    "department",
]


def _save(complaint: Complaint, *, validate: bool = True) -> None:
    if validate:
        complaint.full_clean(
            exclude=_NOT_REVALIDATED, validate_unique=False, validate_constraints=False
        )
    try:
        complaint.save()
    except ConcurrentTransition as exc:
        raise Conflict() from exc


def _transition_event(
    complaint: Complaint, from_state: str, *, by, note: str = "", work_order=None
) -> None:
    record_event(
        complaint,
        ComplaintEvent.Kind.TRANSITION,
        by=by,
        from_state=from_state,
        to_state=complaint.state,
        note=note,
        work_order=work_order,
    )


def _require_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message)
    return value


@transaction.atomic
def complaint_confirm(
    *,
    complaint: Complaint,
    by,
    severity: str,
    category,
    validity: str,
    responsibility: str = "",
    department=None,
    is_special: bool = False,
    explanation: str = "",
    instructions: str = "",
) -> Complaint:
    """Record the classification and confirm; a valid or assist complaint is dispatched."""
    complaint.severity = severity
    complaint.category = category
    complaint.validity = validity
    complaint.responsibility = responsibility
    complaint.is_special = is_special
    complaint.department = department if validity != Complaint.Validity.INVALID else None
    if explanation:
        complaint.explanation = explanation.strip()
    refresh_repeat_level(complaint)
    detect_group(complaint, by=by)
    complaint.severity = policies.effective_severity(
        complaint.severity, special=complaint.is_special, group=complaint.is_group
    )
    from_state = _run_transition(complaint, "confirm", by=by)
    if complaint.owner_id is None:
        # Received online (nobody at the desk took it yet): whoever confirms it owns it.
        complaint.owner = by
    _save(complaint)
    record_event(
        complaint,
        ComplaintEvent.Kind.CLASSIFIED,
        by=by,
        code="classified",
        params={
            "severity": complaint.severity,
            "category": str(complaint.category) if complaint.category_id else "",
            "validity": complaint.validity,
        },
    )
    _transition_event(complaint, from_state, by=by)
    if validity != Complaint.Validity.INVALID:
        complaint_dispatch(
            complaint=complaint, department=department, by=by, instructions=instructions
        )
    else:
        deadlines.schedule(complaint)  # no dispatch clock for an invalid complaint
    return complaint


@transaction.atomic
def complaint_dispatch(
    *, complaint: Complaint, department, by, instructions: str = "", rework: bool = False
) -> WorkOrder:
    """Send the complaint to a department as a work order; a re-dispatch withdraws the old one."""
    if not perms.can_dispatch(by, complaint):
        raise PermissionDenied(_("You may not dispatch complaints."))
    if complaint.state not in (Complaint.State.CONFIRMED, Complaint.State.INVESTIGATED):
        raise ServiceError(
            _("This complaint is “%(state)s”: it cannot be dispatched now.")
            % {"state": complaint.get_state_display()}
        )
    if department is None:
        raise ServiceError(_("Choose the department to dispatch to."))
    return _dispatch(
        complaint=complaint, department=department, by=by, instructions=instructions, rework=rework
    )


def _dispatch(*, complaint, department, by, instructions="", rework=False) -> WorkOrder:
    now = timezone.now()
    current = complaint.active_work_order
    if current is not None:
        if current.department_id == department.pk and not rework:
            raise ServiceError(
                _("The work order is already with %(department)s.") % {"department": department}
            )
        WorkOrder.objects.filter(pk=current.pk).update(
            status=WorkOrder.Status.WITHDRAWN, finished_at=now
        )
    order = WorkOrder(
        complaint=complaint,
        department=department,
        dispatched_by=by,
        dispatched_at=now,
        instructions=instructions.strip(),
        is_rework=rework,
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        raise Conflict() from exc
    complaint.forget_work_order()
    complaint.department = department
    if complaint.dispatched_at is None:
        complaint.dispatched_at = now
    _save(complaint, validate=False)
    if rework:
        code, params = "rework", {"department": department.name}
    elif current is not None:
        code, params = "redispatched", {"old": current.department.name, "new": department.name}
    else:
        code, params = "dispatched", {"department": department.name}
    record_event(
        complaint,
        ComplaintEvent.Kind.DISPATCHED,
        by=by,
        note=instructions.strip(),
        code=code,
        params=params,
        work_order=order,
    )
    deadlines.schedule(complaint, now=now)
    notices.work_order_arrived(order=order, complaint=complaint, redispatched=current is not None)
    if current is None or rework:
        tell_resident(complaint, "dispatched")
    return order


@transaction.atomic
def work_order_sign(*, work_order: WorkOrder, by) -> WorkOrder:
    """The department head signs for the work order (签收); the time is recorded."""
    if not perms.can_sign(by, work_order):
        raise PermissionDenied(
            _("Only %(department)s can sign for this work order.")
            % {"department": work_order.department}
        )
    now = timezone.now()
    updated = WorkOrder.objects.filter(pk=work_order.pk, status=WorkOrder.Status.PENDING).update(
        status=WorkOrder.Status.SIGNED, signed_by=by, signed_at=now
    )
    if not updated:
        work_order.refresh_from_db()
        if work_order.status == WorkOrder.Status.SIGNED:
            raise Conflict(
                _("This work order was already signed for by %(name)s.")
                % {"name": display_name(work_order.signed_by)}
            )
        raise Conflict(_("This work order was withdrawn; the complaint went elsewhere."))
    work_order.refresh_from_db()
    work_order.complaint.forget_work_order()
    record_event(
        work_order.complaint,
        ComplaintEvent.Kind.SIGNED,
        by=by,
        code="signed",
        params={"department": work_order.department.name},
        work_order=work_order,
    )
    deadlines.schedule(work_order.complaint, now=now)  # the daily progress reports start
    notices.work_order_signed(order=work_order, complaint=work_order.complaint)
    return work_order


@transaction.atomic
def complaint_investigate(*, complaint: Complaint, by, plan: str) -> Complaint:
    """Record the on-site investigation and the agreed plan."""
    complaint.investigation_plan = _require_text(
        plan, _("Describe the investigation and the plan.")
    )
    from_state = _run_transition(complaint, "investigate", by=by)
    complaint.answered_at = complaint.answered_at or timezone.now()  # the plan is told to them
    _save(complaint)
    _transition_event(
        complaint,
        from_state,
        by=by,
        note=complaint.investigation_plan,
        work_order=complaint.active_work_order,
    )
    deadlines.schedule(complaint)
    if complaint.severity == Complaint.Severity.MAJOR:
        tell_resident(complaint, "answered")
    return complaint


@transaction.atomic
def complaint_progress(
    *, complaint: Complaint, by, note: str, for_resident: bool = False
) -> ComplaintEvent:
    """A progress report (the departments report daily on every open work order).

    ``for_resident``: a reply to the resident, shown on the residents' side (under the
    writer's department, never their name); otherwise an internal note."""
    note = _require_text(note, _("Write what progress was made."))
    if not complaint.is_open:
        raise ServiceError(_("This complaint is closed; reopen it to add progress."))
    if not perms.can_report_progress(by, complaint):
        raise PermissionDenied(_("You may not report progress on this complaint."))
    return record_event(
        complaint,
        ComplaintEvent.Kind.PROGRESS,
        by=by,
        note=note,
        work_order=complaint.active_work_order,
        for_resident=for_resident,
    )


@transaction.atomic
def complaint_resolve(*, complaint: Complaint, by, result: str) -> Complaint:
    """The work is done: record the result and close the work order."""
    complaint.result_note = _require_text(result, _("Describe the result of the handling."))
    order = complaint.active_work_order
    from_state = _run_transition(complaint, "resolve", by=by)
    _save(complaint)
    WorkOrder.objects.filter(pk=order.pk).update(
        status=WorkOrder.Status.DONE, finished_at=complaint.resolved_at
    )
    complaint.forget_work_order()
    _transition_event(complaint, from_state, by=by, note=complaint.result_note, work_order=order)
    deadlines.schedule(complaint)  # resolution clocks stop; the revisit clock starts
    notices.complaint_resolved(complaint=complaint)
    tell_resident(complaint, "resolved")
    return complaint


@transaction.atomic
def complaint_revisit(
    *,
    complaint: Complaint,
    by,
    method: str,
    satisfaction: str,
    comment: str = "",
    prevention: str = "",
    suggestions: str = "",
) -> Revisit:
    """Record the revisit's four points (opinion on the handling, prevention, suggestions,
    satisfaction); an unsatisfied resident sends the complaint back for rework, and the
    second time also to the superior."""
    revisit = Revisit(
        complaint=complaint,
        method=method,
        satisfaction=satisfaction,
        comment=comment.strip(),
        prevention=prevention.strip(),
        suggestions=suggestions.strip(),
        by=by,
        at=timezone.now(),
    )
    revisit.full_clean(exclude=["complaint"])
    unsatisfied = satisfaction == Revisit.Satisfaction.UNSATISFIED
    if unsatisfied and not revisit.comment:
        raise ServiceError(_("Write down what the resident is unhappy about."))
    last_order = complaint.work_orders.order_by("-dispatched_at", "-pk").first()
    from_state = _run_transition(
        complaint, "revisit_unsatisfied" if unsatisfied else "revisit_satisfied", by=by
    )
    if unsatisfied:
        complaint.rework_started_at = revisit.at  # the rework gets the class's full time
    _save(complaint)
    revisit.save()
    record_event(
        complaint,
        ComplaintEvent.Kind.REVISIT,
        by=by,
        note=revisit.comment,
        code="revisit",
        params={
            "satisfaction": revisit.satisfaction,
            "prevention": revisit.prevention,
            "suggestions": revisit.suggestions,
        },
    )
    _transition_event(complaint, from_state, by=by)
    if not complaint.result_told_at:  # the revisit call tells the result too
        told = {"visit": Complaint.ToldBy.IN_PERSON, "online": Complaint.ToldBy.ONLINE}
        complaint.result_told_at, complaint.result_told_by = revisit.at, by
        complaint.result_told_how = told.get(method, Complaint.ToldBy.PHONE)
        Complaint.objects.filter(pk=complaint.pk).update(
            result_told_at=complaint.result_told_at,
            result_told_by=by,
            result_told_how=complaint.result_told_how,
        )
    if (
        unsatisfied
        and complaint.revisits.filter(satisfaction=Revisit.Satisfaction.UNSATISFIED).count() >= 2
    ):
        from .procedure import hand_up

        hand_up(complaint, by=by, why="unsatisfied_again", words=revisit.comment)
    if unsatisfied and last_order is not None:
        _dispatch(
            complaint=complaint,
            department=last_order.department,
            by=by,
            instructions=revisit.comment,
            rework=True,
        )
    else:
        deadlines.schedule(complaint)
    return revisit


@transaction.atomic
def complaint_close(*, complaint: Complaint, by, summary: str = "") -> Complaint:
    """Review and archive a revisited complaint (审核归档), with the case summary (the one
    proposed by the desk, unless the reviewer writes another)."""
    summary = (summary or "").strip() or complaint.archive_summary
    if complaint.state == Complaint.State.REVISITED and not summary:
        raise ServiceError(_("Summarise the case before archiving it."))
    from_state = _run_transition(complaint, "close", by=by)
    complaint.archive_summary = summary
    _save(complaint)
    _transition_event(complaint, from_state, by=by, note=summary)
    deadlines.schedule(complaint)
    tell_resident(complaint, "closed")
    return complaint


@transaction.atomic
def complaint_close_invalid(*, complaint: Complaint, by, explanation: str = "") -> Complaint:
    """Close an invalid complaint once the explanation to the resident is recorded."""
    if explanation.strip():
        complaint.explanation = explanation.strip()
    from_state = _run_transition(complaint, "close_invalid", by=by)
    complaint.answered_at = complaint.answered_at or timezone.now()
    _save(complaint)
    _transition_event(complaint, from_state, by=by, note=complaint.explanation)
    deadlines.schedule(complaint)
    tell_resident(complaint, "closed")
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, by, reason: str) -> Complaint:
    """A manager reopens a closed complaint; it goes back to the desk to be confirmed again."""
    reason = _require_text(reason, _("Give the reason for reopening."))
    from_state = _run_transition(complaint, "reopen", by=by)
    # A reopened complaint starts its clocks again from now: dispatch, management, answer,
    # resolution (the escalations of the first round stay in its history).  What was agreed
    # with the resident for the first round does not bind the second.  The one-month rule
    # keeps counting from the first receipt: the resident has waited that long.
    now = timezone.now()
    complaint.clocks_started_at = now
    complaint.dispatched_at = None
    complaint.answered_at = None
    complaint.rework_started_at = None
    complaint.agreed_due_at = complaint.agreed_by = complaint.agreed_at = None
    complaint.revisit_appointment_at = None
    _save(complaint)
    record_event(
        complaint,
        ComplaintEvent.Kind.REOPENED,
        by=by,
        from_state=from_state,
        to_state=complaint.state,
        note=reason,
    )
    deadlines.schedule(complaint, now=now)
    return complaint
