"""What the desk's revisit queue shows of the revisit online."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from .models import RatingLink

RECENT = dt.timedelta(days=7)


def open_rating_links(complaint_ids, now: dt.datetime) -> dict[int, RatingLink]:
    """complaint id → its rating link still waiting for the resident (sent, unused, valid)."""
    links = RatingLink.objects.filter(
        complaint_id__in=list(complaint_ids),
        used_at__isnull=True,
        voided_at__isnull=True,
        expires_at__gt=now,
    ).order_by("complaint_id", "-created_at")
    found: dict[int, RatingLink] = {}
    for link in links:
        found.setdefault(link.complaint_id, link)
    return found


def recent_online_ratings(user, now: dt.datetime, *, limit: int = 50):
    """The revisits residents recorded online in the last week, of complaints the user sees."""
    from complaints.models import Revisit
    from complaints.selectors import complaints_for_list

    return (
        Revisit.objects.filter(
            Q(method=Revisit.Method.ONLINE),
            at__gte=now - RECENT,
            complaint__in=complaints_for_list(user).values("pk"),
        )
        .select_related("complaint")
        .order_by("-at", "-pk")[:limit]
    )
