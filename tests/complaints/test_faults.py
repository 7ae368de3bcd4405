"""Faults of the production set-up: the broker (Redis) going away while the desk works, and
the beat stopped for days.

- Redis stopped while complaints are posted: every complaint is saved and answered as usual
  (the notifications wait in their outbox table); once Redis is back, the sweep re-queues
  them and a real worker delivers each once.  Needs PostgreSQL (another thread, the worker,
  reads what the test committed) and ``redis-server``: the test starts its own Redis on a
  free port and kills it — never the shared one.
- The beat stopped: a single sweep after a gap of days escalates everything that came due
  meanwhile, each level once, and the next finds nothing to do (runs everywhere).

A second beat (two sweeps at once, and workers killed mid-sweep) is
``test_sla_crash.test_killed_and_concurrent_sweeps_escalate_each_breach_exactly_once``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import time

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from complaints.models import Complaint, Escalation, Notification
from complaints.sla.sweep import sla_sweep

from . import factories as f
from .test_sla_crash import (
    NOW,
    build,
    check,
    clock_snapshot,
    expected_escalations,
    policy_preconditions,
    staff,
)

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a real worker thread reads what the test committed: needs PostgreSQL "
    "(SQLite's in-memory test database is not shared between threads)",
)
needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="starts and kills its own Redis: needs redis-server installed",
)


# --- the beat stopped for days ------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_sweep_after_days_without_a_beat_catches_up_once():
    """Complaints received and confirmed from 10-29 on, and no sweep until 11-02 10:30: the
    first sweep records every escalation due in those days, every level of each, with its
    notifications, once; the sweeps after it add nothing."""
    policy_preconditions()
    desk = staff()
    build(desk, late=6, important=9)
    Notification.objects.all().delete()  # the dispatches' own; only the sweep's are counted
    before = clock_snapshot()
    expected = expected_escalations()
    levels = {level for (_c, _clock, level) in expected}
    assert levels >= {1, 2}  # the gap spans more than one level

    caught_up = sla_sweep(now=NOW, batch=4)
    assert caught_up.escalations == len(expected)
    assert check(expected, before, complete=True) == len(expected)
    notes = Notification.objects.count()

    for later in (NOW, NOW + dt.timedelta(seconds=30)):
        again = sla_sweep(now=later, batch=4)
        assert (again.escalations, again.notifications) == (0, 0)
    assert Escalation.objects.count() == len(expected)
    assert Notification.objects.count() == notes


# --- Redis stopped while the desk registers complaints ------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, on a free port, with nothing saved to disk."""

    def __init__(self, folder):
        self.port = _free_port()
        self.folder = folder
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


def _use_broker(app, url: str, options: dict) -> None:
    # Celery reads CELERY_BROKER_URL from the environment before its own setting (CI sets it
    # for the PostgreSQL + Redis run), so both are pointed at the broker of the test.
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app.conf.broker_transport_options = options
    # Forget connections to the former broker (what Celery itself does after a fork).
    app._pool = None
    app.amqp._producer_pool = None


def _restore_env(value: str | None) -> None:
    if value is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = value


@pytest.fixture
def own_redis(tmp_path):
    from config.celery import app

    redis = OwnRedis(tmp_path)
    redis.start()
    former = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    former_env = os.environ.get("CELERY_BROKER_URL")
    _use_broker(app, redis.url, {"max_retries": 1, "interval_start": 0, "interval_step": 0.1})
    try:
        yield redis
    finally:
        redis.stop()
        _use_broker(app, *former)
        _restore_env(former_env)


def _register(client, n: int):
    unit = f.unit(f"{1201 + n}")
    return client.post(
        reverse("complaint-intake"),
        {
            "contact_name": f"住户{n}",
            "contact_phone": f"1390000{n:04d}",
            "channel": "phone",
            "description": f"楼道灯坏了 {n}",
            "room": f"{unit.building.number}-{unit.stairway}-{unit.room}",
            "category": f.category().pk,
            "severity": "minor",
            "department": f.department("engineering").pk,
            "intent": "dispatch",
            "submission": f"{n:032x}",
        },
    )


