"""The complaint's timeline: one row for everything that happens to it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ..models import Complaint, ComplaintEvent


def record_event(
    complaint: Complaint,
    kind: str,
    *,
    by=None,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    work_order=None,
    at: dt.datetime | None = None,
):
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=by,
        note=note,
        from_state=from_state,
        to_state=to_state,
        work_order=work_order,
        at=at or timezone.now(),
    )
