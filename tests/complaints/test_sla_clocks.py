"""The deadline engine's clocks at the edges a real company hits: reopening, a change of
class, group complaints classed at confirm, invalid complaints, night duty, revisit and
agreed deadlines, telling management late, limits shorter than a day.

Each test freezes the clock; most reproduce a reported bug and failed before its fix.
"""

import datetime as dt

import pytest
import time_machine

from complaints import services
from complaints.models import (
    Category,
    Clock,
    Complaint,
    ComplaintEvent,
    DeskPolicy,
    Escalation,
    Notification,
    OfficeHours,
    SlaPolicy,
)
from complaints.services.errors import ServiceError
from complaints.sla.sweep import sla_sweep

from . import factories as f

pytestmark = pytest.mark.django_db


def sweep(when):
    with time_machine.travel(when, tick=False):
        return sla_sweep()


def at(when, fn, **kwargs):
    with time_machine.travel(when, tick=False):
        return fn(**kwargs)


def reload(c):
    return Complaint.objects.get(pk=c.pk)


def confirm(c, when, desk, *, severity="minor", category=None, validity="valid", **kw):
    at(
        when,
        services.complaint_confirm,
        complaint=reload(c),
        by=desk,
        severity=severity,
        category=category or f.category(),
        validity=validity,
        department=None if validity == "invalid" else f.department(),
        **kw,
    )
    return reload(c)


def new(desk, when, n=0, **kw):
    with time_machine.travel(when, tick=False):
        return f.complaint(
            desk,
            at=when,
            res=f.resident(name=f"住户{n}", phone=f"+86139{n:08d}", unit=f.unit(f"{n}01")),
            **kw,
        )


def levels(c, clock):
    return sorted(
        Escalation.objects.filter(complaint=c, clock=clock).values_list("level", flat=True)
    )


# --- 1.2 reopening restarts the clocks --------------------------------------------------------
def test_a_reopened_complaint_gets_fresh_clocks_from_the_reopening(desk, head, people):
    c = new(desk, f.at(2, 9, month=3))
    c = confirm(c, f.at(2, 9, 5, month=3), desk)
    assert c.resolve_due_at == f.at(4, 9, month=3)  # from receipt
    with time_machine.travel(f.at(3, 10, month=3), tick=False):
        f.advance(c, "closed", desk=desk, head=head)
    manager = people["manager"]
    manager.groups.add(*f.staff("general_manager").groups.all())
    c = at(
        f.at(22, 10, month=3),
        services.complaint_reopen,
        complaint=reload(c),
        by=people["gm"],
        reason="住户说灯又坏了",
    )
    assert c.dispatch_due_at == f.at(22, 10, 10, month=3)
    c = confirm(c, f.at(22, 10, 5, month=3), desk)
    assert c.resolve_due_at == f.at(24, 10, month=3)  # two days from the reopening

    result = sweep(f.at(22, 12, month=3))
    assert result.escalations == 0  # nothing of the first round is raised again
    assert sweep(f.at(24, 10, 1, month=3)).by_clock == {"resolve": 1}
    assert levels(c, "resolve") == [1]


def test_a_reopened_major_complaint_gets_a_new_answer_deadline(desk, head, people):
    c = new(desk, f.at(2, 9, month=3))
    c = confirm(c, f.at(2, 9, 5, month=3), desk, severity="major")
    with time_machine.travel(f.at(3, 10, month=3), tick=False):
        f.advance(c, "closed", desk=desk, head=head, severity="major")
    sweep(f.at(3, 11, month=3))
    c = at(
        f.at(22, 10, month=3),
        services.complaint_reopen,
        complaint=reload(c),
        by=people["gm"],
        reason="问题复发",
    )
    assert c.answer_due_at == f.at(24, 10, month=3)  # 48 hours from the reopening
    assert "answer" not in sweep(f.at(22, 12, month=3)).by_clock
    assert sweep(f.at(24, 10, 1, month=3)).by_clock.get("answer") == 1


def test_the_month_rule_keeps_counting_from_the_first_receipt(desk, head, people):
    c = new(desk, f.at(2, 9, month=3))
    c = confirm(c, f.at(2, 9, 5, month=3), desk)
    with time_machine.travel(f.at(3, 10, month=3), tick=False):
        f.advance(c, "closed", desk=desk, head=head)
    at(
        f.at(22, 10, month=3),
        services.complaint_reopen,
        complaint=reload(c),
        by=people["gm"],
        reason="问题复发",
    )
    confirm(c, f.at(22, 10, 5, month=3), desk)
    assert sweep(f.at(1, 8, month=4)).made_major == 0
    assert sweep(f.at(1, 9, 1, month=4)).made_major == 1  # 30 days after 03-02 09:00


