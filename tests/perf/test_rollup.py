"""The daily roll-up (reporting.rollup) gives every figure of the statistics — the period's own
counts, its categories, departments and government count, the trend and the comparisons —
exactly as the direct computation from the complaints does, after random histories driven
through the real services (resolve, revisit satisfied or not, invalid, reclassify, reopen,
extensions, the sweep's escalations, corrective actions linked and removed, losses, a receipt
moved to another day, the loss threshold changed), for every kind of period, the whole
company and one property."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from complaints import services
from complaints.models import Complaint, Escalation, Revisit
from complaints.sla import extensions
from complaints.sla.sweep import sla_sweep
from reporting import metrics, periods, rollup
from reporting.models import (
    ROLLUP_FIGURES,
    CorrectiveAction,
    DailyFigures,
    DirtyDay,
    ReportingSettings,
)
from reporting.selectors import period_statistics
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at(28, 12, month=11, year=2026)


def _moment(rng):
    day = dt.date(2026, 11, 20) - dt.timedelta(days=rng.choice([0, 1, 2, 9, 30, 40, 70, 380]))
    return f.at(day.day, rng.randint(0, 23), rng.randint(0, 59), month=day.month, year=day.year)


def _history(rng, desk, head, manager, estates):
    supervisor = f.staff("supervisor")
    general_manager = f.staff("general_manager")  # may decide any class's extension
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
                economic_loss=rng.choice([None, None, Decimal("120.50"), Decimal("800")]),
                reached_government=rng.random() < 0.2,
            )
        made.append((c, when))
    reopened = []
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
            if c.state == "investigated" and c.severity != "major" and rng.random() < 0.5:
                ext = extensions.extension_request(
                    complaint=Complaint.objects.get(pk=c.pk),
                    by=head,
                    new_due_at=later + dt.timedelta(days=20),
                    reason="等配件",
                )
                extensions.extension_decide(
                    extension=ext, by=general_manager, approve=rng.random() < 0.7, note="同意"
                )
            if c.state == "revisited" and (rng.random() < 0.5 or not reopened):
                c = f.advance(c, "closed", desk=desk, head=head)
                if rng.random() < 0.6 or not reopened:
                    services.complaint_reopen(complaint=c, by=manager, reason="又坏了")
                    reopened.append(c)
    # Each change below must mark its own days: start from a roll-up with none dirty.
    rollup.refresh()
    # The sweep records what ran late by now (management told, revisits missed …).
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        sla_sweep()
    rollup.refresh()
    # Corrective actions: linked from either side, one unlinked, one deleted.
    complaints = list(Complaint.objects.order_by("pk"))
    for i in range(3):
        action = CorrectiveAction.objects.create(
            title=f"措施{i}",
            cause_analysis="分析",
            action="措施",
            owner=manager,
            due_date=dt.date(2026, 12, 31),
            created_by=manager,
        )
        action.complaints.add(*rng.sample(complaints, 4))
    rng.choice(complaints).corrective_actions.add(action)
    action.complaints.remove(action.complaints.first())
    CorrectiveAction.objects.order_by("pk").first().delete()
    rollup.refresh()
    # A receipt corrected to another day (the day it left changes as well).
    moved = Complaint.objects.order_by("pk")[3]
    moved.received_at -= dt.timedelta(days=2)
    moved.save()


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


def _nonzero(d: dict) -> dict:
    return {k: v for k, v in d.items() if v}


def _period(stats):
    """Everything of the period itself, as plain values."""
    g = stats.government
    return {
        "counts": {k: stats.counts[k] for k in metrics.period_metrics(as_of=NOW, threshold=0)},
        "revisits": _nonzero(stats.revisits),
        "categories": [
            (r.category and r.category.pk, r.count, [(c.category.pk, c.count) for c in r.children])
            for r in stats.categories
        ],
        "departments": [(r.department and r.department.pk, r.counts) for r in stats.departments],
        "government": (g.year, g.start, g.end, g.count, g.previous_start, g.previous_count),
    }


def _same(viewer, estate, period):
    with time_machine.travel(NOW, tick=False):
        kw = dict(period=period, viewer=viewer, estate=estate)
        by_rollup = period_statistics(use_rollup=True, **kw)
        direct = period_statistics(use_rollup=False, **kw)
    for (p1, c1, r1), (p2, c2, r2) in zip(_trend(by_rollup), _trend(direct), strict=True):
        assert p1 == p2
        assert _nonzero(c1) == _nonzero(c2), p1
        assert _nonzero(r1) == _nonzero(r2), p1
    assert _period(by_rollup) == _period(direct), (period, estate)
    return direct


def _all_periods(manager, estates):
    for kind in (periods.WEEK, periods.MONTH, periods.QUARTER, periods.YEAR):
        period = periods.Period.containing(kind, dt.date(2026, 11, 18))
        for estate in (None, estates[0]):
            _same(manager, estate, period)
            _same(None, estate, period)


def test_rollup_equals_direct_computation(history):
    manager, estates = history
    assert DirtyDay.objects.exists()  # the services marked their days
    _all_periods(manager, estates)
    assert not DirtyDay.objects.exists()  # the page refreshed what was dirty
    assert DailyFigures.objects.exists()
    # The history reached the figures that come from other tables.
    year = period_statistics(
        period=periods.Period.containing(periods.YEAR, dt.date(2026, 11, 18)), viewer=None
    )
    for name in ("management_told", "extended", "reopened", "unsatisfied", "loss_above"):
        assert year.counts[name], name
    assert Escalation.objects.exists()
    assert year.government.count


def test_a_new_loss_threshold_recomputes_every_day(history):
    manager, estates = history
    rollup.refresh()
    config = ReportingSettings.current()
    config.economic_loss_threshold = Decimal("100")
    config.save()
    assert DirtyDay.objects.exists()
    _all_periods(manager, estates)


def test_the_rollup_keeps_every_lasting_figure():
    """The table's columns are exactly the figures the direct computation counts (but the
    moment-dependent "overdue")."""
    lasting = set(metrics.lasting_metrics(Decimal("500"))) - {"loss_total"}
    assert set(ROLLUP_FIGURES) == lasting | set(metrics.REVISIT_FIGURES)


def test_grains_sum_to_the_company(history):
    rollup.refresh()
    totals = {}
    for grain in DailyFigures.Grain.values:
        totals[grain] = sorted(
            DailyFigures.objects.filter(grain=grain)
            .values("day")
            .annotate(n=Sum("total"), told=Sum("management_told"), loss=Sum("loss_total"))
            .values_list("day", "n", "told", "loss")
        )
    assert totals["company"]
    assert totals["property"] == totals["department"] == totals["category"] == totals["company"]


def _rows():
    fields = ["day", "grain", "estate_id", "department_id", "category_id", *ROLLUP_FIGURES]
    return sorted(
        (
            tuple(-1 if v is None else v for v in row)
            for row in DailyFigures.objects.values_list(*fields)
        ),
    )


def test_rebuild_all_gives_the_same_rows(history):
    rollup.refresh()
    before = _rows()
    rollup.rebuild_all()
    assert _rows() == before


def test_a_one_column_update_marks_the_day(history):
    rollup.refresh()
    c = Complaint.objects.order_by("pk").first()
    Complaint.objects.filter(pk=c.pk).update(is_group=True)
    assert list(DirtyDay.objects.values_list("day", flat=True)) == [rollup.local_day(c.received_at)]


def test_postgresql_reads_overdue_from_one_index(db):
    """The period's overdue count (the one figure the roll-up cannot keep) has an index with
    every column it reads (migration complaints 0021), so it never fetches the rows."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("included columns are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'complaint_received_overdue'"
        )
        (definition,) = cursor.fetchone()
    assert "(received_at)" in definition
    for column in ("id", "resolve_due_at", "resolved_at", "closed_at", "validity", "department_id"):
        assert column in definition


def test_a_page_rebuilds_only_the_days_it_reads(db):
    """Today is dirty with every intake: a page about another time leaves it to the beat."""
    desk = f.staff("front_desk")
    received = f.at(20, 10, month=11, year=2026)
    with time_machine.travel(received, tick=False):
        f.complaint(desk, at=received)
    day = rollup.local_day(received)
    assert DirtyDay.objects.filter(day=day).exists()
    with time_machine.travel(NOW, tick=False):
        period_statistics(
            period=periods.Period.containing(periods.MONTH, dt.date(2025, 1, 1)), viewer=None
        )
        assert DirtyDay.objects.filter(day=day).exists()  # not read, not rebuilt
        stats = period_statistics(
            period=periods.Period.containing(periods.MONTH, dt.date(2026, 11, 1)), viewer=None
        )
    assert not DirtyDay.objects.filter(day=day).exists()
    assert stats.counts["total"] == 1
