"""Exactly once, whatever happens to the sweep: concurrent sweeps, a second beat, and a
worker killed at random points.

The PostgreSQL test builds a few hundred overdue complaints through the services, starts
real sweeping processes (``crash_worker.py``) two at a time, SIGKILLs them mid-sweep at
random moments, then lets two of them race to the end, and counts: every escalation due is
there once, with its notifications and timeline row, and every clock has moved on.  After
each kill it also checks that whatever the dead worker left behind is whole (a clock moved
with all its escalations, or untouched with none).

The short test runs everywhere: a batch that fails half-way, in-process, leaves nothing
behind, and the next sweep does everything once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import select
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from complaints import roles, services
from complaints.models import (
    Clock,
    Complaint,
    ComplaintEvent,
    DeskPolicy,
    Escalation,
    Notification,
    SlaPolicy,
)
from complaints.sla.rules import LEVEL_ROLES
from complaints.sla.sweep import QUIET, sla_sweep
from residents.models import Building, Resident, Unit

from . import factories as f

NOW = f.at(2, 10, 30)  # Monday 2026-11-02 10:30, Shanghai
BATCH = 20
N_LATE = 200  # received this morning, never dispatched
N_IMPORTANT = 200  # important, confirmed on 10-29, 10-30 or 10-31 and not resolved
KILL_ROUNDS = 3
READY_TIMEOUT = 45.0  # Django set-up of a worker on a busy two-core machine
FINISH_TIMEOUT = 45.0
BACKEND_TIMEOUT = 20.0
ROOT = Path(settings.BASE_DIR)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="kills real sweeping processes: needs PostgreSQL (row locks, SKIP LOCKED, a "
    "database other processes can reach); SQLite runs the in-process crash test only",
)


# --- the complaints ---------------------------------------------------------------------------
def staff():
    """Two supervisors, a manager, a general manager and the engineering head."""
    desk = f.staff("front_desk")
    for role in ("supervisor", "supervisor", "manager", "general_manager"):
        f.staff(role)
    f.staff("department_head", department_code="engineering")
    return desk


def policy_preconditions():
    """The expectations below are worked out from the seeded policy: check it is that one."""
    important = SlaPolicy.objects.get(severity="important")
    assert (important.notify_role, important.notify_within_minutes) == ("manager", 60)
    assert important.answer_minutes is None and not important.resolve_in_working_days
    assert important.steps("resolve_escalation_hours") == [0, 24, 72]
    assert important.steps("reminder_fractions", float) == [0.5, 0.8]
    dispatch = {tuple(p.steps("dispatch_escalation_minutes")) for p in SlaPolicy.objects.all()}
    assert dispatch == {(0, 60)}


def build(desk, *, late: int, important: int) -> None:
    """``late`` complaints received 09:00–09:04 today and never dispatched (both dispatch
    levels due by 10:30); ``important`` ones confirmed on 10-29 (resolution levels 1 and 2
    due), 10-30 (level 1 due) or 10-31 (not due yet: the 50 % reminder is), each told to
    management late.  One transaction, for speed: the sweeping processes see it committed."""
    # A few hundred households of one estate within hours would make one group complaint.
    DeskPolicy.objects.update(group_min_households=30_000)
    building, _ = Building.objects.get_or_create(property=f.estate(), number="9")
    units = Unit.objects.bulk_create(
        [Unit(building=building, stairway="1", room=f"{n:04d}") for n in range(late + important)]
    )
    residents = Resident.objects.bulk_create(
        [Resident(unit=u, name=f"住户{n}", phone=f"+86139{n:08d}") for n, u in enumerate(units)]
    )
    category, department = f.category(), f.department()
    with transaction.atomic(), time_machine.travel(f.at(2, 9), tick=False) as traveller:
        for n, res in enumerate(residents):
            if n < late:
                at = f.at(2, 9) + dt.timedelta(seconds=n)
            else:
                m = n - late
                at = f.at((29, 30, 31)[m % 3], 9, month=10) + dt.timedelta(seconds=m)
            traveller.move_to(at)
            c = f.complaint(desk, res=res, at=at)
            if n >= late:
                services.complaint_confirm(
                    complaint=c,
                    by=desk,
                    severity="important",
                    category=category,
                    validity="valid",
                    department=department,
                )


# --- what must be there -----------------------------------------------------------------------
def expected_escalations() -> dict[tuple, tuple]:
    """{(complaint, clock, level): (role, due_at, sorted recipient ids)} due at ``NOW``,
    worked out from the complaints' deadlines and the policy, not by the sweep's code."""
    User = get_user_model()
    members = {
        role: set(
            User.objects.filter(groups__name=role, is_active=True).values_list("pk", flat=True)
        )
        for role in LEVEL_ROLES
    }
    heads = set(
        User.objects.filter(
            groups__name=roles.DEPARTMENT_HEAD, staff_profile__department=f.department()
        ).values_list("pk", flat=True)
    )
    dispatch_steps = [dt.timedelta(minutes=m) for m in (0, 60)]
    resolve_steps = [dt.timedelta(hours=h) for h in (0, 24, 72)]
    out = {}
    for c in Complaint.objects.all():
        if c.dispatched_at is None:
            for level, step in enumerate(dispatch_steps, 1):
                if c.dispatch_due_at + step <= NOW:
                    role = LEVEL_ROLES[level - 1]
                    out[(c.pk, "dispatch", level)] = (role, c.dispatch_due_at, members[role])
        if c.severity == Complaint.Severity.IMPORTANT:
            told_by = c.received_at + dt.timedelta(minutes=60)
            assert told_by < NOW  # told late: the general manager hears of it too
            out[(c.pk, "notify", 1)] = (
                roles.MANAGER,
                told_by,
                members[roles.MANAGER] | members[roles.GENERAL_MANAGER],
            )
            for level, step in enumerate(resolve_steps, 1):
                if c.resolve_due_at + step <= NOW:
                    role = LEVEL_ROLES[level - 1]
                    people = members[role] | (heads if level == 1 else set())
                    out[(c.pk, "resolve", level)] = (role, c.resolve_due_at, people)
            if c.resolve_due_at > NOW:  # the latest reminder that has come, once
                window = c.resolve_due_at - c.received_at
                level = sum(c.received_at + window * x <= NOW for x in (0.5, 0.8))
                if level:
                    out[(c.pk, "reminder", level)] = (
                        roles.DEPARTMENT_HEAD,
                        c.resolve_due_at,
                        heads,
                    )
    return {key: (role, due, sorted(people)) for key, (role, due, people) in out.items()}


def clock_snapshot() -> dict[tuple, tuple]:
    return {
        (c.complaint_id, c.kind): (c.started_at, c.due_at, c.level, c.next_at)
        for c in Clock.objects.all()
    }


def check(expected: dict, before: dict, *, complete: bool) -> int:
    """What is recorded is right and whole; with ``complete``, everything due is recorded.
    Returns the number of escalations recorded."""
    rows = list(
        Escalation.objects.values_list("pk", "complaint_id", "clock", "level", "role", "due_at")
    )
    keys = Counter((c, k, lv) for _pk, c, k, lv, _r, _d in rows)
    doubled = sorted(key for key, n in keys.items() if n > 1)
    assert not doubled, f"escalations recorded twice: {doubled[:10]}"
    unexpected = sorted(set(keys) - set(expected))
    assert not unexpected, f"escalations not due: {unexpected[:10]}"
    if complete:
        missing = sorted(set(expected) - set(keys))
        assert not missing, f"{len(missing)} escalations missing: {missing[:10]}"

    recipients = defaultdict(list)
    for escalation_id, user_id in Notification.objects.values_list("escalation_id", "recipient_id"):
        recipients[escalation_id].append(user_id)
    assert None not in recipients  # only the sweep notifies here, always of an escalation
    recorded = {pk for pk, *_ in rows}
    assert set(recipients) <= recorded
    wrong = []
    for pk, c, k, lv, role, due in rows:
        want_role, want_due, want_people = expected[(c, k, lv)]
        if (role, due, sorted(recipients.get(pk, []))) != (want_role, want_due, want_people):
            wrong.append(((c, k, lv), (role, due, sorted(recipients.get(pk, [])))))
    assert not wrong, f"escalations with the wrong role, due or recipients: {wrong[:5]}"
    assert Notification.objects.count() == sum(len(expected[key][2]) for key in keys)

    # One timeline row per escalation that goes on the timeline, in the same transaction.
    events = Counter(
        ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.ESCALATED).values_list(
            "complaint_id", flat=True
        )
    )
    loud = Counter(c for c, k, _lv in keys if k not in QUIET)
    assert events == loud, "timeline rows do not match the escalations"

    # Each clock is either untouched with nothing recorded, or moved past now with all its
    # escalations: a dead worker leaves no clock half-way.
    wanted = defaultdict(set)
    for c, k, lv in expected:
        wanted[(c, k)].add(lv)
    got = defaultdict(set)
    for c, k, lv in keys:
        got[(c, k)].add(lv)
    half_way = []
    for clock in Clock.objects.all():
        key = (clock.complaint_id, clock.kind)
        state = (clock.started_at, clock.due_at, clock.level, clock.next_at)
        moved = clock.next_at is None or clock.next_at > NOW
        if complete or state != before[key]:
            ok = moved and got[key] == wanted[key]
        else:
            ok = not got[key]
        if not ok:
            half_way.append(
                f"complaint {key[0]} {key[1]}: level {clock.level}, next {clock.next_at}, "
                f"recorded levels {sorted(got[key])} of {sorted(wanted[key])}"
            )
    assert not half_way, f"clocks out of step with their escalations: {half_way[:5]}"
    return len(rows)


# --- the workers ------------------------------------------------------------------------------
class Broker:
    """A queue of this test's own on the run's broker (Redis in CI), for the workers'
    notifications: the test reads what they queued, and nobody else takes it."""

    def __init__(self):
        from config.celery import app

        self.url = app.conf.broker_url
        self.options = dict(app.conf.broker_transport_options or {})
        self.queue = f"sla-crash-{uuid.uuid4().hex[:12]}"

    def env(self) -> str:
        return json.dumps({"url": self.url, "transport_options": self.options, "queue": self.queue})

    def _connection(self):
        from kombu import Connection

        return Connection(self.url, transport_options=self.options)

    def drain(self) -> list[list[int]]:
        """The id lists of the delivery tasks queued so far (taken off the queue)."""
        batches = []
        with self._connection() as conn:
            queue = conn.SimpleQueue(self.queue)
            try:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        break
                    assert message.headers["task"] == "complaints.deliver_notifications"
                    args, _kwargs, _embed = message.decode()
                    batches.append(list(args[0]))
                    message.ack()
            finally:
                queue.close()
        return batches

    def delete(self) -> None:
        with self._connection() as conn:
            queue = conn.SimpleQueue(self.queue)
            try:
                queue.queue.delete()
            finally:
                queue.close()


class Worker:
    """One sweeping process on the test database."""

    def __init__(self, name: str, env: dict, log: Path):
        self.name, self.log_path = name, log
        self.log = open(log, "w")  # closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.complaints.crash_worker", NOW.isoformat(), str(BATCH)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.killed_running = False
        self.result = None

    def read_line(self, timeout: float) -> str:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise AssertionError(f"{self.name}: no answer in {timeout:.0f} s{self.stderr()}")
        return self.proc.stdout.readline().strip()

    def wait_ready(self) -> None:
        line = self.read_line(READY_TIMEOUT)
        assert line == "ready", f"{self.name} did not start: {line!r}{self.stderr()}"

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.killed_running = True
            self.proc.wait(timeout=10)
        else:  # it ended by itself: it must have swept to the end, not crashed
            self.finish(5.0)

    def finish(self, timeout: float) -> dict:
        """Wait for a worker left to run to the end; its summary."""
        deadline = time.monotonic() + timeout
        line = self.read_line(max(0.1, deadline - time.monotonic()))
        self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        assert self.proc.returncode == 0 and line.startswith("done "), (
            f"{self.name} failed ({self.proc.returncode}): {line!r}{self.stderr()}"
        )
        self.result = json.loads(line.removeprefix("done "))
        return self.result

    def stderr(self) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace")[-3000:]
        return f"\n--- {self.name} stderr ---\n{text}" if text.strip() else ""

    def stop(self) -> None:
        """However the test ends, leave no process behind."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.log.close()


