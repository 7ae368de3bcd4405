"""A month of known complaints (October 2026) for the statistics tests.

Every complaint is driven through the real services (tests/complaints/factories.py) with the
clock set to the moment of each step.  The expected figures are listed in ``EXPECTED``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from complaints import services
from complaints.models import Complaint, DeadlineExtension, Revisit
from reporting.models import CorrectiveAction
from tests.complaints import factories as f

# "Now" for the pages: ten days into November, so October is the default month.
NOW = dict(day=10, hour=12, month=11, year=2026)


def oct_(day, hour=10, minute=0, month=10, year=2026):
    return f.at(day, hour, minute, month=month, year=year)


def now():
    return f.at(**NOW)


class Step:
    """Run service calls with the clock frozen at a given moment."""

    def __call__(self, moment, fn, /, **kwargs):
        with time_machine.travel(moment, tick=False):
            return fn(**kwargs)


step = Step()


def reload(c: Complaint) -> Complaint:
    return Complaint.objects.get(pk=c.pk)


def create(desk, moment, **kwargs) -> Complaint:
    with time_machine.travel(moment, tick=False):
        return f.complaint(desk, at=moment, **kwargs)


def confirm(c, moment, *, desk, severity="minor", department="engineering", **kwargs):
    fields = dict(
        severity=severity,
        category=c.category or f.category(),
        validity="valid",
        responsibility="class1",
        department=f.department(department) if department else None,
    )
    fields.update(kwargs)
    step(moment, services.complaint_confirm, complaint=reload(c), by=desk, **fields)
    return reload(c)


def sign(c, moment, *, head):
    c = reload(c)
    step(moment, services.work_order_sign, work_order=c.active_work_order, by=head)
    return reload(c)


def investigate(c, moment, *, head):
    step(moment, services.complaint_investigate, complaint=reload(c), by=head, plan="到现场查看")
    return reload(c)


def resolve(c, moment, *, head):
    step(moment, services.complaint_resolve, complaint=reload(c), by=head, result="已处理")
    return reload(c)


def revisit(c, moment, *, desk, satisfaction=Revisit.Satisfaction.SATISFIED, comment=""):
    step(
        moment,
        services.complaint_revisit,
        complaint=reload(c),
        by=desk,
        method="phone",
        satisfaction=satisfaction,
        comment=comment,
    )
    return reload(c)


def close(c, moment, *, desk):
    """Review and archive: a supervisor's job where the factories provide one (审核归档)."""
    reviewer = getattr(f, "reviewer", None)
    by = reviewer() if reviewer is not None else desk
    step(moment, services.complaint_close, complaint=reload(c), by=by, summary="已处理，住户满意")
    return reload(c)


def handled(c, start, *, desk, head, severity="minor", resolve_after=dt.timedelta(hours=3)):
    """Confirm 5 minutes after ``start``, sign, investigate and resolve after ``resolve_after``."""
    c = confirm(c, start + dt.timedelta(minutes=5), desk=desk, severity=severity)
    c = sign(c, start + dt.timedelta(minutes=10), head=head)
    c = investigate(c, start + dt.timedelta(minutes=30), head=head)
    return resolve(c, start + resolve_after, head=head)


@pytest.fixture
def desk(db):
    return f.staff("front_desk")


@pytest.fixture
def head(db):
    return f.staff("department_head", department_code="engineering")


@pytest.fixture
def manager(db):
    return f.staff("manager", email="manager@example.com")


