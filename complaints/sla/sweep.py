"""The sweep: every minute, escalate whatever deadline is due and not yet handled.

Level-triggered and set-based.  One indexed query finds the clocks whose ``next_at`` has
come (``clock_next``: a partial index over running clocks only, so the cost follows what is
due, not the size of the table).  Each batch is one transaction that

1. locks its clocks (``SKIP LOCKED`` on PostgreSQL, so a second sweep takes other rows;
   SQLite's IMMEDIATE transactions serialise sweeps instead);
2. works out, per clock, the escalations now due (one function per kind of clock);
3. records them with one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` — the unique key
   (complaint, clock, level, due) keeps any breach from being recorded twice, whatever
   happened before;
4. writes their notifications and timeline rows with ``bulk_create``, moves the clocks'
   ``level`` and ``next_at`` with one ``bulk_update``;
5. after the commit, hands the notifications to one Celery task.

A worker killed mid-batch rolls the whole batch back — markers and escalations together —
and the next run does it again; a notification the broker never received is queued again by
:func:`~.notifications.requeue_undelivered`.  A run continues batch after batch until nothing
is due, so a stopped beat catches up in one run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from .. import messages as texts
from .. import preferences as prefs
from .. import roles, webhooks
from ..models import Clock, Complaint, ComplaintEvent, Escalation, Notification, NotificationEvent
from ..models.complaint import figures_changed
from . import deadlines
from .notifications import (
    Recipients,
    build_notes,
    due_now,
    is_urgent,
    queue_after_commit,
    quiet_until,
    requeue_undelivered,
)
from .rules import LEVEL_ROLES, Rules, role_above

K = Clock.Kind
# Breaches that are recorded but do not go on the complaint's timeline.
QUIET = {K.REMINDER, K.NOTIFY, K.TELL}
# Nudges to the people doing the work, rather than a breach going up the ladder.
NUDGES = {K.REMINDER, K.PROGRESS, K.TELL}
# Breaches the department's group robot hears of (the department owes the work).
ROBOT_CLOCKS = {K.ANSWER, K.RESOLVE, K.REMINDER, K.PROGRESS}


@dataclass
class SweepResult:
    escalations: int = 0
    notifications: int = 0
    made_major: int = 0
    requeued: int = 0
    robot_posts: int = 0
    batches: int = 0
    by_clock: dict = field(default_factory=dict)


@dataclass
class Breach:
    complaint: Complaint
    clock: str
    level: int
    role: str
    due_at: dt.datetime
    params: dict
    recipients: list

    @property
    def event(self) -> str:
        return NotificationEvent.REMINDER if self.clock in NUDGES else NotificationEvent.ESCALATION


@dataclass
class Context:
    """What one run shares between its steps."""

    now: dt.datetime
    rules: Rules
    recipients: Recipients
    result: SweepResult
    breaches: list[Breach] = field(default_factory=list)
    made_major: list[Complaint] = field(default_factory=list)
    reported: dict[int, dt.datetime] = field(default_factory=dict)

    def raise_(self, clock: Clock, level: int, role: str, recipients, /, **extra) -> None:
        """Record a breach; its message is the clock's wording (complaints.messages) filled
        with the complaint's facts, the deadline and ``extra``."""
        params = texts.facts(clock.complaint, variant=clock.kind, due=clock.due_at, **extra)
        self.breaches.append(
            Breach(clock.complaint, clock.kind, level, role, clock.due_at, params, recipients)
        )


def sla_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> SweepResult:
    """Escalate every breach that is due now and not recorded yet. Safe to run anywhere, any
    number of times, concurrently, and to kill at any point."""
    now = now or timezone.now()
    ctx = Context(now=now, rules=Rules.load(), recipients=Recipients(), result=SweepResult())
    for _round in range(10_000):  # bounded: each batch moves every clock it takes past now
        taken = _run_batch(ctx, batch)
        # A short batch means nothing else is due, unless a change of class in it (the
        # month rule) started new clocks that are due at once: look again for those.
        if taken < batch and not ctx.made_major:
            break
    with transaction.atomic():
        ctx.result.requeued = requeue_undelivered(now=now)
        ctx.result.robot_posts = webhooks.requeue_undelivered(now=now)
    return ctx.result


def _due(ctx: Context, limit: int):
    qs = (
        Clock.objects.filter(next_at__isnull=False, next_at__lte=ctx.now)
        .select_related("complaint__category", "complaint__department", "complaint__owner")
        # next_at alone: the index gives that order, so the LIMIT stops the scan early (a
        # tie-break would sort every due clock first, at 17:00 all the day's reports).
        .order_by("next_at")
    )
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:limit])


