"""Deadlines that enforce themselves: deadlines from the policy, the sweep, extensions,
notifications. The clock is frozen wherever time matters."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection

from complaints import services
from complaints.models import (
    CalendarDay,
    Complaint,
    DeadlineExtension,
    Escalation,
    Notification,
    SlaPolicy,
)
from complaints.services.errors import Conflict, ServiceError
from complaints.sla import extensions, notifications
from complaints.sla.sweep import sla_sweep

from . import factories as f

pytestmark = pytest.mark.django_db


def sweep(when):
    with time_machine.travel(when, tick=False):
        return sla_sweep()


def confirmed(desk, *, at, severity="minor", **kw):
    with time_machine.travel(at, tick=False):
        c = f.complaint(desk, at=at, **kw)
        services.complaint_confirm(
            complaint=c,
            by=desk,
            severity=severity,
            category=f.category(),
            validity="valid",
            department=f.department(),
        )
    return Complaint.objects.get(pk=c.pk)


# --- deadlines from the policy ----------------------------------------------------------------
def test_policy_numbers_are_data(desk):
    SlaPolicy.objects.filter(severity="important").update(resolve_days=5)
    c = confirmed(desk, at=f.at(2), severity="important")
    assert c.resolve_due_at == f.at(7)


def test_dispatch_deadline_variant_of_five_minutes(desk):
    SlaPolicy.objects.update(dispatch_minutes=5)
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk)
    assert c.dispatch_due_at == f.at(2, 9, 5)


def test_major_gets_an_answer_deadline(desk):
    c = confirmed(desk, at=f.at(2), severity="major")
    assert c.answer_due_at == f.at(4)
    assert c.resolve_due_at == f.at(12)


def test_received_before_a_holiday_is_due_after_it_in_working_days(desk):
    SlaPolicy.objects.filter(severity="important").update(resolve_in_working_days=True)
    # Tuesday 2025-09-30 10:00; National Day holiday 10-01..10-08; 10-09 (Thu) is working.
    received = f.at(30, 10, month=9, year=2025)
    c = confirmed(desk, at=received, severity="important")
    local = c.resolve_due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert local.date() == dt.date(2025, 10, 11)  # 10-09, 10-10, 10-11 (调休 Saturday)
    assert local.hour == 10


def test_company_day_off_moves_the_working_day_deadline(desk):
    SlaPolicy.objects.filter(severity="minor").update(
        resolve_in_working_days=True, use_requested_deadline=False
    )
    CalendarDay.objects.create(date=dt.date(2026, 11, 24), is_working_day=False)
    c = confirmed(desk, at=f.at(23, 10), severity="minor")  # Monday
    assert c.resolve_due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == (
        dt.date(2026, 11, 26)
    )


# --- the sweep ----------------------------------------------------------------------------------
def test_complaint_not_dispatched_in_ten_minutes_escalates_exactly_once(desk, people):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk)
    assert sweep(f.at(2, 9, 9)).escalations == 0
    first = sweep(f.at(2, 9, 11))
    again = sweep(f.at(2, 9, 12))
    assert first.by_clock == {"dispatch": 1} and again.escalations == 0
    e = Escalation.objects.get(complaint=c)
    assert (e.clock, e.level, e.role) == ("dispatch", 1, "supervisor")
    assert Notification.objects.filter(escalation=e).get().recipient == people["supervisor"]
    assert c.events.filter(kind="escalated").count() == 1


def test_still_not_dispatched_an_hour_later_goes_to_the_manager(desk, people):
    with time_machine.travel(f.at(2, 9), tick=False):
        f.complaint(desk)
    sweep(f.at(2, 9, 11))
    sweep(f.at(2, 10, 11))
    assert list(Escalation.objects.order_by("level").values_list("level", "role")) == [
        (1, "supervisor"),
        (2, "manager"),
    ]


def test_a_late_sweep_catches_up_on_everything_missed(desk, people):
    with time_machine.travel(f.at(2, 9), tick=False):
        f.complaint(desk)
    result = sweep(f.at(5, 9))  # three days of missed runs
    assert result.by_clock["dispatch"] == 2  # both levels at once, each once


def test_dispatched_in_time_never_escalates(desk, people):
    confirmed(desk, at=f.at(2, 9))
    assert "dispatch" not in sweep(f.at(2, 9, 30)).by_clock


def test_important_complaint_is_told_to_the_manager_once(desk, people):
    c = confirmed(desk, at=f.at(2, 9), severity="important")
    sweep(f.at(2, 9, 5))
    sweep(f.at(2, 9, 6))
    e = Escalation.objects.get(complaint=c, clock="notify")
    assert e.role == "manager" and e.due_at == f.at(2, 10)
    assert list(Notification.objects.filter(escalation=e).values_list("recipient", flat=True)) == [
        people["manager"].pk
    ]


def test_major_complaint_is_told_to_the_general_manager_the_same_day(desk, people):
    c = confirmed(desk, at=f.at(2, 9), severity="major")
    sweep(f.at(2, 9, 5))
    e = Escalation.objects.get(complaint=c, clock="notify")
    assert e.role == "general_manager"
    assert e.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2026, 11, 2)


def test_major_without_answer_in_two_days_goes_to_the_general_manager(desk, head, people):
    c = confirmed(desk, at=f.at(2, 9), severity="major")
    assert "answer" not in sweep(f.at(4, 8)).by_clock
    assert sweep(f.at(4, 9, 1)).by_clock["answer"] == 1
    e = Escalation.objects.get(complaint=c, clock="answer")
    recipients = set(Notification.objects.filter(escalation=e).values_list("recipient", flat=True))
    assert recipients == {people["gm"].pk, head.pk}


def test_answered_major_does_not_escalate(desk, head, people):
    c = confirmed(desk, at=f.at(2, 9), severity="major")
    with time_machine.travel(f.at(3, 9), tick=False):
        f.advance(c, "investigated", desk=desk, head=head)
    assert "answer" not in sweep(f.at(5, 9)).by_clock


def test_overdue_resolution_climbs_one_level_per_step(desk, head, people):
    confirmed(desk, at=f.at(2, 9), severity="minor")  # due 11-04 09:00
    assert "resolve" not in sweep(f.at(4, 8, 59)).by_clock
    assert sweep(f.at(4, 9)).by_clock["resolve"] == 1
    assert "resolve" not in sweep(f.at(4, 20)).by_clock
    assert sweep(f.at(5, 9)).by_clock["resolve"] == 1
    assert sweep(f.at(7, 9)).by_clock["resolve"] == 1
    levels = list(
        Escalation.objects.filter(clock="resolve").order_by("level").values_list("level", "role")
    )
    assert levels == [(1, "supervisor"), (2, "manager"), (3, "general_manager")]
    first = Escalation.objects.get(clock="resolve", level=1)
    assert head.pk in Notification.objects.filter(escalation=first).values_list(
        "recipient", flat=True
    )


def test_resolved_in_time_never_escalates(desk, head, people):
    c = confirmed(desk, at=f.at(2, 9))
    with time_machine.travel(f.at(3, 9), tick=False):
        f.advance(c, "resolved", desk=desk, head=head)
    assert "resolve" not in sweep(f.at(10, 9)).by_clock


def test_reminders_at_half_and_eighty_percent(desk, head, people):
    confirmed(desk, at=f.at(2, 9), severity="minor")  # 48 h window
    assert "reminder" not in sweep(f.at(3, 8)).by_clock  # 23 h = 48 %
    assert sweep(f.at(3, 9, 1)).by_clock["reminder"] == 1  # 50 %
    assert "reminder" not in sweep(f.at(3, 12)).by_clock
    assert sweep(f.at(3, 23, 30)).by_clock["reminder"] == 1  # 80 %
    assert Notification.objects.filter(escalation__clock="reminder", recipient=head).count() == 2


def test_missing_daily_progress_report_after_five_pm(desk, head, people):
    SlaPolicy.objects.filter(severity="important").update(resolve_days=5)
    c = confirmed(desk, at=f.at(2, 9), severity="important")
    with time_machine.travel(f.at(2, 10), tick=False):
        services.work_order_sign(work_order=c.active_work_order, by=head)
    assert "progress" not in sweep(f.at(3, 16, 59)).by_clock
    assert sweep(f.at(3, 17)).by_clock["progress"] == 1
    assert "progress" not in sweep(f.at(3, 18)).by_clock
    with time_machine.travel(f.at(4, 11), tick=False):
        services.complaint_progress(complaint=c, by=head, note="等待材料")
    assert "progress" not in sweep(f.at(4, 17, 30)).by_clock


def test_valid_complaint_open_for_a_month_becomes_major(desk, people):
    c = confirmed(desk, at=f.at(1, 9, month=10), severity="minor")
    result = sweep(f.at(1, 9, month=11))
    assert result.made_major == 1
    c.refresh_from_db()
    assert c.severity == "major"
    assert sweep(f.at(2, 9, month=11)).made_major == 0


def test_closed_complaints_are_left_alone(desk, head, people):
    c = confirmed(desk, at=f.at(2, 9))
    with time_machine.travel(f.at(2, 12), tick=False):
        f.advance(c, "closed", desk=desk, head=head)
    assert sweep(f.at(20, 9)).escalations == 0


def test_sweep_cost_does_not_grow_with_complaints_that_are_not_due(
    desk, people, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(3):
        confirmed(
            desk,
            at=f.at(20, 9, n),
            res=f.resident(name=f"甲{n}", phone=f"+86135{n:08d}", unit=f.unit(f"{n}05")),
        )
    sweep(f.at(20, 10))
    with CaptureQueriesContext(connection) as few:
        sweep(f.at(20, 10, 1))
    for n in range(3, 30):
        confirmed(
            desk,
            at=f.at(20, 9, n),
            res=f.resident(name=f"甲{n}", phone=f"+86135{n:08d}", unit=f.unit(f"{n}05")),
        )
    sweep(f.at(20, 10))
    with CaptureQueriesContext(connection) as many:
        sweep(f.at(20, 10, 1))
    assert len(many) == len(few)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_record_each_breach_once():
    desk = f.staff("front_desk")
    f.staff("supervisor")
    f.staff("manager")
    for n in range(6):
        with time_machine.travel(f.at(2, 9, n), tick=False):
            f.complaint(
                desk, res=f.resident(name=f"乙{n}", phone=f"+86136{n:08d}", unit=f.unit(f"{n}06"))
            )
    errors = []

    def run():
        try:
            sla_sweep(now=f.at(2, 11))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Escalation.objects.filter(clock="dispatch").count() == 12  # 6 complaints × 2 levels
    assert Notification.objects.count() == 12


# --- notifications ----------------------------------------------------------------------------
def test_notifications_are_e_mailed_once(
    desk, people, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with time_machine.travel(f.at(2, 9), tick=False):
            f.complaint(desk)
        with django_capture_on_commit_callbacks(execute=True):
            sweep(f.at(2, 9, 11))
    finally:
        app.conf.task_always_eager = False
    assert [m.to for m in mail.outbox] == [["sup@example.com"]]
    note = Notification.objects.get()
    assert note.delivered_at is not None
    notifications.deliver([note.pk])
    assert len(mail.outbox) == 1


def test_broker_outage_loses_nothing(desk, people, monkeypatch, django_capture_on_commit_callbacks):
    from complaints import tasks

    def down(*args, **kwargs):
        raise OSError("broker unreachable")

    monkeypatch.setattr(tasks.deliver_notifications, "delay", down)
    with time_machine.travel(f.at(2, 9), tick=False):
        f.complaint(desk)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(f.at(2, 9, 11))  # queuing fails quietly
    assert Notification.objects.filter(delivered_at__isnull=True).count() == 1
    queued = []
    monkeypatch.setattr(tasks.deliver_notifications, "delay", lambda ids: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep(f.at(2, 9, 20))  # the next sweep re-queues what was not delivered
    assert result.requeued == 1 and queued == [[Notification.objects.get().pk]]


def test_marking_notifications_read(desk, people):
    with time_machine.travel(f.at(2, 9), tick=False):
        f.complaint(desk)
    sweep(f.at(2, 9, 11))
    sup = people["supervisor"]
    assert notifications.notification_mark_read(user=sup) == 1
    assert not sup.notifications.filter(read_at__isnull=True).exists()


# --- extensions ------------------------------------------------------------------------------
def test_minor_extension_approved_by_the_manager_moves_the_deadline(desk, head, people):
    c = confirmed(desk, at=f.at(2, 9))
    with time_machine.travel(f.at(3, 9), tick=False):
        f.advance(c, "investigated", desk=desk, head=head)
        c.refresh_from_db()
        ext = extensions.extension_request(
            complaint=c, by=head, new_due_at=f.at(6, 9), reason="等配件"
        )
    assert Notification.objects.filter(recipient=people["manager"], complaint=c).exists()
    with pytest.raises(PermissionDenied):
        extensions.extension_decide(extension=ext, by=people["supervisor"], approve=True)
    with time_machine.travel(f.at(3, 10), tick=False):
        extensions.extension_decide(extension=ext, by=people["manager"], approve=True, note="同意")
    c.refresh_from_db()
    assert c.resolve_due_at == f.at(6, 9)
    assert c.events.filter(kind="extension").count() == 2
    assert "resolve" not in sweep(f.at(5, 9)).by_clock
    with pytest.raises(Conflict):
        extensions.extension_decide(extension=ext, by=people["manager"], approve=False)


def test_important_extension_needs_the_general_manager(desk, head, people):
    c = confirmed(desk, at=f.at(2, 9), severity="important")
    ext = extensions.extension_request(complaint=c, by=head, new_due_at=f.at(9, 9), reason="施工")
    with pytest.raises(PermissionDenied):
        extensions.extension_decide(extension=ext, by=people["manager"], approve=True)
    extensions.extension_decide(extension=ext, by=people["gm"], approve=False, note="不同意")
    c.refresh_from_db()
    assert c.resolve_due_at == f.at(5, 9)
    assert DeadlineExtension.objects.get().status == "refused"


def test_major_cannot_be_extended_and_bad_requests_are_refused(desk, head, people):
    c = confirmed(desk, at=f.at(2, 9), severity="major")
    with pytest.raises(ServiceError):
        extensions.extension_request(complaint=c, by=head, new_due_at=f.at(20, 9), reason="x")
    c = confirmed(
        desk, at=f.at(2, 10), res=f.resident(name="丙", phone="+8613700000001", unit=f.unit("1701"))
    )
    with pytest.raises(ServiceError):
        extensions.extension_request(complaint=c, by=head, new_due_at=f.at(3, 9), reason="earlier")
    with pytest.raises(ServiceError):
        extensions.extension_request(complaint=c, by=head, new_due_at=f.at(9, 9), reason=" ")
    other = f.staff("department_head", department_code="security")
    with pytest.raises(PermissionDenied):
        extensions.extension_request(complaint=c, by=other, new_due_at=f.at(9, 9), reason="x")
    extensions.extension_request(complaint=c, by=head, new_due_at=f.at(9, 9), reason="x")
    with pytest.raises(Conflict):
        extensions.extension_request(complaint=c, by=head, new_due_at=f.at(10, 9), reason="y")


def test_sla_policy_steps_are_validated():
    from django.core.exceptions import ValidationError

    policy = SlaPolicy.objects.get(severity="minor")
    policy.resolve_escalation_hours = "24,0"
    policy.reminder_fractions = "1.5"
    with pytest.raises(ValidationError) as exc:
        policy.full_clean()
    assert {"resolve_escalation_hours", "reminder_fractions"} <= set(exc.value.message_dict)


def test_important_complaint_later_made_major_is_told_to_the_general_manager(desk, people):
    c = confirmed(desk, at=f.at(1, 9, month=10), severity="important")
    sweep(f.at(1, 9, 5, month=10))
    sweep(f.at(1, 9, month=11))  # a month unresolved: now major
    sweep(f.at(1, 9, 1, month=11))
    roles_told = set(
        Escalation.objects.filter(complaint=c, clock="notify").values_list("role", flat=True)
    )
    assert roles_told == {"manager", "general_manager"}


def test_an_approved_extension_lets_the_new_deadline_escalate_again(desk, head, people):
    c = confirmed(desk, at=f.at(2, 9))  # due 11-04 09:00
    sweep(f.at(4, 9, 1))
    with time_machine.travel(f.at(4, 10), tick=False):
        ext = extensions.extension_request(
            complaint=Complaint.objects.get(pk=c.pk),
            by=head,
            new_due_at=f.at(6, 9),
            reason="等配件",
        )
        extensions.extension_decide(extension=ext, by=people["manager"], approve=True)
    assert "resolve" not in sweep(f.at(5, 9)).by_clock
    assert sweep(f.at(6, 9, 1)).by_clock["resolve"] == 1
    assert Escalation.objects.filter(complaint=c, clock="resolve", level=1).count() == 2
