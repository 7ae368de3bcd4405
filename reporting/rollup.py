"""The daily roll-up of the statistics (:class:`reporting.models.DailyFigures`): per local day of
receipt, every figure of a period that does not depend on the moment of reading (all but
*overdue*: :func:`reporting.metrics.lasting_metrics`) and the revisits of that day's
complaints, at four grains — the whole company, each property, each department and each
category.  The statistics of any period (week to year) and their trend and comparisons sum
these rows instead of reading hundreds of thousands of complaints with several EXISTS each.

A day is computed with one grouped query over its complaints at the finest grain
(property × department × category) and one over their revisits; the four grains are sums of
those rows, so they cannot disagree with each other.

Kept correct by **dirty days**, not by updating figures in each service:

* A figure such as "resolved in time" or "management told late" depends on several fields
  and on other tables; recomputing it from the complaints with the one definition in
  :mod:`reporting.metrics` cannot drift from the direct computation, where an increment or a
  decrement in each of the services (and each later one) could.
* Any change marks the day of the complaint as dirty *in the same transaction*: a
  ``post_save``/``post_delete`` of a complaint or a revisit, ``ComplaintQuerySet.update``
  (the services' one-column updates) through ``complaints_changed``, an escalation recorded
  by the sweep or an extension decided through ``figures_changed``, and a corrective action
  linked, unlinked or deleted.  Changing the loss threshold marks every day.  A rolled back
  change leaves no marker; a committed one always leaves one.
* The markers are append-only rows: writing one never waits on a lock, so a busy intake does
  not serialise on a counter row.  :func:`refresh` rebuilds the marked days whole from the
  complaints and deletes exactly the markers it read (by id), so a change committed meanwhile
  keeps its marker for the next refresh.
* The beat refreshes every minute, and the statistics page refreshes before reading, so a
  page never shows a stale day; a day costs two grouped queries over its ~3,000 complaints.

A department head's statistics (their visibility follows work orders, which the roll-up's
grains cannot express) are still computed directly, as is *overdue* and everything that lists
complaints (drill-downs, the serious complaints, the missing corrective actions).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints.models import Complaint, Revisit

from . import metrics
from .models import ROLLUP_FIGURES, CorrectiveAction, DailyFigures, DirtyDay, ReportingSettings

# What a grain's row sums: every figure and the total of the losses.
SUMMED = (*ROLLUP_FIGURES, "loss_total")

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


def refresh(*, limit: int | None = None, days: tuple[dt.date, dt.date] | None = None) -> int:
    """Rebuild the days marked dirty (only those in ``days`` = [first, end) if given: what a
    page is about to read); return how many days were rebuilt."""
    markers = DirtyDay.objects.order_by("pk")
    if days is not None:
        markers = markers.filter(day__gte=days[0], day__lt=days[1])
    markers = list(markers.values_list("pk", "day")[:limit])
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


def _fine_rows(complaints, tz, threshold) -> dict[tuple, dict]:
    """{(day, estate, department, category): figures} of ``complaints``, revisits included."""
    rows: dict[tuple, dict] = {}
    for row in (
        complaints.annotate(d=TruncDate("received_at", tzinfo=tz))
        .values("d", "estate_id", "department_id", "category_id")
        .annotate(**metrics.lasting_metrics(threshold))
    ):
        key = (row.pop("d"), row.pop("estate_id"), row.pop("department_id"), row.pop("category_id"))
        rows[key] = row
    for row in (
        Revisit.objects.filter(complaint__in=complaints.values("pk"))
        .order_by()
        .annotate(d=TruncDate("complaint__received_at", tzinfo=tz))
        .values("d", "complaint__estate_id", "complaint__department_id", "complaint__category_id")
        .annotate(**metrics.revisit_metrics("revisit_"))
    ):
        key = (
            row.pop("d"),
            row.pop("complaint__estate_id"),
            row.pop("complaint__department_id"),
            row.pop("complaint__category_id"),
        )
        rows.setdefault(key, {}).update(row)
    return rows


def _grains(fine: dict[tuple, dict]) -> list[DailyFigures]:
    """The four grains' rows, each the sum of the fine rows under it."""
    Grain = DailyFigures.Grain
    summed: dict[tuple, dict] = {}
    for (day, estate, department, category), figures in fine.items():
        for key in (
            (day, Grain.COMPANY, None, None, None),
            (day, Grain.PROPERTY, estate, None, None),
            (day, Grain.DEPARTMENT, None, department, None),
            (day, Grain.CATEGORY, None, None, category),
        ):
            total = summed.setdefault(key, dict.fromkeys(SUMMED, 0))
            for name in SUMMED:
                total[name] += figures.get(name) or 0
    return [
        DailyFigures(
            day=day,
            grain=grain,
            estate_id=estate,
            department_id=department,
            category_id=category,
            **figures,
        )
        for (day, grain, estate, department, category), figures in summed.items()
    ]


