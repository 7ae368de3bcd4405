"""The daily roll-up (reporting.rollup) gives the trend and the comparisons exactly as the
direct computation from the complaints does, after random histories driven through the real
services (resolve, revisit satisfied or not, invalid, reclassify, reopen), for every kind of
period, the whole company and one property."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine

from complaints import services
from complaints.models import Complaint, Revisit
from reporting import periods, rollup
from reporting.models import DailyFigures, DirtyDay
from reporting.selectors import period_statistics
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at(28, 12, month=11, year=2026)


def _moment(rng):
    day = dt.date(2026, 11, 20) - dt.timedelta(days=rng.choice([0, 1, 2, 9, 30, 40, 70, 380]))
    return f.at(day.day, rng.randint(0, 23), rng.randint(0, 59), month=day.month, year=day.year)


def _history(rng, desk, head, manager, estates):
    supervisor = f.staff("supervisor")
    made = []
    for i in range(36):
        when = _moment(rng)
        u = f.unit(str(1000 + i), prop=rng.choice(estates))
        res = f.resident(name=f"住户{i}", phone=f"+86139{i:08d}", unit=u)
        with time_machine.travel(when, tick=False):
            c = f.complaint(
                desk,
                res=res,
                unit=u,
                estate=u.building.property,
                at=when,
                channel=rng.choice(["phone", "walk_in", "online"]),
            )
        made.append((c, when))
    for c, when in made:
        later = when + dt.timedelta(hours=rng.randint(1, 5))
        with time_machine.travel(later, tick=False):
            roll = rng.random()
            c = Complaint.objects.get(pk=c.pk)
            if roll < 0.15:
                services.complaint_confirm(
                    complaint=c,
                    by=desk,
                    severity="minor",
                    category=f.category(),
                    validity="invalid",
                    explanation="不属于物业服务范围",
                )
                services.complaint_close_invalid(complaint=Complaint.objects.get(pk=c.pk), by=desk)
                continue
            target = rng.choice(["received", "confirmed", "investigated", "resolved", "revisited"])
            if target != "received":
                c = f.advance(
                    c,
                    target,
                    desk=desk,
                    head=head,
                    severity=rng.choice(["minor", "important", "major"]),
                    revisitor=supervisor,
                )
            if c.state in ("confirmed", "investigated") and rng.random() < 0.4:
                services.complaint_reclassify(
                    complaint=c, severity="major", by=manager, reason="影响扩大"
                )
            if c.state == "resolved" and rng.random() < 0.5:
                services.complaint_revisit(
                    complaint=c,
                    by=supervisor,
                    method="phone",
                    satisfaction=Revisit.Satisfaction.UNSATISFIED,
                    comment="还是漏水",
                )
            if c.state == "revisited" and rng.random() < 0.5:
                c = f.advance(c, "closed", desk=desk, head=head)
                if rng.random() < 0.6:
                    services.complaint_reopen(complaint=c, by=manager, reason="又坏了")


@pytest.fixture
def history(db):
    rng = random.Random(1204)
    desk = f.staff("front_desk")
    head = f.staff("department_head", department_code="engineering")
    manager = f.staff("manager")
    estates = [f.estate("翠湖花园"), f.estate("金桂苑"), f.estate("银杏里")]
    _history(rng, desk, head, manager, estates)
    return manager, estates


def _trend(stats):
    points = [*stats.trend, stats.previous, stats.last_year]
    return [(p.period, dict(p.counts), dict(p.revisits)) for p in points]


def _same(viewer, estate, period):
    with time_machine.travel(NOW, tick=False):
        kw = dict(period=period, viewer=viewer, estate=estate)
        by_rollup = period_statistics(use_rollup=True, **kw)
        direct = period_statistics(use_rollup=False, **kw)
    for (p1, c1, r1), (p2, c2, r2) in zip(_trend(by_rollup), _trend(direct), strict=True):
        assert p1 == p2
        assert {k: v for k, v in c1.items() if v} == {k: v for k, v in c2.items() if v}, p1
        assert {k: v for k, v in r1.items() if v} == {k: v for k, v in r2.items() if v}, p1


def test_rollup_equals_direct_computation(history):
    manager, estates = history
    assert DirtyDay.objects.exists()  # the services marked their days
    for kind in (periods.WEEK, periods.MONTH, periods.QUARTER, periods.YEAR):
        period = periods.Period.containing(kind, dt.date(2026, 11, 18))
        for estate in (None, estates[0]):
            _same(manager, estate, period)
            _same(None, estate, period)
    assert not DirtyDay.objects.exists()  # the page refreshed what was dirty
    assert DailyFigures.objects.exists()


def test_rebuild_all_gives_the_same_rows(history):
    rollup.refresh()
    before = sorted(
        tuple(row.values())
        for row in DailyFigures.objects.values(
            "day", "estate_id", "total", "resolved", "resolved_revisited", "revisit_total"
        )
    )
    rollup.rebuild_all()
    after = sorted(
        tuple(row.values())
        for row in DailyFigures.objects.values(
            "day", "estate_id", "total", "resolved", "resolved_revisited", "revisit_total"
        )
    )
    assert before == after


def test_a_one_column_update_marks_the_day(history):
    rollup.refresh()
    c = Complaint.objects.order_by("pk").first()
    Complaint.objects.filter(pk=c.pk).update(is_group=True)
    assert list(DirtyDay.objects.values_list("day", flat=True)) == [rollup.local_day(c.received_at)]
