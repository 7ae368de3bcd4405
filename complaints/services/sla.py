"""Deadlines that enforce themselves.

* ``schedule_*`` compute a complaint's deadlines from the policy table and the calendar.
* :func:`sla_sweep` is level-triggered: every run finds, in the database, what is due *now*
  and has not been recorded yet, records one :class:`Escalation` per breach (unique per
  complaint, clock, level and due time, so doubled, late or concurrent runs add nothing) and
  notifies the people of that level.  Its cost follows the number of items due, not the
  number of complaints: each query walks a partial index of open, not-yet-done deadlines.
* Extensions are requested by the handler and decided by the role the policy names.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import calendar as cal
from .. import roles
from ..models import (
    CalendarDay,
    Complaint,
    ComplaintEvent,
    DeadlineExtension,
    DeskPolicy,
    Escalation,
    Notification,
    SlaPolicy,
    WorkOrder,
)
from ..models.complaint import may_handle
from .errors import Conflict, ServiceError
from .intake import record_event

log = logging.getLogger(__name__)

# The classes management must be told of (as in the partial index complaint_management_untold;
# queries repeat the index's terms because SQLite only uses a partial index when they match).
UNTOLD_SEVERITIES = ["important", "major"]

# Who hears of a breach at each level, in order.
LEVEL_ROLES = [roles.SUPERVISOR, roles.MANAGER, roles.GENERAL_MANAGER]
SENIORITY = {roles.SUPERVISOR: 1, roles.MANAGER: 2, roles.GENERAL_MANAGER: 3}


# --- deadlines -------------------------------------------------------------------------------
def policies_by_severity() -> dict[str, SlaPolicy]:
    return {p.severity: p for p in SlaPolicy.objects.all()}


def work_calendar() -> cal.WorkCalendar:
    return cal.WorkCalendar(dict(CalendarDay.objects.values_list("date", "is_working_day")))


def dispatch_due(received_at: dt.datetime, table: dict[str, SlaPolicy] | None = None):
    """Before a complaint is classed, the strictest dispatch limit of any class applies."""
    table = table if table is not None else policies_by_severity()
    minutes = min((p.dispatch_minutes for p in table.values()), default=10)
    return cal.add_minutes(received_at, minutes)


def schedule_classified(complaint: Complaint, *, table=None, calendar=None) -> None:
    """Set the answer and resolution deadlines from the class (not saved here)."""
    table = table if table is not None else policies_by_severity()
    policy = table.get(complaint.severity)
    if policy is None:
        return
    start = complaint.received_at
    if policy.resolve_in_working_days and calendar is None:
        calendar = work_calendar()
    due = cal.add_days(
        start, policy.resolve_days, working=policy.resolve_in_working_days, calendar=calendar
    )
    if policy.use_requested_deadline and complaint.requested_deadline:
        due = min(due, complaint.requested_deadline)
    extended = (
        complaint.extensions.filter(status=DeadlineExtension.Status.APPROVED)
        .order_by("-new_due_at")
        .values_list("new_due_at", flat=True)
        .first()
        if complaint.pk
        else None
    )
    complaint.resolve_due_at = max(due, extended) if extended else due
    complaint.resolve_level = 0  # a new deadline: its breaches are new
    schedule_reminders(complaint, policy)
    complaint.answer_due_at = (
        start + dt.timedelta(hours=policy.answer_hours) if policy.answer_hours else None
    )


def reminder_times(complaint: Complaint, policy: SlaPolicy) -> list[dt.datetime]:
    """When each reminder falls: at the policy's fractions of the resolution window."""
    if not complaint.resolve_due_at:
        return []
    window = complaint.resolve_due_at - complaint.received_at
    return [
        complaint.received_at + window * fraction
        for fraction in policy.steps("reminder_fractions", float)
    ]


def schedule_reminders(complaint: Complaint, policy: SlaPolicy, *, sent: int = 0) -> None:
    """Point ``reminder_at`` at the next reminder after ``sent`` of them (not saved here)."""
    times = reminder_times(complaint, policy)
    complaint.reminders_sent = sent
    complaint.reminder_at = times[sent] if sent < len(times) else None