def _run_batch(ctx: Context, limit: int) -> int:
    with transaction.atomic():
        ctx.breaches, ctx.made_major = [], []
        clocks = _due(ctx, limit)
        if not clocks:
            return 0
        ctx.recipients.load_heads({c.complaint.department_id for c in clocks})
        ctx.reported = _last_reports(ctx, clocks)
        for clock in clocks:
            if is_running(clock.complaint, clock.kind):
                STEPS[clock.kind](ctx, clock)
            else:
                clock.next_at = None  # a service forgot to stop it: stop it now
        _save_clocks(clocks)
        _record(ctx)
        for complaint in ctx.made_major:
            _make_major(ctx, complaint)
        ctx.result.batches += 1
    return len(clocks)


def _save_clocks(clocks: list[Clock]) -> None:
    """Write the batch's clocks back in one statement.

    ``bulk_update`` builds a ``CASE WHEN id = …`` per row and field, which PostgreSQL walks
    for every row (a batch of 500 cost more than everything else the sweep does); one
    ``UPDATE … FROM unnest(…)`` does the same in a few milliseconds.  SQLite gets the same
    rows through ``executemany``, which is fast there.
    """
    table = connection.ops.quote_name(Clock._meta.db_table)
    rows = [(c.started_at, c.due_at, c.level, c.next_at, c.pk) for c in clocks]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS c SET started_at = v.started_at, due_at = v.due_at, "
                "level = v.level, next_at = v.next_at "
                "FROM unnest(%s::timestamptz[], %s::timestamptz[], %s::int[], "
                "%s::timestamptz[], %s::bigint[]) AS v(started_at, due_at, level, next_at, id) "
                "WHERE c.id = v.id",
                [list(col) for col in zip(*rows, strict=True)],
            )
        else:
            ops = connection.ops
            cursor.executemany(
                f"UPDATE {table} SET started_at = %s, due_at = %s, level = %s, next_at = %s "
                "WHERE id = %s",
                [
                    (
                        ops.adapt_datetimefield_value(a),
                        ops.adapt_datetimefield_value(b),
                        level,
                        ops.adapt_datetimefield_value(n),
                        pk,
                    )
                    for a, b, level, n, pk in rows
                ],
            )


def is_running(c: Complaint, kind: str) -> bool:
    """Whether the complaint still owes what the clock is waiting for (checked again at
    fire time, so a clock a service forgot to stop never raises a false alarm)."""
    if c.state == Complaint.State.CLOSED:
        return False
    if kind == K.DISPATCH:
        return c.dispatched_at is None and c.validity != Complaint.Validity.INVALID
    if kind == K.ANSWER:
        return c.answered_at is None
    if kind in (K.RESOLVE, K.REMINDER, K.PROGRESS):
        return c.resolved_at is None
    if kind == K.REVISIT:
        return c.state == Complaint.State.RESOLVED
    if kind == K.TELL:
        return c.resolved_at is not None and c.result_told_at is None
    if kind == K.MONTH:
        return (
            c.resolved_at is None
            and c.validity == Complaint.Validity.VALID
            and c.severity != Complaint.Severity.MAJOR
        )
    return True  # notify


# --- one function per clock ------------------------------------------------------------------
def _ladder(ctx: Context, clock: Clock, *, department_at=()):
    """Raise every level whose step has come, one role up each time."""
    c = clock.complaint
    ladder = deadlines.steps(clock.kind, c.severity, ctx.rules)
    while clock.level < len(ladder) and clock.due_at + ladder[clock.level] <= ctx.now:
        clock.level += 1
        role = LEVEL_ROLES[min(clock.level, len(LEVEL_ROLES)) - 1]
        people = list(ctx.recipients.role(role))
        if clock.level in department_at:
            people += [u for u in ctx.recipients.heads(c.department_id) if u not in people]
        ctx.raise_(clock, clock.level, role, people, level=clock.level)
    clock.next_at = deadlines.next_look(clock, c.severity, ctx.rules, ctx.now)


def dispatch(ctx: Context, clock: Clock) -> None:
    _ladder(ctx, clock)


def answer(ctx: Context, clock: Clock) -> None:
    c = clock.complaint
    clock.level += 1
    role = roles.GENERAL_MANAGER
    people = list(ctx.recipients.role(role))
    people += [u for u in ctx.recipients.heads(c.department_id) if u not in people]
    ctx.raise_(clock, clock.level, role, people)
    clock.next_at = None


def resolve(ctx: Context, clock: Clock) -> None:
    _ladder(ctx, clock, department_at=(1,))


def revisit(ctx: Context, clock: Clock) -> None:
    clock.level += 1
    ctx.raise_(clock, clock.level, roles.SUPERVISOR, list(ctx.recipients.role(roles.SUPERVISOR)))
    clock.next_at = None


