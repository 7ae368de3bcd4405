"""`make run` loads the demo: it must work on a fresh database, on any date, and walk every
complaint through the real services (so a new rule that the demo breaks fails here, not in
a newcomer's first minute)."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from complaints.models import Complaint, Notification

pytestmark = pytest.mark.django_db

# A Monday night: the night-duty rules and the day shift both come into play.
MOMENT = dt.datetime(2026, 11, 2, 14, 30, tzinfo=dt.UTC)


def test_the_demo_loads_and_loads_again_without_change(
    monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("complaints.sla.notifications.queue_delivery", queued.append)
    out = StringIO()
    with (
        time_machine.travel(MOMENT, tick=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("seed_demo", complaints=60, stdout=out)
        first = Complaint.objects.count()
        call_command("seed_demo", complaints=60, stdout=StringIO())
    assert first >= 60 and Complaint.objects.count() == first  # safe to run again
    # Its history reaches nobody: no delivery queued, every notification marked delivered.
    assert queued == [] and not Notification.objects.filter(delivered_at__isnull=True).exists()
    assert not Notification.objects.filter(read_at__isnull=True).exists()  # the bell starts empty
    assert (
        Complaint.objects.filter(state="closed", validity="valid")
        .exclude(archive_summary="")
        .exists()
    )
    assert set(Complaint.objects.values_list("state", flat=True)) >= {
        "received",
        "confirmed",
        "investigated",
        "closed",
    }
    assert "60" in out.getvalue() or str(first) in out.getvalue()