# --- recipients ------------------------------------------------------------------------------
def users_in_role(role: str):
    return get_user_model().objects.filter(groups__name=role, is_active=True).distinct()


def department_heads(department_id):
    return users_in_role(roles.DEPARTMENT_HEAD).filter(staff_profile__department_id=department_id)


# --- the sweep -------------------------------------------------------------------------------
@dataclass
class SweepResult:
    escalations: int = 0
    notifications: int = 0
    made_major: int = 0
    requeued: int = 0
    by_clock: dict = field(default_factory=dict)


def _not_recorded(clock: str, level: int, due_expr) -> Exists:
    return ~Exists(
        Escalation.objects.filter(
            complaint=OuterRef("pk"), clock=clock, level=level, due_at=due_expr
        )
    )


def _record(
    result: SweepResult,
    complaint: Complaint,
    *,
    clock: str,
    level: int,
    role: str,
    due_at: dt.datetime,
    now: dt.datetime,
    message: str,
    recipients,
) -> bool:
    """Record one breach and its notifications; False if another run recorded it first."""
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                complaint=complaint,
                clock=clock,
                level=level,
                role=role,
                due_at=due_at,
                escalated_at=now,
            )
            notes = [
                Notification(
                    recipient=user,
                    complaint=complaint,
                    escalation=escalation,
                    message=message,
                    created_at=now,
                )
                for user in recipients
            ]
            Notification.objects.bulk_create(notes)
            if clock not in (Escalation.Clock.REMINDER, Escalation.Clock.NOTIFY):
                record_event(complaint, ComplaintEvent.Kind.ESCALATED, note=message, at=now)
    except IntegrityError:
        return False
    result.escalations += 1
    result.notifications += len(notes)
    result.by_clock[clock] = result.by_clock.get(clock, 0) + 1
    ids = [n.pk for n in notes if n.pk]
    if ids:
        transaction.on_commit(lambda: queue_delivery(ids))
    return True


def _recipients(role: str, complaint: Complaint, *, with_department: bool = False):
    people = list(_role_members(role))
    if with_department and complaint.department_id:
        people += [u for u in department_heads(complaint.department_id) if u not in people]
    return people


_members_cache: dict[str, list] | None = None


def _role_members(role: str) -> list:
    """The role's users, read once per sweep (the sweep sets up the cache)."""
    if _members_cache is None:
        return list(users_in_role(role))
    if role not in _members_cache:
        _members_cache[role] = list(users_in_role(role))
    return _members_cache[role]


def sla_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> SweepResult:
    """Escalate every breach that is due now and not recorded yet. Safe to run anywhere, any
    number of times, concurrently."""
    global _members_cache
    _members_cache = {}
    try:
        return _sweep(now=now, batch=batch)
    finally:
        _members_cache = None