@pytest.fixture
def october(db, desk, head, manager):
    """The complaints of October 2026 (and a few around it); returns them by name.

    Recorded as a company that does not open corrective actions automatically for losses
    (ReportingSettings.open_action_for_loss), so the month's missing actions are what this
    data set says they are; the automatic opening has tests of its own.
    """
    from reporting.models import ReportingSettings

    ReportingSettings.objects.update(open_action_for_loss=False)
    c = {}
    eq3, eq4 = f.category("equipment-3"), f.category("equipment-4")
    sec4, env1 = f.category("security-4"), f.category("environment-1")
    bld1, building = f.category("building-1"), f.category("building")
    svc2 = f.category("service-2")

    # A: the last minute of October in Beijing time (15:59 UTC): October's.
    c["A"] = create(desk, oct_(31, 23, 59), channel="letter")

    # B: important, dispatched and resolved in time, revisited (satisfied), closed.
    c["B"] = create(desk, oct_(3, 10), category=eq3)
    c["B"] = handled(c["B"], oct_(3, 10), desk=desk, head=head, severity="important")
    c["B"] = revisit(c["B"], oct_(3, 16), desk=desk)
    c["B"] = close(c["B"], oct_(4, 9), desk=desk)

    # C: major, dispatched late (40 minutes), answered in time, resolved 25 days later (late),
    # revisited "basically satisfied"; economic loss 800 yuan; no corrective action.
    c["C"] = create(desk, oct_(5, 9), channel="walk_in", category=eq3, economic_loss=Decimal("800"))
    c["C"] = confirm(c["C"], oct_(5, 9, 40), desk=desk, severity="major")
    c["C"] = sign(c["C"], oct_(5, 10), head=head)
    c["C"] = investigate(c["C"], oct_(5, 11), head=head)
    c["C"] = resolve(c["C"], oct_(30, 10), head=head)
    c["C"] = revisit(c["C"], oct_(30, 15), desk=desk, satisfaction=Revisit.Satisfaction.BASIC)

    # D: invalid, closed with an explanation; its loss of 1000 yuan needs no action.
    c["D"] = create(
        desk, oct_(8, 14), channel="online", category=sec4, economic_loss=Decimal("1000")
    )
    c["D"] = confirm(
        c["D"],
        oct_(8, 14, 5),
        desk=desk,
        validity="invalid",
        responsibility="class3",
        department=None,
        explanation="经核实不属于物业服务范围",
    )
    step(oct_(8, 15), services.complaint_close_invalid, complaint=reload(c["D"]), by=desk)

    # E: handled, revisited, closed, then reopened on the 20th and confirmed again: open
    # and overdue (due on the 12th) at the end of the month.
    c["E"] = create(desk, oct_(10, 9), category=env1)
    c["E"] = handled(c["E"], oct_(10, 9), desk=desk, head=head)
    c["E"] = revisit(c["E"], oct_(10, 13), desk=desk)
    c["E"] = close(c["E"], oct_(10, 14), desk=desk)
    step(
        oct_(20, 10),
        services.complaint_reopen,
        complaint=reload(c["E"]),
        by=manager,
        reason="又坏了",
    )
    c["E"] = confirm(reload(c["E"]), oct_(20, 10, 5), desk=desk)

    # F: deadline extended (approved) from the 14th to the 20th, resolved on the 18th: in
    # time thanks to the extension; not revisited yet.
    c["F"] = create(desk, oct_(12, 10), category=eq3)
    c["F"] = confirm(c["F"], oct_(12, 10, 5), desk=desk)
    c["F"] = sign(c["F"], oct_(12, 10, 10), head=head)
    c["F"] = investigate(c["F"], oct_(12, 10, 30), head=head)
    DeadlineExtension.objects.create(
        complaint=c["F"],
        requested_by=head,
        requested_at=oct_(13, 9),
        reason="等配件",
        old_due_at=c["F"].resolve_due_at,
        new_due_at=oct_(20, 10),
        status=DeadlineExtension.Status.APPROVED,
        decided_by=manager,
        decided_at=oct_(13, 10),
    )
    Complaint.objects.filter(pk=c["F"].pk).update(resolve_due_at=oct_(20, 10))
    c["F"] = resolve(c["F"], oct_(18, 10), head=head)

    # G: important, signed for, never resolved: overdue.  Its extensions were not approved.
    c["G"] = create(
        desk, oct_(20, 9), channel="online", category=bld1, description="=1+1 楼道墙皮脱落"
    )
    c["G"] = confirm(c["G"], oct_(20, 9, 5), desk=desk, severity="important")
    c["G"] = sign(c["G"], oct_(20, 9, 30), head=head)
    for status, new_day in (
        (DeadlineExtension.Status.REFUSED, 25),
        (DeadlineExtension.Status.PENDING, 26),
    ):
        DeadlineExtension.objects.create(
            complaint=c["G"],
            requested_by=head,
            reason="人手不足",
            old_due_at=c["G"].resolve_due_at,
            new_due_at=oct_(new_day, 9),
            status=status,
        )

    # H: unsatisfied at the first revisit, reworked, resolved again, satisfied, closed.
    c["H"] = create(desk, oct_(15, 9), category=env1)
    c["H"] = handled(c["H"], oct_(15, 9), desk=desk, head=head, resolve_after=dt.timedelta(hours=1))
    c["H"] = revisit(
        c["H"],
        oct_(15, 11),
        desk=desk,
        satisfaction=Revisit.Satisfaction.UNSATISFIED,
        comment="没修好",
    )
    c["H"] = sign(c["H"], oct_(15, 11, 30), head=head)
    c["H"] = resolve(c["H"], oct_(15, 14), head=head)
    c["H"] = revisit(c["H"], oct_(15, 15), desk=desk)
    c["H"] = close(c["H"], oct_(15, 16), desk=desk)

    # I1–I3: one resident about the same matter three times: first, intermediate, advanced.
    regular = f.resident(name="张三", phone="+8613900000001")
    c["I1"] = create(desk, oct_(16, 9), res=regular, category=sec4)
    c["I2"] = create(desk, oct_(22, 9), res=regular, category=sec4)
    c["I3"] = create(desk, oct_(25, 9), res=regular, category=sec4, channel="box")

    # J: forwarded from the group company, special (so major), loss 600, has an action.
    c["J"] = create(
        desk, oct_(26, 10), channel="forwarded", category=svc2, economic_loss=Decimal("600")
    )
    c["J"] = confirm(
        c["J"],
        oct_(26, 10, 5),
        desk=desk,
        severity="minor",
        responsibility="class2",
        department="service",
        is_special=True,
    )

    # K: filed on a heading (no sub-category), loss exactly at the threshold.
    c["K"] = create(
        desk, oct_(27, 10), channel="walk_in", category=building, economic_loss=Decimal("500")
    )

    # G1–G5: five households about the water pump on one morning: a group complaint.
    for n in range(1, 6):
        res = f.resident(name=f"住户{n}", phone=f"+86139000001{n:02d}", unit=f.unit(f"{n}01"))
        c[f"G{n}"] = create(desk, oct_(28, 8, n * 7), res=res, category=eq4)

    # P2: another property.
    other = f.estate("碧水湾")
    res = f.resident(name="王五", phone="+8613900000099", unit=f.unit("0101", prop=other))
    c["P2"] = create(desk, oct_(9, 10), res=res, channel="email", category=eq3)

    # Around the month: September (previous month), November, and October last year.
    c["S"] = create(desk, oct_(30, 23, 59, month=9))
    c["S2"] = create(desk, oct_(10, 10, month=9), channel="fax")
    c["N"] = create(desk, oct_(1, 0, 0, month=11))
    c["L"] = create(desk, oct_(15, 10, year=2025), channel="on_site")

    # Corrective actions: J's (open, due 30 Nov), S's (open, past its date), one done.
    action = CorrectiveAction.objects.create(
        title="收费争议处理流程不清",
        cause_analysis="收费标准未公示",
        action="公示收费标准并培训",
        owner=manager,
        due_date=dt.date(2026, 11, 30),
        created_by=manager,
    )
    action.complaints.add(c["J"])
    late = CorrectiveAction.objects.create(
        title='=HYPERLINK("http://x")',
        cause_analysis="分析",
        action="措施",
        owner=head,
        due_date=dt.date(2026, 10, 31),
        created_by=manager,
    )
    late.complaints.add(c["S"])
    CorrectiveAction.objects.create(
        title="已完成的措施",
        cause_analysis="分析",
        action="措施",
        owner=head,
        due_date=dt.date(2026, 10, 15),
        status=CorrectiveAction.Status.DONE,
        verification_note="已验证",
        verified_by=manager,
        verified_at=oct_(20, 10),
        created_by=manager,
    )
    return {k: reload(v) for k, v in c.items()}