def notify(ctx: Context, clock: Clock) -> None:
    """Tell management of an important or major complaint; a late telling goes a level up."""
    c = clock.complaint
    policy = ctx.rules.policies.get(c.severity)
    clock.level, clock.next_at = 1, None
    if policy is None or not policy.notify_role:
        return
    people = list(ctx.recipients.role(policy.notify_role))
    late = ctx.now > clock.due_at
    if late:
        above = role_above(policy.notify_role)
        if above:
            people += [u for u in ctx.recipients.role(above) if u not in people]
    ctx.raise_(clock, 1, policy.notify_role, people, severity=c.severity, late=late)


def reminder(ctx: Context, clock: Clock) -> None:
    """The latest reminder that has come, once (a late sweep does not send old ones)."""
    c = clock.complaint
    times = deadlines.reminder_times(clock, c.severity, ctx.rules)
    level = clock.level
    while level < len(times) and times[level] <= ctx.now:
        level += 1
    if level > clock.level and clock.due_at > ctx.now and c.department_id:
        ctx.raise_(clock, level, roles.DEPARTMENT_HEAD, list(ctx.recipients.heads(c.department_id)))
    clock.level = level
    clock.next_at = times[level] if level < len(times) else None


def progress(ctx: Context, clock: Clock) -> None:
    """A report was due by ``due_at``; if none came since the window opened, tell the head."""
    c = clock.complaint
    last = ctx.reported.get(c.pk)
    if last is None or last < clock.started_at:
        ctx.raise_(clock, 1, roles.DEPARTMENT_HEAD, list(ctx.recipients.heads(c.department_id)))
    # The next window: the next day, or N hours after the last report (or this deadline).
    every = ctx.rules.desk.progress_every_hours
    if every:
        reported = last is not None and last >= clock.started_at
        due = (last if reported else clock.due_at) + dt.timedelta(hours=every)
        # The next window opens just after the report it counts from.
        begin = last + dt.timedelta(microseconds=1) if reported else clock.due_at
        while due <= ctx.now:
            begin, due = due, due + dt.timedelta(hours=every)
    else:
        day = timezone.localtime(clock.due_at).date() + dt.timedelta(days=1)
        begin, due = deadlines.daily_window(day, ctx.rules)
        while due <= ctx.now:
            day += dt.timedelta(days=1)
            begin, due = deadlines.daily_window(day, ctx.rules)
    clock.started_at, clock.due_at, clock.level, clock.next_at = begin, due, 0, due


def month(ctx: Context, clock: Clock) -> None:
    c = clock.complaint
    if not _lock_complaint_or_skip(c):
        # A service is changing this complaint now: look again in a minute rather than wait
        # for it while holding this batch's clocks.
        clock.next_at = ctx.now + dt.timedelta(minutes=1)
        return
    days = ctx.rules.desk.auto_major_days
    ctx.raise_(
        clock, 1, roles.GENERAL_MANAGER, list(ctx.recipients.role(roles.GENERAL_MANAGER)), days=days
    )
    clock.level, clock.next_at = 1, None
    ctx.made_major.append(c)


def tell(ctx: Context, clock: Clock) -> None:
    """The day of the resolution is over and nobody recorded telling the resident: remind
    the owner (or the desk's supervisors, if the complaint has no owner)."""
    c = clock.complaint
    people = (
        [c.owner] if c.owner_id and c.owner.is_active else ctx.recipients.role(roles.SUPERVISOR)
    )
    ctx.raise_(clock, 1, "owner", list(people))
    clock.level, clock.next_at = 1, None


def _lock_complaint_or_skip(complaint: Complaint) -> bool:
    if not connection.features.has_select_for_update_skip_locked:
        return True  # SQLite: one writer at a time anyway
    locked = Complaint.objects.select_for_update(skip_locked=True).filter(pk=complaint.pk)
    return bool(list(locked.values_list("pk", flat=True)))


STEPS: dict[str, Callable[[Context, Clock], None]] = {
    K.DISPATCH: dispatch,
    K.NOTIFY: notify,
    K.ANSWER: answer,
    K.RESOLVE: resolve,
    K.REMINDER: reminder,
    K.PROGRESS: progress,
    K.REVISIT: revisit,
    K.MONTH: month,
    K.TELL: tell,
}


def _last_reports(ctx: Context, clocks: list[Clock]) -> dict[int, dt.datetime]:
    """The last progress report (or step of the workflow) of each complaint with a report
    due in this batch: one query."""
    ids = [c.complaint_id for c in clocks if c.kind == K.PROGRESS]
    if not ids:
        return {}
    from django.db.models import Max

    rows = (
        ComplaintEvent.objects.filter(
            complaint_id__in=ids,
            kind__in=[ComplaintEvent.Kind.PROGRESS, ComplaintEvent.Kind.TRANSITION],
        )
        .values("complaint_id")
        .annotate(last=Max("at"))
        .order_by()
    )
    return {row["complaint_id"]: row["last"] for row in rows}