def _sweep(*, now: dt.datetime | None, batch: int) -> SweepResult:
    """Escalate every breach that is due now and not recorded yet. Safe to run anywhere, any
    number of times, concurrently."""
    now = now or timezone.now()
    result = SweepResult()
    table = policies_by_severity()
    desk = DeskPolicy.current()
    open_ = ~Q(state=Complaint.State.CLOSED)
    select = ["department", "category"]

    # 0. A valid complaint open for a month becomes major (first, so the steps below treat
    #    it as major in this same run).
    month_ago = now - dt.timedelta(days=desk.auto_major_days)
    due = (
        Complaint.objects.filter(
            open_, resolved_at__isnull=True, validity="valid", received_at__lte=month_ago
        )
        .exclude(severity=Complaint.Severity.MAJOR)
        .order_by("received_at")
        .filter(
            _not_recorded(
                Escalation.Clock.MONTH,
                1,
                OuterRef("received_at") + dt.timedelta(days=desk.auto_major_days),
            )
        )
        .select_related(*select)[:batch]
    )
    for c in due:
        due_at = c.received_at + dt.timedelta(days=desk.auto_major_days)
        with transaction.atomic():
            if _record(
                result,
                c,
                clock=Escalation.Clock.MONTH,
                level=1,
                role=roles.GENERAL_MANAGER,
                due_at=due_at,
                now=now,
                recipients=_recipients(roles.GENERAL_MANAGER, c),
                message=_(
                    "%(number)s is unresolved after %(days)d days and is now a major complaint."
                )
                % {"number": c.number, "days": desk.auto_major_days},
            ):
                Complaint.objects.filter(pk=c.pk).update(
                    severity=Complaint.Severity.MAJOR, management_told=False
                )
                result.made_major += 1

    # 1. Not dispatched in time: supervisor, then manager (steps in minutes after the due time).
    strictest = min(table.values(), key=lambda p: p.dispatch_minutes, default=None)
    dispatch_steps = (strictest.steps("dispatch_escalation_minutes") if strictest else []) or [0]
    for level, minutes in enumerate(dispatch_steps[:3], start=1):
        role = LEVEL_ROLES[level - 1]
        due = (
            Complaint.objects.filter(
                open_,
                dispatched_at__isnull=True,
                dispatch_due_at__lte=now - dt.timedelta(minutes=minutes),
            )
            .filter(_not_recorded(Escalation.Clock.DISPATCH, level, OuterRef("dispatch_due_at")))
            .order_by("dispatch_due_at")
            .select_related(*select)[:batch]
        )
        for c in due:
            _record(
                result,
                c,
                clock=Escalation.Clock.DISPATCH,
                level=level,
                role=role,
                due_at=c.dispatch_due_at,
                now=now,
                recipients=_recipients(role, c),
                message=_("%(number)s was not dispatched within the deadline (%(due)s).")
                % {"number": c.number, "due": _local(c.dispatch_due_at)},
            )

    # 2. Management told of important and major complaints (once, as soon as classed).
    for severity, policy in table.items():
        if not policy.notify_role:
            continue
        due = Complaint.objects.filter(
            open_, severity=severity, management_told=False, severity__in=UNTOLD_SEVERITIES
        )
        for c in due.order_by("id").select_related(*select)[:batch]:
            due_at = (
                c.received_at + dt.timedelta(minutes=policy.notify_within_minutes)
                if policy.notify_within_minutes is not None
                else cal.end_of_local_day(c.received_at)
            )
            Complaint.objects.filter(pk=c.pk).update(management_told=True)
            _record(
                result,
                c,
                clock=Escalation.Clock.NOTIFY,
                level=1,
                role=policy.notify_role,
                due_at=due_at,
                now=now,
                recipients=_recipients(policy.notify_role, c),
                message=_("%(severity)s complaint %(number)s: %(summary)s")
                % {"severity": c.get_severity_display(), "number": c.number, "summary": c.summary},
            )

    # 3. No clear answer in time (major): the general manager.
    due = (
        Complaint.objects.filter(open_, answered_at__isnull=True, answer_due_at__lte=now)
        .filter(_not_recorded(Escalation.Clock.ANSWER, 1, OuterRef("answer_due_at")))
        .order_by("answer_due_at")
        .select_related(*select)[:batch]
    )
    for c in due:
        _record(
            result,
            c,
            clock=Escalation.Clock.ANSWER,
            level=1,
            role=roles.GENERAL_MANAGER,
            due_at=c.answer_due_at,
            now=now,
            recipients=_recipients(roles.GENERAL_MANAGER, c, with_department=True),
            message=_("%(number)s has had no clear answer to the resident by %(due)s.")
            % {"number": c.number, "due": _local(c.answer_due_at)},
        )

    # 4. Not resolved in time: up the chain, one level per step.
    steps_by_severity = {sev: p.steps("resolve_escalation_hours") for sev, p in table.items()}
    max_steps = max((len(s) for s in steps_by_severity.values()), default=0)
    for level in range(1, min(max_steps, 3) + 1):
        role = LEVEL_ROLES[level - 1]
        for severity, steps in steps_by_severity.items():
            if len(steps) < level:
                continue
            delay = dt.timedelta(hours=steps[level - 1])
            # Only complaints one level below this one: those already raised drop out.
            due = Complaint.objects.filter(
                open_,
                severity=severity,
                resolved_at__isnull=True,
                resolve_level=level - 1,
                resolve_level__lt=3,
                resolve_due_at__lte=now - delay,
            )
            for c in due.order_by("resolve_due_at").select_related(*select)[:batch]:
                Complaint.objects.filter(pk=c.pk, resolve_level=level - 1).update(
                    resolve_level=level
                )
                _record(
                    result,
                    c,
                    clock=Escalation.Clock.RESOLVE,
                    level=level,
                    role=role,
                    due_at=c.resolve_due_at,
                    now=now,
                    recipients=_recipients(role, c, with_department=level == 1),
                    message=_("%(number)s is overdue since %(due)s (level %(level)d).")
                    % {"number": c.number, "due": _local(c.resolve_due_at), "level": level},
                )

    # 5. Reminders before the resolution deadline, to the department.
    due = (
        Complaint.objects.filter(open_, resolved_at__isnull=True, reminder_at__lte=now)
        .order_by("reminder_at")
        .select_related(*select)[:batch]
    )
    for c in due:
        policy = table.get(c.severity)
        times = reminder_times(c, policy) if policy else []
        level = c.reminders_sent
        # A late sweep sends the latest reminder that is due, once.
        while level < len(times) and times[level] <= now:
            level += 1
        with transaction.atomic():
            updated = Complaint.objects.filter(pk=c.pk, reminders_sent=c.reminders_sent).update(
                reminders_sent=level, reminder_at=times[level] if level < len(times) else None
            )
            if not updated:
                continue  # another sweep took it
            if level and c.resolve_due_at and c.resolve_due_at > now and c.department_id:
                _record(
                    result,
                    c,
                    clock=Escalation.Clock.REMINDER,
                    level=level,
                    role=roles.DEPARTMENT_HEAD,
                    due_at=c.resolve_due_at,
                    now=now,
                    recipients=list(department_heads(c.department_id)),
                    message=_("Reminder: %(number)s is due %(due)s.")
                    % {"number": c.number, "due": _local(c.resolve_due_at)},
                )

    # 6. Daily progress report missing after the report time, to the department head.
    local_now = timezone.localtime(now)
    report_at = local_now.replace(
        hour=desk.progress_report_time.hour,
        minute=desk.progress_report_time.minute,
        second=0,
        microsecond=0,
    )
    if local_now >= report_at:
        day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        reported = ComplaintEvent.objects.filter(
            complaint=OuterRef("pk"),
            at__gte=day_start,
            kind__in=[ComplaintEvent.Kind.PROGRESS, ComplaintEvent.Kind.TRANSITION],
        )
        # Driven from the signed work orders (a partial index): the cost follows open work.
        signed_before_today = WorkOrder.objects.filter(
            status__in=WorkOrder.ACTIVE_STATUSES,
            status=WorkOrder.Status.SIGNED,
            signed_at__lt=day_start,
        ).values("complaint_id")
        due = (
            Complaint.objects.filter(open_, resolved_at__isnull=True, pk__in=signed_before_today)
            .filter(~Exists(reported))
            .filter(_not_recorded(Escalation.Clock.PROGRESS, 1, report_at))
            .order_by("id")
            .select_related(*select)[:batch]
        )
        for c in due:
            _record(
                result,
                c,
                clock=Escalation.Clock.PROGRESS,
                level=1,
                role=roles.DEPARTMENT_HEAD,
                due_at=report_at,
                now=now,
                recipients=list(department_heads(c.department_id)),
                message=_("%(number)s: today's progress report is missing.") % {"number": c.number},
            )

    result.requeued = requeue_undelivered(now=now)
    return result


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


