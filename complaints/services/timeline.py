"""The complaint's timeline: one row for everything that happens to it.

A sentence the system writes is stored as ``code`` and ``params`` and worded when shown
(:mod:`complaints.timeline_text`); ``note`` is only for what a person typed."""

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
    code: str = "",
    params: dict | None = None,
    from_state: str = "",
    to_state: str = "",
    work_order=None,
    at: dt.datetime | None = None,
    for_resident: bool = False,
):
    from ..timeline_text import MESSAGES

    if code and code not in MESSAGES:
        raise ValueError(f"No timeline sentence for the code {code!r}.")
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=by,
        note=note,
        code=code,
        params=params or {},
        from_state=from_state,
        to_state=to_state,
        work_order=work_order,
        at=at or timezone.now(),
        for_resident=for_resident,
    )
