"""What each deadline of a complaint is, and keeping its running clocks in step.

Every service that changes a fact a deadline follows from (receipt, class, category,
urgency, dispatch, signing, answer, resolution, revisit, reopening, an extension, a deadline
agreed with the resident, a revisit appointment) ends with :func:`schedule`.  It computes
every deadline afresh from the facts, writes the complaint's ``*_due_at`` fields (what the
pages and the statistics read) and brings the :class:`~complaints.models.Clock` rows in line:

* a clock whose deadline is unchanged keeps its escalation level;
* a new deadline in the future starts again from level 0 — a reopened complaint, an
  approved extension, an agreed later date, a longer limit after a change of class;
* a deadline that moved but is still past keeps the levels already raised, so a change of
  class never repeats the escalations of a breach that is already being handled;
* a clock that no longer applies (dispatched, answered, resolved, closed…) stops.

The rules, by clock:

dispatch  from receipt (or reopening); outside office hours a complaint that is not urgent
          waits for the next day shift, and its clock starts then.
notify    management is told as soon as the complaint is classed; the deadline (1 hour for
          important, the same day for major) runs from receipt, so a late telling shows.
answer    a clear answer to the resident within the policy's minutes of receipt.
resolve   the policy's days (calendar or working) or hours; the resident's earlier deadline
          where the policy says so; a deadline agreed with the resident prevails, earlier or
          later; an approved extension moves it later.  Rework after an unsatisfied revisit
          gets the class's full time again, from the revisit.
reminder  at the policy's fractions of the resolution window.
progress  once the department has signed: a report each day by the desk's time, or within
          N hours of signing and of the previous report.
revisit   from the resolution: within the desk's hours, or the same day; a time agreed with
          the resident prevails.
month     a valid complaint unresolved a month after its *first* receipt becomes major.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db.models import Max
from django.utils import timezone

from .. import calendar as cal
from ..models import Clock, Complaint, DeadlineExtension, SlaPolicy, WorkOrder
from .rules import Rules

K = Clock.Kind

# The clocks that escalate one level per step after their deadline, and the unit of steps.
STEPPED = {K.DISPATCH, K.ANSWER, K.RESOLVE, K.REVISIT}


class Planned(NamedTuple):
    started_at: dt.datetime
    due_at: dt.datetime
    active: bool


# --- the deadlines ---------------------------------------------------------------------------
def clocks_start(complaint: Complaint) -> dt.datetime:
    return complaint.clocks_started_at or complaint.received_at


def is_urgent(complaint: Complaint) -> bool:
    category = complaint.category if complaint.category_id else None
    return bool(complaint.is_urgent or (category is not None and category.is_urgent))


def dispatch_due(complaint: Complaint, rules: Rules) -> tuple[dt.datetime, dt.datetime]:
    start = clocks_start(complaint)
    if not is_urgent(complaint):
        start = rules.day_shift_start(start)
    policy = rules.dispatch_policy(complaint.severity)
    minutes = policy.dispatch_minutes if policy else 10
    return start, cal.add_minutes(start, minutes)


def notify_due(start: dt.datetime, policy: SlaPolicy) -> dt.datetime:
    if policy.notify_within_minutes is not None:
        return cal.add_minutes(start, policy.notify_within_minutes)
    return cal.end_of_local_day(start)


def resolve_start(complaint: Complaint) -> dt.datetime:
    start = clocks_start(complaint)
    rework = complaint.rework_started_at
    return max(start, rework) if rework else start


def default_resolve_due(complaint: Complaint, policy: SlaPolicy, rules: Rules) -> dt.datetime:
    """The class's own limit, with the resident's earlier deadline where the policy allows."""
    start = resolve_start(complaint)
    if policy.resolve_hours:
        due = cal.to_local(start) + dt.timedelta(hours=policy.resolve_hours)
    else:
        due = cal.add_days(
            start,
            policy.resolve_days,
            working=policy.resolve_in_working_days,
            calendar=rules.calendar,
        )
    if policy.use_requested_deadline and complaint.requested_deadline:
        due = min(due, complaint.requested_deadline)
    return due


def resolve_due(complaint: Complaint, policy: SlaPolicy, rules: Rules) -> dt.datetime:
    due = complaint.agreed_due_at or default_resolve_due(complaint, policy, rules)
    if complaint.pk:
        extended = complaint.extensions.filter(
            status=DeadlineExtension.Status.APPROVED, decided_at__gte=resolve_start(complaint)
        ).aggregate(latest=Max("new_due_at"))["latest"]
        if extended and extended > due:
            due = extended
    return due


def revisit_due(complaint: Complaint, rules: Rules) -> dt.datetime:
    if complaint.revisit_appointment_at:
        return complaint.revisit_appointment_at
    hours = rules.desk.revisit_within_hours
    if hours:
        return cal.to_local(complaint.resolved_at) + dt.timedelta(hours=hours)
    return cal.end_of_local_day(complaint.resolved_at)


def progress_window(signed_at: dt.datetime, rules: Rules) -> tuple[dt.datetime, dt.datetime]:
    """The first report window after signing: (from, due)."""
    every = rules.desk.progress_every_hours
    if every:
        return signed_at, cal.to_local(signed_at) + dt.timedelta(hours=every)
    day = cal.to_local(signed_at).date() + dt.timedelta(days=1)
    return daily_window(day, rules)


def daily_window(day: dt.date, rules: Rules) -> tuple[dt.datetime, dt.datetime]:
    at = rules.desk.progress_report_time
    return (
        dt.datetime.combine(day, dt.time.min, cal.SHANGHAI),
        dt.datetime.combine(day, at, cal.SHANGHAI),
    )


def plan(complaint: Complaint, rules: Rules) -> dict[str, Planned]:
    """Every deadline of the complaint now, and whether its clock should run."""
    c = complaint
    out: dict[str, Planned] = {}
    is_open = c.state != Complaint.State.CLOSED
    invalid = c.validity == Complaint.Validity.INVALID
    start = clocks_start(c)

    if c.dispatched_at is None and not invalid:
        begins, due = dispatch_due(c, rules)
        out[K.DISPATCH] = Planned(begins, due, is_open)

    policy = rules.policies.get(c.severity)
    if policy is None or invalid:
        return out

    if policy.notify_role:
        out[K.NOTIFY] = Planned(start, notify_due(start, policy), is_open)
    if policy.answer_minutes:
        due = cal.add_minutes(start, policy.answer_minutes)
        out[K.ANSWER] = Planned(start, due, is_open and c.answered_at is None)

    unresolved = is_open and c.resolved_at is None
    due = resolve_due(c, policy, rules)
    out[K.RESOLVE] = Planned(resolve_start(c), due, unresolved)
    out[K.REMINDER] = Planned(resolve_start(c), due, unresolved)
    if c.validity == Complaint.Validity.VALID and c.severity != Complaint.Severity.MAJOR:
        month = c.received_at + dt.timedelta(days=rules.desk.auto_major_days)
        out[K.MONTH] = Planned(c.received_at, month, unresolved)
    if c.state == Complaint.State.RESOLVED and c.resolved_at:
        out[K.REVISIT] = Planned(c.resolved_at, revisit_due(c, rules), True)
    if c.resolved_at:
        # The resident is told the result the same day (谁受理、谁回复): the owner is
        # reminded at the end of the day if nobody recorded it.
        told_by = cal.end_of_local_day(c.resolved_at)
        out[K.TELL] = Planned(c.resolved_at, told_by, is_open and c.result_told_at is None)
    return out


# --- when the sweep looks next ---------------------------------------------------------------
def steps(kind: str, severity: str, rules: Rules) -> list[dt.timedelta]:
    """How long after the deadline each level is raised."""
    if kind == K.DISPATCH:
        policy = rules.dispatch_policy(severity)
        minutes = (policy.steps("dispatch_escalation_minutes") if policy else []) or [0]
        return [dt.timedelta(minutes=m) for m in minutes[:3]]
    if kind == K.RESOLVE:
        policy = rules.policies.get(severity)
        hours = policy.steps("resolve_escalation_hours") if policy else []
        return [dt.timedelta(hours=h) for h in hours[:3]]
    if kind in (K.ANSWER, K.REVISIT):
        return [dt.timedelta(0)]
    return []


def reminder_times(clock: Clock, severity: str, rules: Rules) -> list[dt.datetime]:
    policy = rules.policies.get(severity)
    if policy is None:
        return []
    window = clock.due_at - clock.started_at
    return [
        clock.started_at + window * f
        for f in policy.steps("reminder_fractions", float)
        if clock.started_at + window * f < clock.due_at
    ]


def next_look(clock: Clock, severity: str, rules: Rules, now: dt.datetime) -> dt.datetime | None:
    """When the sweep must next look at ``clock`` (None: nothing left to do)."""
    kind = clock.kind
    if kind in STEPPED:
        ladder = steps(kind, severity, rules)
        return clock.due_at + ladder[clock.level] if clock.level < len(ladder) else None
    if kind == K.REMINDER:
        times = reminder_times(clock, severity, rules)
        return times[clock.level] if clock.level < len(times) else None
    if kind == K.NOTIFY:
        return now if clock.level == 0 else None  # told as soon as classed
    return clock.due_at if clock.level == 0 else None  # progress (moves daily), month, tell


def initial_level(clock: Clock, severity: str, rules: Rules, now: dt.datetime) -> int:
    """Reminders whose moment is already past are not sent late for a new deadline."""
    if clock.kind == K.REMINDER:
        return sum(1 for t in reminder_times(clock, severity, rules) if t <= now)
    return 0


# --- keeping the clocks in step --------------------------------------------------------------
DUE_FIELDS = {
    K.DISPATCH: "dispatch_due_at",
    K.ANSWER: "answer_due_at",
    K.RESOLVE: "resolve_due_at",
    K.REVISIT: "revisit_due_at",
}


def schedule(
    complaint: Complaint, *, now: dt.datetime | None = None, rules: Rules | None = None
) -> None:
    """Recompute every deadline of ``complaint`` and bring its clocks in line (see above).

    Writes the complaint's deadline fields with an ``update()`` (and on the instance), so it
    can run after the service's own ``save()`` in the same transaction.
    """
    now = now or timezone.now()
    rules = rules or Rules.load()
    wanted = plan(complaint, rules)

    fields = {}
    for kind, name in DUE_FIELDS.items():
        if kind in wanted:
            value = wanted[kind].due_at
        elif kind == K.DISPATCH and complaint.dispatched_at is not None:
            continue  # dispatched: the deadline it had stays, for the statistics
        else:
            value = None
        if getattr(complaint, name) != value:
            fields[name] = value
            setattr(complaint, name, value)
    if fields:
        Complaint.objects.filter(pk=complaint.pk).update(**fields)

    severity = complaint.severity
    # Locked: a sweep batch holding these clocks commits first, and its levels are what we
    # build on (a plain read would write the levels from before it back, and the breach
    # would be raised again).  The sweep never waits on a service in turn (it skips locked
    # clocks, and the month rule skips a locked complaint), so this cannot deadlock.
    locked = Clock.objects.select_for_update(of=("self",)).filter(complaint=complaint)
    existing = {c.kind: c for c in locked.order_by()}
    progress = existing.pop(K.PROGRESS, None)
    wanted_progress = _progress_plan(complaint, rules)
    new, changed = [], []
    for kind, (started_at, due_at, active) in wanted.items():
        clock = existing.pop(kind, None)
        if clock is None:
            if not active:
                continue
            clock = Clock(complaint=complaint, kind=kind, started_at=started_at, due_at=due_at)
            clock.level = initial_level(clock, severity, rules, now)
            clock.next_at = next_look(clock, severity, rules, now)
            new.append(clock)
            continue
        before = (clock.started_at, clock.due_at, clock.level, clock.next_at)
        if (clock.started_at, clock.due_at) != (started_at, due_at):
            still_late = (
                kind != K.NOTIFY  # a new class must be told again
                and due_at <= now
                and clock.due_at <= now
                and clock.started_at == started_at
            )
            clock.started_at, clock.due_at = started_at, due_at
            if not still_late:
                clock.level = initial_level(clock, severity, rules, now)
        clock.next_at = next_look(clock, severity, rules, now) if active else None
        if kind == K.NOTIFY and active and clock.level:
            clock.next_at = None  # already told of this deadline
        if (clock.started_at, clock.due_at, clock.level, clock.next_at) != before:
            changed.append(clock)
    for clock in existing.values():  # a deadline that no longer applies
        if clock.next_at is not None:
            clock.next_at = None
            changed.append(clock)
    # Progress: a running report clock moves on by itself (the sweep); start or stop it here.
    if wanted_progress is None:
        if progress is not None and progress.next_at is not None:
            progress.next_at = None
            changed.append(progress)
    elif progress is None or progress.next_at is None:
        started_at, due_at, _active = wanted_progress
        if progress is None:
            progress = Clock(complaint=complaint, kind=K.PROGRESS)
            new.append(progress)
        else:
            changed.append(progress)
        progress.started_at, progress.due_at, progress.level = started_at, due_at, 0
        progress.next_at = due_at
    if new:
        Clock.objects.bulk_create(new)
    if changed:
        Clock.objects.bulk_update(changed, ["started_at", "due_at", "level", "next_at"])


def _progress_plan(complaint: Complaint, rules: Rules) -> Planned | None:
    if complaint.state == Complaint.State.CLOSED or complaint.resolved_at is not None:
        return None
    order = complaint.active_work_order
    if order is None or order.status != WorkOrder.Status.SIGNED or not order.signed_at:
        return None
    started_at, due_at = progress_window(order.signed_at, rules)
    return Planned(started_at, due_at, True)


def reschedule_open(*, batch: int = 500, now: dt.datetime | None = None) -> int:
    """Recompute the deadlines of every open complaint (after a change of policy, office
    hours or calendar, and once after an upgrade).  Each batch is its own transaction and
    the work is idempotent, so it may be interrupted and run again."""
    from django.db import transaction

    now = now or timezone.now()
    rules = Rules.load()
    done, last = 0, 0
    while True:
        with transaction.atomic():
            complaints = list(
                Complaint.objects.open()
                .filter(pk__gt=last)
                .select_related("category")
                .order_by("pk")[:batch]
            )
            for complaint in complaints:
                schedule(complaint, now=now, rules=rules)
        if not complaints:
            return done
        done += len(complaints)
        last = complaints[-1].pk