def database_url(application_name: str) -> str:
    """The test database (``test_root``, not the configured one) for another process."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    name = quote(db["NAME"], safe="")
    return f"postgres://{user}{password}@{host}/{name}?application_name={application_name}"


def wait_until_recorded(count: int, pair: list[Worker]) -> None:
    """Until ``count`` escalations are committed (or the workers have ended)."""
    deadline = time.monotonic() + FINISH_TIMEOUT
    while Escalation.objects.count() < count:
        if all(w.proc.poll() is not None for w in pair):
            return
        assert time.monotonic() < deadline, f"the sweep is stuck before {count} escalations"
        time.sleep(0.01)


def wait_for_backends_to_end(prefix: str) -> None:
    """A killed worker's server process rolls back and ends once it sees the socket closed;
    until then it holds its row locks, which a later sweep would skip."""
    deadline = time.monotonic() + BACKEND_TIMEOUT
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s",
                [prefix + "%"],
            )
            (alive,) = cursor.fetchone()
        if not alive:
            return
        assert time.monotonic() < deadline, f"{alive} dead workers' backends still open"
        time.sleep(0.05)


# --- the tests --------------------------------------------------------------------------------
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killed_and_concurrent_sweeps_escalate_each_breach_exactly_once(tmp_path):
    seed = int(os.environ.get("SLA_CRASH_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    started = time.monotonic()

    def say(*what):  # shown by pytest when the test fails
        print(f"{time.monotonic() - started:6.1f}s", *what)

    say(f"SLA_CRASH_SEED={seed}")
    policy_preconditions()
    desk = staff()
    tag = f"sla-crash-{uuid.uuid4().hex[:8]}"
    broker = Broker()
    env = {
        **os.environ,
        "SLA_CRASH_BROKER": broker.env(),
        "VAR_DIR": str(tmp_path / "var"),
    }
    workers: list[Worker] = []
    timeline = []
    try:
        # The sweeping processes start now (Django's set-up takes a while, the complaints
        # are built meanwhile) and wait for "go": a pair per round, and the final pair.
        for label in [f"r{n}" for n in range(KILL_ROUNDS)] + ["final"]:
            for n in range(2):
                name = f"{tag}-{label}-{n}"
                worker_env = {**env, "DATABASE_URL": database_url(name)}
                workers.append(Worker(name, worker_env, tmp_path / f"{name}.log"))
        pairs = [workers[n : n + 2] for n in range(0, len(workers), 2)]

        build(desk, late=N_LATE, important=N_IMPORTANT)
        expected = expected_escalations()
        say("built", Complaint.objects.count(), "complaints,", len(expected), "escalations due")
        assert Counter((k, lv) for _c, k, lv in expected) == {
            ("dispatch", 1): N_LATE,
            ("dispatch", 2): N_LATE,
            ("notify", 1): N_IMPORTANT,
            ("resolve", 1): N_IMPORTANT - N_IMPORTANT // 3,
            ("resolve", 2): (N_IMPORTANT + 2) // 3,
            ("reminder", 1): N_IMPORTANT // 3,
        }, "the complaints were not built as planned"
        assert not Escalation.objects.exists()
        # The services' own notices (a work order reached a department…) are not the
        # sweep's: only the sweep's are counted below.
        Notification.objects.all().delete()
        before = clock_snapshot()
        assert Clock.objects.filter(next_at__lte=NOW).count() > 20 * BATCH  # many batches

        # Two beats at once, each killed at a random moment of its sweep: once the
        # escalations committed pass a random mark within this round's share of the work
        # (the last share is left to the final pair), and a random few milliseconds later,
        # so the kill falls anywhere in a batch, or between batches.
        share = len(expected) / len(pairs)
        for round_, pair in enumerate(pairs[:-1]):
            for w in pair:
                w.wait_ready()
            marks = sorted(int(share * (round_ + rng.random())) for _ in pair)
            delays = [rng.uniform(0.0, 0.05) for _ in pair]
            for w in pair:
                w.go()
            for w, mark, delay in zip(pair, marks, delays, strict=True):
                wait_until_recorded(mark, pair)
                time.sleep(delay)
                w.kill()
            wait_for_backends_to_end(f"{tag}-r{round_}-")
            recorded = check(expected, before, complete=False)
            kills = [
                (mark, round(delay, 3), w.killed_running)
                for w, mark, delay in zip(pair, marks, delays, strict=True)
            ]
            timeline.append((round_, kills, recorded))
            say("round", *timeline[-1])

        # A second beat: two sweeps race to the end.
        for w in pairs[-1]:
            w.wait_ready()
        for w in pairs[-1]:
            w.go()
        results = [w.finish(FINISH_TIMEOUT) for w in pairs[-1]]
        wait_for_backends_to_end(tag)  # all gone now
        say("final", results)

        # Nothing is left to do, and doing it again records nothing.
        again = sla_sweep(now=NOW, batch=BATCH)
        assert (again.escalations, again.notifications) == (0, 0)
        assert not Clock.objects.filter(next_at__lte=NOW).exists()
        total = check(expected, before, complete=True)
        assert total == len(expected)
        assert sum(r["escalations"] for r in results) == total - timeline[-1][2]

        # The notifications queued for delivery: each once, none from a rolled-back batch.
        queued = [pk for ids in broker.drain() for pk in ids]
        doubled = [pk for pk, n in Counter(queued).items() if n > 1]
        assert not doubled, f"notifications queued twice: {doubled[:10]}"
        notes = set(Notification.objects.values_list("pk", flat=True))
        assert set(queued) <= notes, "a rolled-back batch queued its notifications"
        # The final sweeps committed and queued all of theirs; a killed worker may have died
        # between a commit and the queueing (at most one batch: requeue_undelivered's work).
        per_clock = Counter()
        for (c, k, _lv), (_role, _due, people) in expected.items():
            per_clock[(c, k)] += len(people)
        killed = sum(w.killed_running for w in workers)
        assert len(notes) - len(queued) <= killed * BATCH * max(per_clock.values())
        say("queued", len(queued), "of", len(notes), "notifications")
    finally:
        for w in workers:
            w.stop()
        broker.delete()

    assert any(w.killed_running for w in workers), f"no worker was killed mid-sweep: {timeline}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_that_dies_half_way_leaves_nothing_behind(monkeypatch):
    """The 2nd batch fails after inserting its escalations: its transaction takes the
    escalations, the clocks' moves and the timeline rows with it; the next sweep does the
    rest, once."""
    desk = staff()
    with time_machine.travel(f.at(2, 9), tick=False) as traveller:
        for n in range(5):
            traveller.move_to(f.at(2, 9, n))
            f.complaint(
                desk, res=f.resident(name=f"丙{n}", phone=f"+86137{n:08d}", unit=f.unit(f"{n}08"))
            )
    before = clock_snapshot()
    expected = expected_escalations()
    assert len(expected) == 10  # five complaints × two dispatch levels

    real_bulk_create = Notification.objects.bulk_create
    calls = []

    def dies_in_the_second_batch(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            # The batch's escalations are in (4 of the 1st batch committed + 4 of this one).
            assert Escalation.objects.count() == 8
            raise RuntimeError("worker killed")
        return real_bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(Notification.objects, "bulk_create", dies_in_the_second_batch)
    with pytest.raises(RuntimeError, match="worker killed"):
        sla_sweep(now=NOW, batch=2)
    assert len(calls) == 2

    # Only the first batch (two clocks, four escalations) is recorded; the second and third
    # batches' clocks are exactly as they were.
    assert check(expected, before, complete=False) == 4
    moved = [key for key, state in clock_snapshot().items() if state != before[key]]
    assert len(moved) == 2
    assert Notification.objects.count() == 2 * (2 + 1)  # 2 supervisors, then 1 manager

    monkeypatch.undo()
    rest = sla_sweep(now=NOW, batch=2)
    assert (rest.escalations, rest.notifications, rest.batches) == (6, 9, 2)
    assert check(expected, before, complete=True) == 10
    again = sla_sweep(now=NOW, batch=2)
    assert (again.escalations, again.notifications, again.batches) == (0, 0, 0)
    assert not Clock.objects.filter(next_at__lte=NOW).exists()