# --- notifications ---------------------------------------------------------------------------
def queue_delivery(ids: list[int]) -> None:
    """Hand notifications to the worker; if the broker is down the sweep tries again later."""
    from ..tasks import deliver_notifications

    try:
        deliver_notifications.delay(ids)
    except Exception:  # the broker is unreachable: the rows stay undelivered and are re-queued
        log.warning("could not queue %d notifications; the next sweep re-queues them", len(ids))


def requeue_undelivered(
    *, now: dt.datetime, older_than=dt.timedelta(minutes=5), max_attempts: int = 5
) -> int:
    ids = list(
        Notification.objects.filter(
            delivered_at__isnull=True,
            created_at__lte=now - older_than,
            attempts__lt=max_attempts,
        ).values_list("pk", flat=True)[:500]
    )
    if ids:
        transaction.on_commit(lambda: queue_delivery(ids))
    return len(ids)


def deliver(ids: list[int]) -> int:
    """Send the given notifications through every channel; idempotent (delivered ones skip)."""
    from ..notify import channels

    sent = 0
    for note in Notification.objects.filter(pk__in=ids, delivered_at__isnull=True).select_related(
        "recipient", "complaint"
    ):
        updated = Notification.objects.filter(pk=note.pk, delivered_at__isnull=True).update(
            attempts=F("attempts") + 1
        )
        if not updated:
            continue
        try:
            for channel in channels():
                channel.send(note)
        except Exception:
            log.exception("delivery of notification %s failed", note.pk)
            continue
        Notification.objects.filter(pk=note.pk).update(delivered_at=timezone.now())
        sent += 1
    return sent


