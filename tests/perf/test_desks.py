"""Desks by index: counts capped at "99+", the admin's years from the ends of the index, the
department head's visibility and queues exactly the complaints of their department's orders."""

from __future__ import annotations

import datetime as dt

import pytest
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
    """The admin asks a date-and-time field for ``datetimes``: the same years and months as
    Django's own (in the current time zone), without truncating the date of every row."""
    import time_machine
    from django.db import connection, models
    from django.test.utils import CaptureQueriesContext

    tz = timezone.get_default_timezone()
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=tz), tick=False):
        desk = f.staff("front_desk")
        for moment in (
            dt.datetime(2024, 12, 31, 23, 30, tzinfo=tz),  # 2024 in Shanghai, 15:30 UTC
            dt.datetime(2025, 6, 1, 12, 0, tzinfo=tz),
            dt.datetime(2026, 1, 31, 23, 59, tzinfo=tz),
            dt.datetime(2026, 2, 1, 0, 30, tzinfo=tz),  # 2026-01-31 in UTC
        ):
            _received(desk, 1, start=moment)
        everything = Complaint.objects.all()
        for kind, qs in [
            ("year", everything),
            ("month", everything.filter(received_at__year=2026)),
        ]:
            for order in ("ASC", "DESC"):
                own = list(models.QuerySet.datetimes(qs, "received_at", kind, order))
                assert qs.datetimes("received_at", kind, order) == own
        years = everything.datetimes("received_at", "year")
        assert [d.year for d in years] == [2024, 2025, 2026] and years[0].tzinfo == tz
        assert Complaint.objects.none().datetimes("received_at", "year") == []
        day = list(everything.datetimes("received_at", "day"))  # Django's own
        assert [d.date() for d in day][-2:] == [dt.date(2026, 1, 31), dt.date(2026, 2, 1)]

        client.force_login(f.staff("manager"))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/admin/complaints/complaint/")
        assert response.status_code == 200
        assert "received_at__year=2024" in response.content.decode()
        assert not [q for q in ctx.captured_queries if "trunc" in q["sql"].lower()]


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


HEAD_NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def test_head_desk_holds_exactly_the_departments_complaints():
    """The head's visibility (own department, or an order ever sent to it) and the "to sign
    for" / "in progress" queues (an order of the department pending / signed), each complaint
    once, in the queue's order, against the same facts computed row by row in Python."""
    import time_machine

    with time_machine.travel(HEAD_NOW, tick=False):
        desk = f.staff("front_desk")
        head = f.staff("department_head", department_code="engineering")
        eng, sec = f.department("engineering"), f.department("security")
        _received(desk, 12)
        made = list(Complaint.objects.order_by("pk"))
        orders = {  # complaint's place: its work orders (department, status), oldest first
            0: [(eng, "pending")],
            1: [(eng, "signed")],
            2: [(sec, "pending")],
            3: [(sec, "signed")],
            4: [(eng, "done"), (sec, "pending")],
            5: [(sec, "done"), (eng, "pending")],
            6: [(eng, "done"), (eng, "signed")],
            7: [(eng, "done"), (eng, "done")],
            8: [(sec, "done")],
            9: [(eng, "pending")],
        }
        for place, sent in orders.items():
            for n, (department, status) in enumerate(sent):
                WorkOrder.objects.create(
                    complaint=made[place],
                    department=department,
                    dispatched_by=desk,
                    dispatched_at=HEAD_NOW - dt.timedelta(hours=10 - n),
                    status=status,
                )
        # Own department without an order (10), another department's (11); deadlines and
        # dispatch times shuffled, with ties that the id breaks.
        Complaint.objects.filter(pk=made[10].pk).update(department=eng)
        Complaint.objects.filter(pk=made[11].pk).update(department=sec)
        # Dispatched complaints are being handled (confirmed, or investigated once visited):
        # an open work order exists only in those states.
        for place, c in enumerate(made):
            Complaint.objects.filter(pk=c.pk).update(
                dispatched_at=HEAD_NOW - dt.timedelta(hours=(place * 7) % 4),
                resolve_due_at=HEAD_NOW + dt.timedelta(hours=(place * 5) % 3 - 1),
                state=Complaint.HANDLING_STATES[place % 2],
            )
        made = list(Complaint.objects.order_by("pk"))

        def sent_to_eng(c, status=None):
            return any(
                o.department_id == eng.pk and status in (None, o.status)
                for o in WorkOrder.objects.filter(complaint=c)
            )

        visible = [c for c in made if c.department_id == eng.pk or sent_to_eng(c)]
        assert {made[i].pk for i in (0, 1, 4, 5, 6, 7, 9, 10)} == {c.pk for c in visible}
        assert sorted(Complaint.objects.visible_to(head).values_list("pk", flat=True)) == sorted(
            c.pk for c in visible
        )

        queues = {q.key: q for q in selectors.desk_queues(head, now=HEAD_NOW)}

        def expect(status, field):
            rows = [c for c in visible if sent_to_eng(c, status)]
            return [c.pk for c in sorted(rows, key=lambda c: (getattr(c, field), c.pk))]

        assert [c.pk for c in queues["to_sign"].items] == expect("pending", "dispatched_at")
        assert [c.pk for c in queues["in_progress"].items] == expect("signed", "resolve_due_at")
        assert queues["to_sign"].count == 3 and queues["in_progress"].count == 2
        overdue = [
            c.pk
            for c in sorted(visible, key=lambda c: (c.resolve_due_at, c.pk))
            if c.resolve_due_at < HEAD_NOW
        ]
        assert overdue and [c.pk for c in queues["overdue"].items] == overdue
