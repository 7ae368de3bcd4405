"""Personal data leaving the masked view (PIPL): every phone reveal and every export of
residents' data is recorded as a :class:`~complaints.models.DataAccess` row."""

from __future__ import annotations

from django.utils import timezone

from ..models import DataAccess


def data_access_record(
    *,
    user,
    kind: str,
    what: str,
    rows: int = 0,
    phones_included: bool = False,
    complaint=None,
    filters: str = "",
) -> DataAccess:
    """Record one reveal, export or print of personal data, in the caller's transaction."""
    access = DataAccess(
        user=user,
        kind=kind,
        what=str(what)[:200],
        rows=max(int(rows), 0),
        phones_included=phones_included,
        complaint=complaint,
        filters=(filters or "")[:1000],
        at=timezone.now(),
    )
    access.full_clean(exclude=["user", "complaint"])
    access.save()
    return access