# --- 1.3 a change of class reschedules every clock ---------------------------------------------
def test_group_companions_made_major_get_the_major_deadlines(desk, head, people):
    category = f.category()
    first = new(desk, f.at(2, 9), 0, category=category)
    first = confirm(first, f.at(2, 9, 1), desk, category=category)
    assert first.resolve_due_at == f.at(4, 9)  # minor: two days
    for n in range(1, 5):
        new(desk, f.at(2, 10) + dt.timedelta(minutes=n), n, category=category)
    first = reload(first)
    assert first.is_group and first.severity == "major"
    assert first.resolve_due_at == f.at(12, 9)  # major: ten days from receipt
    assert first.answer_due_at == f.at(4, 9)  # and a 48-hour answer clock
    assert ComplaintEvent.objects.filter(
        complaint=first, kind="classified", code="class_changed", params__why="group"
    ).exists()
    # The general manager is told; the minor deadline no longer escalates.
    result = sweep(f.at(4, 9, 30))
    assert result.by_clock.get("notify") == 1
    assert "resolve" not in result.by_clock
    assert result.by_clock.get("answer") == 1  # no clear answer by 11-04 09:00


def test_the_month_rule_makes_it_major_with_an_answer_clock_and_tells_the_gm(desk, head, people):
    c = new(desk, f.at(1, 9, month=10))
    confirm(c, f.at(1, 9, 5, month=10), desk)
    result = sweep(f.at(31, 9, 30, month=10))
    assert result.made_major == 1
    c = reload(c)
    assert c.severity == "major"
    assert c.answer_due_at == f.at(3, 9, month=10)  # 48 hours from receipt
    assert Escalation.objects.filter(complaint=c, clock="notify", role="general_manager").exists()
    # The resolution escalations already raised under "minor" are not raised again.
    assert levels(c, "resolve") == [1, 2, 3]


def test_reclassify_needs_a_reason_and_keeps_group_complaints_major(desk, head, people):
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk)
    with pytest.raises(ServiceError):
        services.complaint_reclassify(complaint=c, severity="important", by=desk, reason=" ")
    c = at(
        f.at(2, 10),
        services.complaint_reclassify,
        complaint=c,
        severity="important",
        by=desk,
        reason="物业责任",
    )
    assert c.resolve_due_at == f.at(5, 9)  # three days from receipt
    assert sweep(f.at(2, 10, 1)).by_clock.get("notify") == 1  # the manager is told


# --- 1.4 group detection when the category is chosen at confirm --------------------------------
def test_the_fifth_household_confirmed_with_the_category_makes_the_group(desk, people):
    category = f.category("environment-1")
    complaints = [new(desk, f.at(2, 9, n), n) for n in range(5)]  # no category at intake
    for n, c in enumerate(complaints[:4]):
        confirm(c, f.at(2, 10, n), desk, category=category)
    assert not Complaint.objects.filter(is_group=True).exists()
    confirm(complaints[4], f.at(2, 10, 30), desk, category=category)
    grouped = Complaint.objects.filter(is_group=True)
    assert grouped.count() == 5
    assert set(grouped.values_list("severity", flat=True)) == {"major"}
    assert set(grouped.values_list("group_lead", flat=True)) == {complaints[0].pk}


# --- 1.5 invalid complaints have no dispatch clock ---------------------------------------------
def test_an_invalid_complaint_waiting_to_be_closed_does_not_escalate(desk, people):
    c = new(desk, f.at(2, 9))
    confirm(c, f.at(2, 9, 5), desk, validity="invalid")
    assert sweep(f.at(2, 9, 20)).escalations == 0
    assert sweep(f.at(2, 10, 30)).escalations == 0


# --- 2.1 night duty ----------------------------------------------------------------------------
def test_a_complaint_at_ten_at_night_waits_for_the_day_shift(desk, people):
    c = new(desk, f.at(2, 22))  # Monday 22:00; the day shift starts at 08:00
    assert c.dispatch_due_at == f.at(3, 8, 10)
    assert sweep(f.at(2, 22, 10)).escalations == 0
    assert sweep(f.at(2, 23, 10)).escalations == 0
    assert sweep(f.at(3, 8, 10)).by_clock == {"dispatch": 1}


