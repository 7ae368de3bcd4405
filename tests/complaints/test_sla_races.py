"""Races found by killing and racing real workers: each failed before its fix.

* A change of class while a sweep batch holds the complaint's clocks must build on the
  levels that batch raised, not write back the ones from before it (PostgreSQL: SQLite lets
  one writer through at a time, so there is no race to lose there).
* Two workers handed the same notification (a re-queue while the first copy still waited
  in the broker) must send it once.
"""

import threading
import time

import pytest
import time_machine
from django.db import connection

from complaints import services
from complaints.models import Complaint, Escalation, Notification
from complaints.services.classify import complaint_reclassify
from complaints.sla import notifications
from complaints.sla import sweep as sweep_module
from complaints.sla.sweep import sla_sweep

from . import factories as f

NOW = f.at(2, 10, 30)


def _overdue_important():
    desk = f.staff("front_desk")
    for role in ("supervisor", "manager", "general_manager"):
        f.staff(role)
    f.staff("department_head", department_code="engineering")
    at = f.at(29, 9, month=10)
    with time_machine.travel(at, tick=False):
        c = f.complaint(desk, at=at)
        services.complaint_confirm(
            complaint=c,
            by=desk,
            severity="important",
            category=f.category(),
            validity="valid",
            department=f.department(),
        )
    return Complaint.objects.get(pk=c.pk)


def _closing_connection(fn):
    def run():
        try:
            fn()
        finally:
            connection.close()

    return run


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_of_class_during_a_sweep_does_not_raise_the_breach_again(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: there is no race")
    c = _overdue_important()
    paused, release = threading.Event(), threading.Event()
    real_record = sweep_module._record

    def record_then_wait(ctx):
        real_record(ctx)
        paused.set()
        release.wait(10)  # the batch's locks are held, nothing committed yet

    monkeypatch.setattr(sweep_module, "_record", record_then_wait)
    sweeper = threading.Thread(target=_closing_connection(lambda: sla_sweep(now=NOW)))
    sweeper.start()
    assert paused.wait(10)
    service = threading.Thread(
        target=_closing_connection(
            lambda: complaint_reclassify(
                complaint=Complaint.objects.get(pk=c.pk),
                severity="minor",
                by=None,
                reason="desk correction",
                now=NOW,
            )
        )
    )
    service.start()
    time.sleep(0.5)  # the service now waits for the batch's clocks
    release.set()
    sweeper.join(15)
    service.join(15)
    monkeypatch.undo()
    assert Complaint.objects.get(pk=c.pk).severity == "minor"

    sla_sweep(now=NOW)
    levels = list(
        Escalation.objects.filter(complaint=c, clock="resolve").values_list("level", flat=True)
    )
    assert sorted(levels) == [1, 2]  # raised once each, never again for the moved deadline


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_notification_handed_to_two_workers_is_sent_once(monkeypatch):
    user = f.staff("supervisor", email="sup@example.com")
    note = Notification.objects.create(recipient=user, message="x")
    sent = []

    class SlowChannel:
        def send(self, notification):
            sent.append(notification.pk)
            time.sleep(0.3)  # an SMTP round trip

    monkeypatch.setattr("complaints.notify.channels", lambda: [SlowChannel()])
    workers = [
        threading.Thread(target=_closing_connection(lambda: notifications.deliver([note.pk])))
        for _ in range(2)
    ]
    for t in workers:
        t.start()
    for t in workers:
        t.join(15)
    note.refresh_from_db()
    assert sent == [note.pk]
    assert note.delivered_at is not None and note.attempts == 1


@pytest.mark.django_db
def test_a_failed_send_is_given_up_and_tried_again(monkeypatch):
    user = f.staff("supervisor", email="sup@example.com")
    note = Notification.objects.create(recipient=user, message="x", created_at=f.at(2, 9))

    class Down:
        def send(self, notification):
            raise OSError("smtp down")

    monkeypatch.setattr("complaints.notify.channels", lambda: [Down()])
    assert notifications.deliver([note.pk]) == 0
    note.refresh_from_db()
    assert note.claimed_at is None and note.attempts == 1
    with time_machine.travel(f.at(2, 10), tick=False):
        assert notifications.requeue_undelivered(now=f.at(2, 10)) == 1
