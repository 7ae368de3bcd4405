"""The complaint changelist does not count a large unfiltered table (complaints.admin_paging)."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import admin_paging
from complaints.models import Complaint
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(db):
    # Every test here runs at a fixed moment, never at the real clock's.
    with time_machine.travel(f.at(2, 10), tick=False):
        desk = f.staff("front_desk")
        for _ in range(3):
            f.complaint(desk)
        yield Complaint.objects.all()


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_small_or_filtered_list_is_counted_exactly(complaints):
    assert admin_paging.EstimatedCountPaginator(complaints, 50).count == 3
    filtered = complaints.filter(channel="phone")
    with CaptureQueriesContext(connection) as queries:
        assert admin_paging.EstimatedCountPaginator(filtered, 50).count == 3
    assert _counts(queries)


def test_postgresql_takes_its_own_estimate_for_a_large_unfiltered_list(complaints, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row estimate: it always counts")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE complaints_complaint")
    monkeypatch.setattr(admin_paging, "ESTIMATE_FROM", 1)
    with CaptureQueriesContext(connection) as queries:
        count = admin_paging.EstimatedCountPaginator(complaints.order_by("-received_at"), 50).count
    assert count == 3
    assert not _counts(queries)
    # A filter brings the exact count back.
    with CaptureQueriesContext(connection) as queries:
        assert admin_paging.EstimatedCountPaginator(complaints.filter(pk__gt=0), 50).count == 3
    assert _counts(queries)


def test_the_changelist_pages_with_it(client, complaints):
    client.force_login(f.staff("manager"))
    response = client.get("/admin/complaints/complaint/")
    assert response.status_code == 200
    assert isinstance(response.context["cl"].paginator, admin_paging.EstimatedCountPaginator)
    assert response.context["cl"].result_count == 3