def test_an_urgent_complaint_at_night_is_dispatched_at_once(desk, people):
    c = new(desk, f.at(2, 22), is_urgent=True)
    assert c.dispatch_due_at == f.at(2, 22, 10)
    assert sweep(f.at(2, 22, 10)).by_clock == {"dispatch": 1}


def test_an_urgent_category_chosen_at_night_runs_the_clock_through_the_night(desk, people):
    trapped = Category.objects.get(code="equipment-lift-trapped")
    assert trapped.is_urgent
    c = new(desk, f.at(2, 23), category=trapped)
    assert c.dispatch_due_at == f.at(2, 23, 10)


def test_office_hours_follow_the_holiday_calendar(desk, people):
    OfficeHours.objects.filter(day=OfficeHours.Day.HOLIDAY).update(
        opens=dt.time(9, 0), closes=dt.time(17, 0)
    )
    c = new(desk, f.at(1, 8, 30, month=10))  # National Day, before the holiday shift
    assert c.dispatch_due_at == f.at(1, 9, 10, month=10)
    OfficeHours.objects.filter(day=OfficeHours.Day.SUNDAY).delete()  # closed on Sundays
    c = new(desk, f.at(8, 12, month=11), 1)  # a Sunday
    assert c.dispatch_due_at == f.at(9, 8, 10, month=11)


def test_night_duty_is_a_role_that_can_log_complaints():
    night = f.staff("night_duty")
    assert night.has_perm("complaints.add_complaint")


# --- 2.2 revisit deadline ----------------------------------------------------------------------
def test_a_revisit_is_due_twelve_hours_after_resolution_and_escalates_when_missed(
    desk, head, people
):
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk)
    with time_machine.travel(f.at(2, 11), tick=False):
        c = f.advance(c, "resolved", desk=desk, head=head)
    assert c.revisit_due_at == f.at(2, 23)
    assert "revisit" not in sweep(f.at(2, 22, 59)).by_clock
    assert sweep(f.at(2, 23)).by_clock == {"revisit": 1}
    assert Notification.objects.filter(
        recipient=people["supervisor"], escalation__clock="revisit"
    ).exists()


def test_a_revisit_booked_with_the_resident_prevails(desk, head, people):
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk)
    with time_machine.travel(f.at(2, 11), tick=False):
        c = f.advance(c, "resolved", desk=desk, head=head)
        c = services.complaint_book_revisit(
            complaint=c, by=desk, at=f.at(4, 19), note="住户白天上班"
        )
    assert c.revisit_due_at == f.at(4, 19)
    assert "revisit" not in sweep(f.at(3, 9)).by_clock
    assert sweep(f.at(4, 19, 1)).by_clock == {"revisit": 1}


def test_revisit_on_the_same_day_when_the_desk_says_so(desk, head, people):
    DeskPolicy.objects.update(revisit_within_hours=None)
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk)
    with time_machine.travel(f.at(2, 11), tick=False):
        c = f.advance(c, "resolved", desk=desk, head=head)
    assert c.revisit_due_at.date() == f.at(2, 23).date()
    assert c.revisit_due_at > f.at(2, 23, 59)


def test_the_revisit_queue_is_ordered_by_its_deadline(client, desk, head, people):
    from complaints import selectors

    first = confirm(new(desk, f.at(2, 9), 1), f.at(2, 9, 5), desk)
    second = confirm(new(desk, f.at(2, 9, 1), 2), f.at(2, 9, 6), desk)
    with time_machine.travel(f.at(2, 11), tick=False):
        first = f.advance(first, "resolved", desk=desk, head=head)
        second = f.advance(second, "resolved", desk=desk, head=head)
        services.complaint_book_revisit(complaint=first, by=desk, at=f.at(3, 19))
        queues = {q.key: q for q in selectors.desk_queues(desk)}
    assert [c.pk for c in queues["revisit"].items] == [second.pk, first.pk]


# --- 2.3 an agreed deadline prevails ------------------------------------------------------------
def test_a_later_deadline_agreed_with_the_resident_stops_the_overdue_escalation(desk, head, people):
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk)
    c = at(
        f.at(3, 10),
        services.complaint_agree_deadline,
        complaint=c,
        by=head,
        due_at=f.at(9, 18),
        note="住户同意下周一前更换",
    )
    assert c.resolve_due_at == f.at(9, 18)
    assert c.agreed_by == head and c.agreed_at == f.at(3, 10)
    assert "resolve" not in sweep(f.at(5, 9)).by_clock  # the default would have been 11-04
    assert sweep(f.at(9, 18, 1)).by_clock.get("resolve") == 1


