"""Desks by index: counts capped at "99+", the admin's years from the ends of the index, the
department head's visibility the same with EXISTS (PostgreSQL) as with the join (SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import selectors
from complaints.models import Complaint, WorkOrder
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db


def _received(desk, n, *, start=None, **kw):
    start = start or timezone.now()
    for i in range(n):
        Complaint(
            number=f"TS-T-{Complaint.objects.count() + 1:05d}",
            channel="phone",
            description="电梯坏了",
            contact_name="李",
            contact_phone="+8613900000000",
            received_by=desk,
            received_at=start - dt.timedelta(days=i),
            **kw,
        ).save()


def test_queue_counts_stop_at_99_plus():
    desk = f.staff("front_desk")
    _received(desk, 101)
    confirm = next(q for q in selectors.desk_queues(desk) if q.key == "confirm")
    assert confirm.count == 100 and confirm.count_label == "99+"
    assert len(confirm.items) == 15
    Complaint.objects.filter(pk__in=Complaint.objects.values("pk")[:5]).delete()
    confirm = next(q for q in selectors.desk_queues(desk) if q.key == "confirm")
    assert confirm.count == 96 and confirm.count_label == "96"


def test_admin_years_from_the_ends():
    desk = f.staff("front_desk")
    tz = timezone.get_default_timezone()
    _received(desk, 1, start=dt.datetime(2024, 12, 31, 23, 30, tzinfo=tz))
    _received(desk, 1, start=dt.datetime(2026, 2, 1, 0, 30, tzinfo=tz))
    years = Complaint.objects.dates("received_at", "year")
    assert [d.year for d in years] == [2024, 2025, 2026]
    months = Complaint.objects.filter(received_at__year=2026).dates("received_at", "month", "DESC")
    assert months == [dt.date(2026, 2, 1)]
    assert Complaint.objects.none().dates("received_at", "year") == []
    # Other fields and kinds are Django's own.
    assert list(Complaint.objects.dates("received_at", "day")) == [
        dt.date(2024, 12, 31),
        dt.date(2026, 2, 1),
    ]


def test_admin_date_hierarchy_reads_the_ends_not_every_row(client):
    """The changelist's year links come from the first and last receipt; no query truncates
    the receipts of every complaint (a sort of the whole table at a million)."""
    desk = f.staff("front_desk")
    tz = timezone.get_default_timezone()
    _received(desk, 1, start=dt.datetime(2024, 12, 31, 23, 30, tzinfo=tz))
    _received(desk, 1, start=dt.datetime(2026, 2, 1, 0, 30, tzinfo=tz))
    years = Complaint.objects.datetimes("received_at", "year")
    assert [(d.year, d.month, d.day, d.hour) for d in years] == [
        (2024, 1, 1, 0),
        (2025, 1, 1, 0),
        (2026, 1, 1, 0),
    ]
    assert all(d.tzinfo is not None for d in years)
    client.force_login(f.staff("manager"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:complaints_complaint_changelist"))
    assert response.status_code == 200
    assert "?received_at__year=2025" in response.content.decode()
    sql = " ".join(q["sql"].lower() for q in queries.captured_queries)
    assert "date_trunc" not in sql and "datetime_trunc" not in sql


def test_head_sees_own_department_and_work_orders_sent_to_it():
    desk = f.staff("front_desk")
    head = f.staff("department_head", department_code="engineering")
    _received(desk, 3)
    own, sent, _other = Complaint.objects.order_by("pk")
    Complaint.objects.filter(pk=own.pk).update(department=f.department())
    for status in ("done", "pending"):  # two orders: still listed once
        WorkOrder.objects.create(
            complaint=sent,
            department=f.department(),
            dispatched_by=desk,
            dispatched_at=timezone.now(),
            status=status,
        )
    seen = list(Complaint.objects.visible_to(head).order_by("pk").values_list("pk", flat=True))
    assert seen == [own.pk, sent.pk]
    assert Complaint.objects.visible_to(head).count() == 2


def test_deep_pages_by_keyset_are_the_offset_pages(client):
    desk = f.staff("front_desk")
    _received(desk, 60)
    # Two complaints at the same moment: the id breaks the tie.
    first = Complaint.objects.order_by("pk").first()
    Complaint.objects.filter(pk=first.pk + 1).update(received_at=first.received_at)
    client.force_login(desk)
    everything = list(
        selectors.complaints_search(desk, selectors.SearchParams()).values_list("pk", flat=True)
    )
    seen, url = [], "/complaints/?page=1"
    for _ in range(3):
        response = client.get(url)
        seen += [c.pk for c in response.context["rows"]]
        if not response.context["has_next"]:
            break
        url = f"/complaints/?page={response.context['page'] + 1}&after={response.context['next_cursor']}"
    assert seen == everything
    for bad in ("x_1", "99999999999999999999_1", "1_", "-5_x"):
        assert client.get(f"/complaints/?page=2&after={bad}").status_code == 200


def test_cursor_round_trip():
    c = Complaint(pk=7, received_at=dt.datetime(2026, 11, 3, 4, 5, 6, 123457, tzinfo=dt.UTC))
    assert selectors.parse_cursor(selectors.cursor_of(c)) == (c.received_at, 7)