def notification_mark_read(*, user, ids=None) -> int:
    qs = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# --- extensions ------------------------------------------------------------------------------
@transaction.atomic
def extension_request(
    *, complaint: Complaint, by, new_due_at: dt.datetime, reason: str
) -> DeadlineExtension:
    """The handler asks for a later resolution deadline, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason for the extension."))
    if not (may_handle(complaint, by) or by.has_perm("complaints.confirm_complaint")):
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
            % {"due": _local(complaint.resolve_due_at)}
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
        note=_("Extension to %(due)s requested: %(reason)s")
        % {"due": _local(new_due_at), "reason": reason},
    )
    approvers = list(users_in_role(policy.extension_approver))
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=u,
                complaint=complaint,
                created_at=timezone.now(),
                message=_("%(number)s: extension to %(due)s asks for your approval.")
                % {"number": complaint.number, "due": _local(new_due_at)},
            )
            for u in approvers
        ]
    )
    return extension


def may_decide(extension: DeadlineExtension, user) -> bool:
    """The role the policy names for the class, or anyone more senior, decides."""
    if user.is_superuser:
        return True
    policy = SlaPolicy.objects.filter(severity=extension.complaint.severity).first()
    needed = SENIORITY.get(getattr(policy, "extension_approver", ""), 99)
    have = max((SENIORITY.get(g.name, 0) for g in user.groups.all()), default=0)
    return have >= needed


@transaction.atomic
def extension_decide(
    *, extension: DeadlineExtension, by, approve: bool, note: str = ""
) -> DeadlineExtension:
    """Approve (the deadline moves) or refuse; either way it goes on the timeline."""
    if not may_decide(extension, by):
        raise PermissionDenied(_("This extension must be decided by a more senior role."))
    status = DeadlineExtension.Status.APPROVED if approve else DeadlineExtension.Status.REFUSED
    updated = DeadlineExtension.objects.filter(
        pk=extension.pk, status=DeadlineExtension.Status.PENDING
    ).update(status=status, decided_by=by, decided_at=timezone.now(), decision_note=note.strip())
    if not updated:
        raise Conflict(_("This extension was already decided."))
    extension.refresh_from_db()
    complaint = extension.complaint
    if approve:
        complaint.resolve_due_at = extension.new_due_at
        policy = SlaPolicy.objects.filter(severity=complaint.severity).first()
        if policy is not None:
            times = reminder_times(complaint, policy)
            schedule_reminders(complaint, policy, sent=sum(1 for t in times if t <= timezone.now()))
        Complaint.objects.filter(pk=complaint.pk).update(
            resolve_level=0,
            resolve_due_at=extension.new_due_at,
            reminder_at=complaint.reminder_at,
            reminders_sent=complaint.reminders_sent,
        )
    record_event(
        complaint,
        ComplaintEvent.Kind.EXTENSION,
        by=by,
        note=(
            _("Extension to %(due)s approved.") if approve else _("Extension to %(due)s refused.")
        )
        % {"due": _local(extension.new_due_at)}
        + (f" {note.strip()}" if note.strip() else ""),
    )
    Notification.objects.create(
        recipient=extension.requested_by,
        complaint=complaint,
        created_at=timezone.now(),
        message=(
            _("%(number)s: your extension was approved.")
            if approve
            else _("%(number)s: your extension was refused.")
        )
        % {"number": complaint.number},
    )
    return extension