def test_an_earlier_agreed_deadline_also_prevails(desk, head, people):
    SlaPolicy.objects.filter(severity="major").update(resolve_days=10)
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk, severity="major")
    c = at(
        f.at(2, 10),
        services.complaint_agree_deadline,
        complaint=c,
        by=desk,
        due_at=f.at(5, 18),
        note="电话确认",
    )
    assert c.resolve_due_at == f.at(5, 18)
    assert sweep(f.at(5, 18, 1)).by_clock.get("resolve") == 1


def test_an_agreed_deadline_needs_a_note_and_a_future_time(desk, head, people):
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk)
    with time_machine.travel(f.at(3, 10), tick=False):
        with pytest.raises(ServiceError):
            services.complaint_agree_deadline(complaint=c, by=head, due_at=f.at(9, 9), note="")
        with pytest.raises(ServiceError):
            services.complaint_agree_deadline(complaint=c, by=head, due_at=f.at(3, 9), note="x")
    assert reload(c).agreed_due_at is None


# --- 2.4 telling management late ---------------------------------------------------------------
def test_an_important_complaint_classed_late_is_told_late_and_a_level_up(desk, people):
    c = new(desk, f.at(2, 9))
    confirm(c, f.at(2, 12), desk, severity="important")  # the hour ran from 09:00
    sweep(f.at(2, 12, 1))
    told = Escalation.objects.get(complaint=c, clock="notify")
    assert told.due_at == f.at(2, 10) and told.escalated_at > told.due_at
    recipients = set(
        Notification.objects.filter(escalation=told).values_list("recipient", flat=True)
    )
    assert recipients == {people["manager"].pk, people["gm"].pk}
    assert "late" in Notification.objects.filter(escalation=told).first().text


def test_an_important_complaint_classed_in_time_is_told_the_manager_only(desk, people):
    c = new(desk, f.at(2, 9))
    confirm(c, f.at(2, 9, 5), desk, severity="important")
    sweep(f.at(2, 9, 6))
    told = Escalation.objects.get(complaint=c, clock="notify")
    assert list(
        Notification.objects.filter(escalation=told).values_list("recipient", flat=True)
    ) == [people["manager"].pk]


# --- 2.5 limits shorter than a day --------------------------------------------------------------
def test_resolution_within_twelve_hours_and_an_answer_within_an_hour(desk, people):
    SlaPolicy.objects.filter(severity="minor").update(resolve_hours=12, answer_minutes=60)
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk)
    assert c.resolve_due_at == f.at(2, 21)
    assert c.answer_due_at == f.at(2, 10)
    result = sweep(f.at(2, 21))
    assert result.by_clock.get("answer") == 1 and result.by_clock.get("resolve") == 1


def test_progress_every_twenty_four_hours_from_signing(desk, head, people):
    DeskPolicy.objects.update(progress_every_hours=24)
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk, severity="important")
    with time_machine.travel(f.at(2, 14), tick=False):
        services.work_order_sign(work_order=reload(c).active_work_order, by=head)
    assert "progress" not in sweep(f.at(3, 13, 59)).by_clock
    assert sweep(f.at(3, 14)).by_clock.get("progress") == 1
    with time_machine.travel(f.at(3, 20), tick=False):
        services.complaint_progress(complaint=reload(c), by=head, note="已订购配件")
    assert "progress" not in sweep(f.at(4, 14)).by_clock  # reported at 20:00 yesterday
    assert sweep(f.at(4, 20)).by_clock.get("progress") == 1


def test_every_clock_of_a_closed_complaint_is_stopped(desk, head, people):
    c = confirm(new(desk, f.at(2, 9)), f.at(2, 9, 5), desk, severity="major")
    with time_machine.travel(f.at(2, 12), tick=False):
        f.advance(c, "closed", desk=desk, head=head, severity="major")
    assert not Clock.objects.filter(complaint=c, next_at__isnull=False).exclude(kind="notify")
    sweep(f.at(2, 12, 1))
    assert not Clock.objects.filter(complaint=c, next_at__isnull=False).exists()
    assert sweep(f.at(30, 9)).escalations == 0