@pytest.fixture
def dead_broker():
    """The broker at an address where nothing listens (Redis down), for in-process tests."""
    from config.celery import app

    former = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    former_env = os.environ.get("CELERY_BROKER_URL")
    _use_broker(
        app,
        f"redis://127.0.0.1:{_free_port()}/0",
        {"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    )
    try:
        yield app
    finally:
        _use_broker(app, *former)
        _restore_env(former_env)


@pytest.mark.celery_worker
def test_with_the_broker_down_the_desk_registers_and_the_rows_wait(
    client, db, dead_broker, django_capture_on_commit_callbacks
):
    desk = f.staff("front_desk")
    f.staff("department_head", department_code="engineering", email="head@example.com")
    client.force_login(desk)
    with time_machine.travel(f.at(2, 10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            answers = [_register(client, n) for n in range(2)]
    assert [a.status_code for a in answers] == [302, 302]
    assert Complaint.objects.count() == 2
    assert Notification.objects.filter(delivered_at__isnull=True).count() >= 2
    assert not Notification.objects.filter(delivered_at__isnull=False).exists()


@pytest.mark.celery_worker
def test_with_the_broker_down_a_policy_change_still_reschedules(
    client, db, dead_broker, django_capture_on_commit_callbacks, monkeypatch
):
    """Saving a policy queues the recomputation of open deadlines; with no broker it is done
    in the request instead of failing after the save."""
    from complaints.models import SlaPolicy
    from complaints.sla import deadlines

    rescheduled = []
    real = deadlines.reschedule_open
    monkeypatch.setattr(deadlines, "reschedule_open", lambda: rescheduled.append(real()))
    policy = SlaPolicy.objects.get(severity="minor")
    client.force_login(f.staff("manager"))
    url = reverse("admin:complaints_slapolicy_change", args=[policy.pk])
    with time_machine.travel(f.at(2, 10), tick=False):
        form = client.get(url).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None}
        data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
        data["dispatch_minutes"] = policy.dispatch_minutes + 30
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert len(rescheduled) == 1
    assert SlaPolicy.objects.get(pk=policy.pk).dispatch_minutes == policy.dispatch_minutes + 30


@needs_postgres
@needs_redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_complaints_posted_while_redis_is_down_are_saved_and_told_once_it_is_back(
    client, own_redis
):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    desk = f.staff("front_desk")
    f.staff("department_head", department_code="engineering", email="head@example.com")
    client.force_login(desk)

    with time_machine.travel(f.at(2, 10), tick=True) as traveller:
        own_redis.stop()
        answers = [_register(client, n) for n in range(4)]
        assert [a.status_code for a in answers] == [302] * 4, answers[0].context["form"].errors
        assert Complaint.objects.count() == 4
        waiting = Notification.objects.filter(delivered_at__isnull=True)
        assert (
            waiting.count() >= 4
            and not Notification.objects.filter(delivered_at__isnull=False).exists()
        )

        own_redis.start()
        traveller.shift(dt.timedelta(minutes=6))  # the re-queue leaves rows 5 minutes alone
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            swept = sla_sweep()
            assert swept.requeued >= 4
            deadline = time.monotonic() + 30
            while Notification.objects.filter(delivered_at__isnull=True).exists():
                assert time.monotonic() < deadline, "notifications not delivered after Redis"
                time.sleep(0.2)
            sla_sweep()  # nothing left to re-queue: nothing sent twice
            time.sleep(1)

    notes = list(Notification.objects.all())
    assert all(n.attempts == 1 for n in notes), [n.attempts for n in notes]
    to_head = [n for n in notes if n.recipient.email == "head@example.com"]
    assert len(to_head) >= 4
    assert sum(m.to == ["head@example.com"] for m in mail.outbox) == len(to_head)