def rebuild_days(days: list[dt.date], *, delete: bool = True) -> None:
    """Replace the roll-up rows of ``days`` with figures computed from the complaints."""
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
    threshold = ReportingSettings.current().economic_loss_threshold
    rows = _grains(_fine_rows(complaints, tz, threshold))
    if delete:  # every grain named: the (grain, day) index finds the rows
        DailyFigures.objects.filter(grain__in=DailyFigures.Grain.values, day__in=days).delete()
    DailyFigures.objects.bulk_create(rows, batch_size=500)


# --- keeping it correct ----------------------------------------------------------------------
def mark_every_day() -> None:
    """Every day that has complaints is out of date (a setting the figures use changed)."""
    tz = timezone.get_default_timezone()
    mark_days(
        Complaint.objects.order_by()
        .annotate(d=TruncDate("received_at", tzinfo=tz))
        .values_list("d", flat=True)
        .distinct()
    )


def _complaint_saved(sender, instance, **kwargs):
    # The day it was loaded with too: a receipt moved to another day changes both days.
    mark_received([instance.received_at, getattr(instance, "loaded_received_at", None)])


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


def _figures_changed(sender, received, **kwargs):
    mark_received(received)


def _received_of(complaint_ids) -> list[dt.datetime]:
    return list(
        Complaint.objects.filter(pk__in=list(complaint_ids))
        .order_by()
        .values_list("received_at", flat=True)
        .distinct()
    )


def _actions_linked(sender, instance, action, reverse, pk_set, **kwargs):
    """A corrective action linked to or unlinked from complaints (their "missing" figures)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if reverse:  # complaint.corrective_actions.add(...): the complaint is the instance
        mark_received([instance.received_at])
    elif action == "pre_clear":
        mark_received(_received_of(instance.complaints.values_list("pk", flat=True)))
    elif pk_set:
        mark_received(_received_of(pk_set))


def _action_deleted(sender, instance, **kwargs):
    mark_received(_received_of(instance.complaints.values_list("pk", flat=True)))


def _settings_saved(sender, instance, **kwargs):
    stored = (
        ReportingSettings.objects.filter(pk=instance.pk)
        .values_list("economic_loss_threshold", flat=True)
        .first()
    )
    if stored is not None and stored != instance.economic_loss_threshold:
        mark_every_day()  # "loss above the threshold" of every day


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

    from complaints.models.complaint import complaints_changed, figures_changed

    post_save.connect(_complaint_saved, sender=Complaint, dispatch_uid="rollup-complaint-save")
    post_delete.connect(_complaint_saved, sender=Complaint, dispatch_uid="rollup-complaint-del")
    post_save.connect(_revisit_changed, sender=Revisit, dispatch_uid="rollup-revisit-save")
    post_delete.connect(_revisit_changed, sender=Revisit, dispatch_uid="rollup-revisit-del")
    complaints_changed.connect(_complaints_updated, dispatch_uid="rollup-complaints-update")
    figures_changed.connect(_figures_changed, dispatch_uid="rollup-figures-changed")
    m2m_changed.connect(
        _actions_linked,
        sender=CorrectiveAction.complaints.through,
        dispatch_uid="rollup-actions-linked",
    )
    pre_delete.connect(_action_deleted, sender=CorrectiveAction, dispatch_uid="rollup-action-del")
    pre_save.connect(_settings_saved, sender=ReportingSettings, dispatch_uid="rollup-settings")
