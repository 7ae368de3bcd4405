"""Telling management late shows in the monthly statistics, and its figure drills down to
the same complaints."""

import pytest
import time_machine
from django.db.models import Q

from complaints import services
from complaints.models import Complaint
from complaints.sla.sweep import sla_sweep
from reporting import figures, selectors
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db


def test_a_late_telling_is_counted_late_in_the_month(db):
    desk = f.staff("front_desk")
    f.staff("manager")
    made = []
    for n, confirm_at in enumerate([f.at(2, 9, 30), f.at(2, 12)]):
        with time_machine.travel(f.at(2, 9), tick=False):
            c = f.complaint(
                desk, at=f.at(2, 9), res=f.resident(name=f"甲{n}", phone=f"+8613700000{n:03d}")
            )
        with time_machine.travel(confirm_at, tick=False):
            services.complaint_confirm(
                complaint=c,
                by=desk,
                severity="important",
                category=f.category(),
                validity="valid",
                department=f.department(),
            )
            sla_sweep()
        made.append(c)
    stats = selectors.monthly_statistics(viewer=None, month=f.at(1).date(), now=f.at(30, 12))
    assert stats.counts["management_told"] == 2
    assert stats.counts["management_told_late"] == 1
    late = Complaint.objects.filter(Q(figures.management_told_late()))
    assert list(late) == [made[1]]
