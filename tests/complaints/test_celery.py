"""A real Celery worker (celery.contrib.testing) on the configured broker: the filesystem
broker on the default run, Redis in CI's PostgreSQL run."""

import datetime as dt
import time

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from complaints import tasks
from complaints.models import Escalation, Notification

from . import factories as f


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker():
    """A worker thread on the run's own broker (settings give test runs a private folder)."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        yield app


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_escalates_a_late_dispatch_exactly_once_and_mails_it(worker):
    # A weekday morning, within office hours, with the clock running (the worker's thread
    # reads the same clock).
    with time_machine.travel(f.at(2, 10), tick=True):
        _late_dispatch_is_escalated_once()


def _late_dispatch_is_escalated_once():
    desk = f.staff("front_desk")
    f.staff("supervisor", email="sup@example.com")
    f.complaint(desk, at=timezone.now() - dt.timedelta(minutes=20))

    tasks.sla_sweep.delay()
    assert wait_for(lambda: Escalation.objects.filter(clock="dispatch").exists())
    assert wait_for(lambda: Notification.objects.filter(delivered_at__isnull=False).exists())
    tasks.sla_sweep.delay()
    tasks.sla_sweep.delay()
    time.sleep(2)
    assert Escalation.objects.filter(clock="dispatch").count() == 1
    assert Notification.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["sup@example.com"]]
