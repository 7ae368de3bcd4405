"""The daily roll-up of the statistics (:class:`reporting.models.DailyFigures`): per local day of
receipt and property, the trend's figures and the revisits of that day's complaints.  The
trend and the comparisons of every period page (week to year) sum these rows instead of
reading hundreds of thousands of complaints with an EXISTS each.

Kept correct by **dirty days**, not by updating figures in each service:

* A figure such as "resolved in time" or "resolved and revisited" depends on several fields
  and on other tables; recomputing it from the complaints with the one definition in
  :mod:`reporting.figures` cannot drift from the direct computation, where an increment or a
  decrement in each of the services (and each later one) could.
* Any change marks the day of the complaint as dirty *in the same transaction*: a
  ``post_save``/``post_delete`` of a complaint or a revisit, and ``ComplaintQuerySet.update``
  (the services' one-column updates), through the ``complaints_changed`` signal.  A rolled
  back change leaves no marker; a committed one always leaves one.
* The markers are append-only rows: writing one never waits on a lock, so a busy intake does
  not serialise on a counter row.  :func:`refresh` rebuilds the marked days whole from the
  complaints and deletes exactly the markers it read (by id), so a change committed meanwhile
  keeps its marker for the next refresh.
* The beat refreshes every minute, and the statistics page refreshes before reading, so a
  page never shows a stale day; a day costs one grouped query over its ~1,000 complaints.

A department head's statistics (their visibility follows work orders, which a per-property
roll-up cannot express) are still computed directly; so is everything about the period
itself that depends on the moment (overdue) or lists complaints (drill-downs, categories,
departments): those read one period, not the trend's twelve.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints.models import Complaint, Revisit

from .models import ROLLUP_FIGURES, DailyFigures, DirtyDay

REBUILD_CHUNK_DAYS = 31


def local_day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value, timezone.get_default_timezone()).date()


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def mark_days(days) -> None:
    """Mark the local days as out of date (one row each, in the caller's transaction)."""
    DirtyDay.objects.bulk_create([DirtyDay(day=day) for day in sorted(set(days))])


def mark_received(moments) -> None:
    mark_days(local_day(m) for m in moments if m is not None)


def refresh(*, limit: int | None = None) -> int:
    """Rebuild the days marked dirty; return how many days were rebuilt."""
    markers = list(DirtyDay.objects.order_by("pk").values_list("pk", "day")[:limit])
    if not markers:
        return 0
    days = sorted({day for _pk, day in markers})
    with transaction.atomic():
        rebuild_days(days)
        DirtyDay.objects.filter(pk__in=[pk for pk, _day in markers]).delete()
    return len(days)


def rebuild_all() -> int:
    """Rebuild every day that has complaints (after a bulk load or a restore)."""
    tz = timezone.get_default_timezone()
    days = sorted(
        Complaint.objects.order_by()
        .annotate(d=TruncDate("received_at", tzinfo=tz))
        .values_list("d", flat=True)
        .distinct()
    )
    with transaction.atomic():
        DailyFigures.objects.all().delete()
        DirtyDay.objects.all().delete()
        for i in range(0, len(days), REBUILD_CHUNK_DAYS):
            rebuild_days(days[i : i + REBUILD_CHUNK_DAYS], delete=False)
    return len(days)


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    runs: list[list[dt.date]] = []
    for day in days:
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def rebuild_days(days: list[dt.date], *, delete: bool = True) -> None:
    """Replace the roll-up rows of ``days`` with figures computed from the complaints."""
    from .selectors import trend_metrics

    if not days:
        return
    tz = timezone.get_default_timezone()
    received = Q()
    for first, last in _runs(sorted(set(days))):
        received |= Q(
            received_at__gte=day_start(first),
            received_at__lt=day_start(last + dt.timedelta(days=1)),
        )
    complaints = Complaint.objects.filter(received).order_by()
    rows: dict[tuple, dict] = {}
    for row in (
        complaints.annotate(d=TruncDate("received_at", tzinfo=tz))
        .values("d", "estate_id")
        .annotate(**trend_metrics())
    ):
        rows[(row.pop("d"), row.pop("estate_id"))] = row
    for row in (
        Revisit.objects.filter(complaint__in=complaints.values("pk"))
        .order_by()
        .annotate(d=TruncDate("complaint__received_at", tzinfo=tz))
        .values("d", "complaint__estate_id")
        .annotate(
            revisit_total=Count("pk"),
            revisit_satisfied=Count("pk", filter=Q(satisfaction=Revisit.Satisfaction.SATISFIED)),
            revisit_basic=Count("pk", filter=Q(satisfaction=Revisit.Satisfaction.BASIC)),
            revisit_unsatisfied=Count(
                "pk", filter=Q(satisfaction=Revisit.Satisfaction.UNSATISFIED)
            ),
        )
    ):
        key = (row.pop("d"), row.pop("complaint__estate_id"))
        rows.setdefault(key, {}).update(row)
    if delete:
        DailyFigures.objects.filter(day__in=days).delete()
    DailyFigures.objects.bulk_create(
        [
            DailyFigures(
                day=day,
                estate_id=estate_id,
                **{name: figures.get(name) or 0 for name in ROLLUP_FIGURES},
            )
            for (day, estate_id), figures in rows.items()
        ],
        batch_size=500,
    )


# --- keeping it correct ----------------------------------------------------------------------
def _complaint_saved(sender, instance, **kwargs):
    mark_received([instance.received_at])


def _revisit_changed(sender, instance, **kwargs):
    received = (
        instance.complaint.received_at
        if "complaint" in instance._state.fields_cache
        else Complaint.objects.filter(pk=instance.complaint_id)
        .values_list("received_at", flat=True)
        .first()
    )
    mark_received([received])


def _complaints_updated(sender, queryset, fields, **kwargs):
    moments = list(queryset.order_by().values_list("received_at", flat=True).distinct())
    if isinstance(fields.get("received_at"), dt.datetime):
        moments.append(fields["received_at"])
    mark_received(moments)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from complaints.models.complaint import complaints_changed

    post_save.connect(_complaint_saved, sender=Complaint, dispatch_uid="rollup-complaint-save")
    post_delete.connect(_complaint_saved, sender=Complaint, dispatch_uid="rollup-complaint-del")
    post_save.connect(_revisit_changed, sender=Revisit, dispatch_uid="rollup-revisit-save")
    post_delete.connect(_revisit_changed, sender=Revisit, dispatch_uid="rollup-revisit-del")
    complaints_changed.connect(_complaints_updated, dispatch_uid="rollup-complaints-update")