# What October 2026 must show (all properties).
EXPECTED = {
    "total": 19,
    "channel_phone": 11,
    "channel_walk_in": 2,
    "channel_letter": 1,
    "channel_online": 2,
    "channel_box": 1,
    "channel_forwarded": 1,
    "channel_email": 1,
    "channel_on_site": 0,
    "channel_fax": 0,
    "channel_on_behalf": 0,
    "severity_minor": 4,
    "severity_important": 2,
    "severity_major": 2,
    "severity_blank": 11,
    "validity_valid": 7,
    "validity_assist": 0,
    "validity_invalid": 1,
    "validity_blank": 11,
    "responsibility_class1": 6,
    "responsibility_class2": 1,
    "responsibility_class3": 1,
    "responsibility_blank": 11,
    "repeat_first": 16,
    "repeat_intermediate": 1,
    "repeat_advanced": 1,
    "repeat_special": 1,
    "group": 5,
    "special": 1,
    "dispatched": 7,
    "dispatched_in_time": 6,
    "dispatched_late": 1,
    "not_dispatched": 11,
    "answer_due": 2,
    "answered_in_time": 1,
    "resolved": 4,
    "resolved_in_time": 3,
    "resolved_late": 1,
    "overdue": 2,
    "extended": 1,
    "reopened": 1,
    "resolved_revisited": 3,
    "resolved_not_revisited": 1,
    "unsatisfied": 1,
    "serious": 4,
    "serious_missing": 3,
    "loss_above": 3,  # C 800, J 600 and K at exactly 500 (以上 includes 500)
    "loss_missing": 2,  # C and K
    "loss_total": Decimal("2900.00"),
}
EXPECTED_REVISITS = {"total": 5, "satisfied": 3, "basic": 1, "unsatisfied": 1}


def the_month():
    return dt.date(2026, 10, 1)


@pytest.fixture
def government(october):
    """October's data set with complaints that reached a government body.

    Counted (valid): B (the resident went to the 12345 hotline, 3 October 2026), J (forwarded
    by a government body, 26 October 2026), N (1 November 2026) and L (October 2025).
    Not counted: D (invalid), A (not classified yet), C (forwarded by the media).
    """
    c = october
    flags = {
        "B": dict(reached_government=True),
        "J": dict(forwarded_by=Complaint.Forwarder.GOVERNMENT),
        "N": dict(reached_government=True, validity=Complaint.Validity.VALID),
        "L": dict(reached_government=True, validity=Complaint.Validity.VALID),
        "D": dict(reached_government=True),
        "A": dict(reached_government=True),
        "C": dict(forwarded_by=Complaint.Forwarder.MEDIA),
    }
    for name, fields in flags.items():
        Complaint.objects.filter(pk=c[name].pk).update(**fields)
    return {k: reload(v) for k, v in c.items()}