# --- recording ---------------------------------------------------------------------------------
def _record(ctx: Context) -> None:
    """Insert the batch's escalations (skipping any already recorded), then their
    notifications and timeline rows; queue delivery after the commit."""
    if not ctx.breaches:
        return
    inserted = _insert_escalations(ctx.breaches, ctx.now)
    new = [b for b in ctx.breaches if (b.complaint.pk, b.clock, b.level) in inserted]
    if not new:
        return  # all recorded before (another sweep, or an earlier run)
    # The statistics count escalations (management told, revisit missed): their days change.
    figures_changed.send(sender=Escalation, received={b.complaint.received_at for b in new})
    # Quiet hours: outside office hours the e-mails and robot posts of non-urgent breaches
    # wait for the day shift; the in-app message appears at once.
    quiet = quiet_until(ctx.now, ctx.rules)
    saved = prefs.preferences_of(u.pk for b in new for u in b.recipients)
    robots = webhooks.hooks_of(b.complaint.department_id for b in new if b.clock in ROBOT_CLOCKS)
    notes, events, posts = [], [], []
    for b in new:
        escalation_id = inserted[(b.complaint.pk, b.clock, b.level)]
        ctx.result.escalations += 1
        ctx.result.by_clock[b.clock] = ctx.result.by_clock.get(b.clock, 0) + 1
        urgent = is_urgent(b.complaint)
        held_until = None if urgent else quiet
        notes += build_notes(
            b.recipients,
            complaint=b.complaint,
            event=b.event,
            params=b.params,
            message=texts.render_stored(b.event, b.params),
            now=ctx.now,
            urgent=urgent,
            held_until=held_until,
            saved=saved,
            escalation_id=escalation_id,
        )
        if b.clock in ROBOT_CLOCKS:
            posts += webhooks.robot_messages(
                robots.get(b.complaint.department_id, []),
                complaint=b.complaint,
                event=b.event,
                params=b.params,
                now=ctx.now,
                send_after=held_until,
            )
        if b.clock not in QUIET:
            events.append(
                ComplaintEvent(
                    complaint=b.complaint,
                    kind=ComplaintEvent.Kind.ESCALATED,
                    code="escalated",
                    params=_event_facts(ctx, b),
                    at=ctx.now,
                )
            )
    notes = Notification.objects.bulk_create(notes)
    ComplaintEvent.objects.bulk_create(events)
    webhooks.save_and_queue(posts, ctx.now)
    ctx.result.notifications += len(notes)
    queue_after_commit(due_now(notes, ctx.now))


def _event_facts(ctx: Context, b: Breach) -> dict:
    """The facts of a breach's timeline row, worded when shown (complaints.timeline_text)."""
    facts = {"clock": b.clock, "number": b.complaint.number, "level": b.level}
    facts["due"] = b.due_at.isoformat() if b.due_at else ""
    if b.clock == K.MONTH:
        facts["days"] = ctx.rules.desk.auto_major_days
    return facts


def _insert_escalations(breaches: list[Breach], now: dt.datetime) -> dict[tuple, int]:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING``: {(complaint, clock, level): id} of the
    rows this statement wrote (PostgreSQL and SQLite ≥ 3.35 both speak it)."""
    ops = connection.ops
    table = ops.quote_name(Escalation._meta.db_table)
    columns = ["complaint_id", "clock", "level", "role", "due_at", "escalated_at"]
    rows, params = [], []
    for b in breaches:
        rows.append("(" + ", ".join(["%s"] * len(columns)) + ")")
        params += [
            b.complaint.pk,
            b.clock,
            b.level,
            b.role,
            ops.adapt_datetimefield_value(b.due_at),
            ops.adapt_datetimefield_value(now),
        ]
    sql = (
        f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "
        f"VALUES {', '.join(rows)} "
        "ON CONFLICT (complaint_id, clock, level, due_at) DO NOTHING "
        "RETURNING id, complaint_id, clock, level"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(cid, clock, level): pk for pk, cid, clock, level in cursor.fetchall()}


def _make_major(ctx: Context, complaint: Complaint) -> None:
    """The one-month rule: through the one service that changes a class."""
    from ..services.classify import complaint_reclassify

    complaint.refresh_from_db()
    if complaint.severity == Complaint.Severity.MAJOR:
        return
    complaint_reclassify(
        complaint=complaint,
        severity=Complaint.Severity.MAJOR,
        by=None,
        why="month",
        facts={"days": ctx.rules.desk.auto_major_days},
        now=ctx.now,
        rules=ctx.rules,
    )
    ctx.result.made_major += 1
