"""The complaint statistics (客户投诉统计分析表) of a week, month, quarter or year, computed in
the database.

Every figure is an aggregate (``Count(filter=...)``, ``TruncMonth`` and its kin, ``Sum``) over
the complaints *received* in the period (local time); Python only arranges the few aggregated
rows.  A period costs the same dozen queries however many complaints it holds.  Figures that
depend on the moment (overdue) are judged at ``as_of`` = min(end of the period, now), so a
past period's report does not change as time passes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek, TruncYear
from django.utils import timezone

from complaints.models import Category, Complaint, Department, Revisit
from residents.models import Property

from . import figures, metrics, periods, rollup
from .models import ROLLUP_FIGURES, CorrectiveAction, DailyFigures, ReportingSettings

# How many periods the trend shows, the chosen one last.
TREND_LENGTH = {periods.WEEK: 12, periods.MONTH: 12, periods.QUARTER: 8, periods.YEAR: 5}
TREND_MONTHS = TREND_LENGTH[periods.MONTH]
_TRUNC = {
    periods.WEEK: TruncWeek,
    periods.MONTH: TruncMonth,
    periods.QUARTER: TruncQuarter,
    periods.YEAR: TruncYear,
}
# The figure lists and aggregates live in reporting.metrics (shared with the roll-up); the
# names stay importable from here for the tables and the bench.
CHANNELS = metrics.CHANNELS
SEVERITIES = metrics.SEVERITIES
VALIDITIES = metrics.VALIDITIES
RESPONSIBILITIES = metrics.RESPONSIBILITIES
REPEAT_LEVELS = metrics.REPEAT_LEVELS
REVISIT_FIGURES = metrics.REVISIT_FIGURES
trend_metrics = metrics.trend_metrics
_count = metrics.count


@dataclass
class Rates:
    """The rates derived from one period's counts (``None`` where nothing to divide by)."""

    counts: dict
    revisits: dict

    def get(self, key: str) -> float | None:
        c, r = self.counts, self.revisits
        if key == "dispatched_in_time":
            return periods.ratio(c.get("dispatched_in_time"), c.get("dispatched"))
        if key == "answered_in_time":
            return periods.ratio(c.get("answered_in_time"), c.get("answer_due"))
        if key == "resolved_in_time":
            return periods.ratio(c.get("resolved_in_time"), c.get("resolved"))
        if key == "revisit_coverage":
            return periods.ratio(c.get("resolved_revisited"), c.get("resolved"))
        if key == "satisfaction":
            return periods.ratio(r.get("satisfied", 0) + r.get("basic", 0), r.get("total"))
        raise KeyError(key)


@dataclass
class PeriodPoint:
    """One period of the trend (or of a comparison): its bounds and trend figures."""

    period: periods.Period
    start: dt.datetime
    end: dt.datetime
    counts: dict
    revisits: dict

    @property
    def rates(self) -> Rates:
        return Rates(self.counts, self.revisits)

    @property
    def month(self) -> dt.date:
        """The period's first day (for a month: the month, as before)."""
        return self.period.start

    @property
    def label(self) -> str:
        return self.period.label


MonthPoint = PeriodPoint


@dataclass
class GovernmentCount:
    """Valid complaints that reached a government body, by calendar year of receipt: the year
    of the period's last day up to the period's end, and the whole year before, against the
    yearly target (at most ``target``)."""

    year: int
    start: dt.datetime
    end: dt.datetime
    count: int
    previous_start: dt.datetime
    previous_end: dt.datetime
    previous_count: int
    target: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.target

    @property
    def previous_exceeded(self) -> bool:
        return self.previous_count > self.target


@dataclass
class CategoryRow:
    category: Category | None
    count: int
    ids: list[int]
    level: int = 0
    is_self: bool = False  # complaints filed on the heading itself, not a sub-category
    children: list[CategoryRow] = field(default_factory=list)


@dataclass
class DepartmentRow:
    department: Department | None
    counts: dict

    @property
    def resolved_in_time_rate(self) -> float | None:
        return periods.ratio(self.counts["resolved_in_time"], self.counts["resolved"])


# The columns the lists of complaints show (reporting.tables.corrective reads no others).
LIST_FIELDS = (
    "number",
    "received_at",
    "severity",
    "state",
    "validity",
    "description",
    "economic_loss",
    "category",
    "category__name",
    "category__parent",
    "category__parent__name",
    "department",
    "department__name",
)
# How many complaints of a long list an export holds at once.
LIST_CHUNK_SIZE = 2000


class ComplaintList:
    """One of the period's long lists as an export reads it: the complaints come from the
    database as the list is iterated, ``LIST_CHUNK_SIZE`` at a time with only the columns the
    tables show, and none is kept (a large company's month lists tens of thousands).  Each
    iteration runs the query again, after the report's transaction (a complaint reclassified
    in between is listed as it is then); ``len()`` counts in the database."""

    def __init__(self, queryset: QuerySet[Complaint]):
        self.queryset = queryset

    def __iter__(self) -> Iterator[Complaint]:
        return self.queryset.iterator(chunk_size=LIST_CHUNK_SIZE)

    def __len__(self) -> int:
        return self.queryset.count()

    def __bool__(self) -> bool:
        return self.queryset.exists()


@dataclass
class Statistics:
    period: periods.Period
    estate: Property | None
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    config: ReportingSettings
    counts: dict
    revisits: dict
    trend: list[PeriodPoint]  # the last TREND_LENGTH periods, the period itself last
    previous: PeriodPoint
    last_year: PeriodPoint  # the same period a year earlier
    government: GovernmentCount
    categories: list[CategoryRow]
    departments: list[DepartmentRow]
    # The lists of complaints: the first ``list_limit`` as a list (a page), or every one of
    # them read as they are iterated (``list_limit`` None: the exports).
    serious: list[Complaint] | ComplaintList
    missing_actions: list[Complaint] | ComplaintList
    open_actions: list[CorrectiveAction]
    generated_at: dt.datetime
    # How many rows the lists of complaints were cut to (None: all of them, as in exports).
    list_limit: int | None = None

    @property
    def rates(self) -> Rates:
        return Rates(self.counts, self.revisits)

    @property
    def month(self) -> dt.date:
        """The period's first day (for a month: the month, as before)."""
        return self.period.start

    @property
    def kind(self) -> str:
        return self.period.kind

    @property
    def current(self) -> PeriodPoint:
        return self.trend[-1]

    @property
    def threshold(self) -> Decimal:
        return self.config.economic_loss_threshold

    @property
    def channels_used(self) -> int:
        return sum(1 for c in CHANNELS if self.counts[f"channel_{c.value}"])

    @property
    def day(self) -> dt.date:
        """The local day the report was computed on: what "overdue" is measured against."""
        return timezone.localdate(self.generated_at)

    @property
    def open_actions_overdue(self) -> int:
        return sum(1 for a in self.open_actions if a.is_overdue_on(self.day))


def _local_day(value, tz) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, tz)
        return value.date()
    return value


def _category_rows(counts: dict, categories: list[Category]) -> list[CategoryRow]:
    """Headings with their sub-categories; every count includes the levels below it."""
    children = defaultdict(list)
    for cat in categories:
        children[cat.parent_id].append(cat)

    def subtree_ids(cat: Category) -> list[int]:
        ids = [cat.pk]
        for child in children[cat.pk]:
            ids.extend(subtree_ids(child))
        return ids

    def total(ids: list[int]) -> int:
        return sum(counts.get(pk, 0) for pk in ids)

    rows = []
    for root in children[None]:
        ids = subtree_ids(root)
        row = CategoryRow(root, total(ids), ids)
        if not root.is_active and not row.count:
            continue
        if counts.get(root.pk):
            row.children.append(CategoryRow(root, counts[root.pk], [root.pk], 1, is_self=True))
        for child in children[root.pk]:
            child_ids = subtree_ids(child)
            n = total(child_ids)
            if n:
                row.children.append(CategoryRow(child, n, child_ids, 1))
        rows.append(row)
    rows.append(CategoryRow(None, counts.get(None, 0), []))
    return rows


def _government_count(
    base: QuerySet[Complaint], period: periods.Period, tz, target: int
) -> GovernmentCount:
    """One query: this year's count up to the period's end and last year's whole count."""
    year = period.last_day.year
    year_start = periods.Period(periods.YEAR, dt.date(year, 1, 1))
    start = year_start.bounds(tz)[0]
    previous_start, previous_end = year_start.previous.bounds(tz)
    end = period.bounds(tz)[1]
    counts = (
        base.filter(received_at__gte=previous_start, received_at__lt=end)
        .order_by()
        .aggregate(
            count=_count(Q(received_at__gte=start) & figures.reached_government()),
            previous=_count(Q(received_at__lt=previous_end) & figures.reached_government()),
        )
    )
    return GovernmentCount(
        year=year,
        start=start,
        end=end,
        count=counts["count"],
        previous_start=previous_start,
        previous_end=previous_end,
        previous_count=counts["previous"],
        target=target,
    )


def monthly_statistics(*, month: dt.date, **kwargs) -> Statistics:
    """The statistics of the calendar month ``month`` (see :func:`period_statistics`)."""
    return period_statistics(period=periods.Period.containing(periods.MONTH, month), **kwargs)


@contextmanager
def report_transaction():
    """One read transaction for a report, with PostgreSQL's ``work_mem`` raised inside it only
    (``set_config(..., true)`` is SET LOCAL: it ends with the transaction, so the pooled or
    persistent connection goes back to the server's default)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true)", [settings.REPORT_WORK_MEM]
                )
        yield


def period_statistics(**kwargs) -> Statistics:
    """:func:`_period_statistics` inside :func:`report_transaction`."""
    with report_transaction():
        return _period_statistics(**kwargs)


def _period_statistics(
    *,
    period: periods.Period,
    viewer,
    estate: Property | None = None,
    now: dt.datetime | None = None,
    list_limit: int | None = None,
    use_rollup: bool | None = None,
) -> Statistics:
    """The statistics of the complaints received in ``period`` (of ``estate``, if given),
    beside the previous period, the same period last year and the trend of the last
    ``TREND_LENGTH[period.kind]`` periods.

    ``viewer`` is required: the person looking (a page passes ``request.user``, and only
    what they may see is counted), or ``None`` for the whole company — the report beat
    sends to management and the ``monthly_report`` command.

    The trend and the comparisons come from the daily roll-up (:mod:`reporting.rollup`) for
    those who see every complaint (``use_rollup=False`` computes them from the complaints,
    as a department head's always are).
    """
    tz = timezone.get_default_timezone()
    now = now or timezone.now()
    start, end = period.bounds(tz)
    as_of = min(end, now)
    config = ReportingSettings.current()

    base = Complaint.objects.visible_to(viewer) if viewer is not None else Complaint.objects.all()
    if estate is not None:
        base = base.filter(estate=estate)
    trend_periods = period.last(TREND_LENGTH[period.kind])
    compared = [*trend_periods, period.previous, period.same_last_year]
    # The trend and the comparisons, in one range or two (the same period last year lies
    # before the trend when the trend is shorter than a year).
    in_compared = Q()
    for first, last in _spans(sorted(set(compared))):
        in_compared |= Q(received_at__gte=first.bounds(tz)[0], received_at__lt=last.bounds(tz)[1])
    in_period = base.filter(received_at__gte=start, received_at__lt=end).order_by()
    in_trend = base.filter(in_compared).order_by()

    if use_rollup is None:
        use_rollup = viewer is None or viewer.has_perm("complaints.view_all_complaints")
    if use_rollup:
        # Only the days this page reads: the trend, the comparisons and the government count's
        # two years (today, dirty with every intake, is rebuilt only when it is read).
        year_before = periods.Period(periods.YEAR, dt.date(period.last_day.year - 1, 1, 1))
        rollup.refresh(days=(min(min(compared).start, year_before.start), max(compared).end))
        counts, category_counts, department_counts = _period_from_rollup(
            period, estate, in_period, as_of
        )
        by_period, revisits_by_period = _trend_from_rollup(period.kind, compared, estate)
        government = _government_from_rollup(period, estate, tz, config.government_target)
    else:
        counts, category_counts, department_counts = _period_direct(
            in_period, as_of, config.economic_loss_threshold
        )
        by_period, revisits_by_period = _trend_direct(period.kind, in_trend, tz)
        government = _government_count(base, period, tz, config.government_target)
    counts["loss_total"] = counts["loss_total"] or Decimal("0")
    empty_counts = dict.fromkeys(trend_metrics(), 0)
    empty_revisits = {"total": 0, "satisfied": 0, "basic": 0, "unsatisfied": 0}

    def point(p: periods.Period) -> PeriodPoint:
        p_start, p_end = p.bounds(tz)
        return PeriodPoint(
            p,
            p_start,
            p_end,
            by_period.get(p, empty_counts),
            revisits_by_period.get(p, empty_revisits),
        )

    trend = [point(p) for p in trend_periods]

    categories = _category_rows(
        category_counts, list(Category.objects.order_by(*Category._meta.ordering, "pk"))
    )

    empty_department = dict.fromkeys(metrics.DEPARTMENT_FIGURES, 0)
    departments = [
        DepartmentRow(d, department_counts.get(d.pk, empty_department))
        for d in Department.objects.order_by("sort_order", "name", "pk")
        if d.is_active or d.pk in department_counts
    ]
    departments.append(DepartmentRow(None, department_counts.get(None, empty_department)))

    listed = (
        in_period.select_related("category__parent", "department")
        .only(*LIST_FIELDS)
        .order_by("received_at", "pk")
    )
    serious = listed.filter(severity__in=figures.NEEDS_ACTION_SEVERITIES).annotate(
        has_action=figures.corrective_action_exists()
    )
    missing_actions = listed.filter(
        (figures.serious() | figures.loss_above(config.economic_loss_threshold))
        & figures.corrective_action_missing()
    )
    # A page lists the first ``list_limit`` (its counts link to all of them); an export reads
    # all of them as it writes them.
    if list_limit is None:
        serious, missing_actions = ComplaintList(serious), ComplaintList(missing_actions)
    else:
        serious, missing_actions = list(serious[:list_limit]), list(missing_actions[:list_limit])

    actions = CorrectiveAction.objects.open()
    if viewer is not None:
        actions = actions.visible_to(viewer)
    if estate is not None:
        actions = actions.filter(
            Q(complaints__estate=estate) | Q(complaints__isnull=True)
        ).distinct()
    open_actions = list(
        actions.select_related("owner")
        .prefetch_related(
            Prefetch(
                "complaints", queryset=Complaint.objects.only("pk", "number").order_by("number")
            )
        )
        .order_by("due_date", "pk")
    )

    return Statistics(
        period=period,
        estate=estate,
        start=start,
        end=end,
        as_of=as_of,
        config=config,
        counts=counts,
        revisits=trend[-1].revisits,
        trend=trend,
        previous=point(period.previous),
        last_year=point(period.same_last_year),
        government=government,
        categories=categories,
        departments=departments,
        serious=serious,
        missing_actions=missing_actions,
        open_actions=open_actions,
        generated_at=now,
        list_limit=list_limit,
    )


def _period_direct(in_period: QuerySet[Complaint], as_of: dt.datetime, threshold: Decimal):
    """The period's figures, its categories' counts and its departments' rows, from the
    complaints themselves (three grouped queries)."""
    counts = in_period.aggregate(**metrics.period_metrics(as_of=as_of, threshold=threshold))
    return counts, *_breakdowns_direct(in_period, as_of)


def _breakdowns_direct(in_period: QuerySet[Complaint], as_of: dt.datetime):
    """The period's counts by category and its departments' rows, from the complaints."""
    category_counts = {
        row["category_id"]: row["n"]
        for row in in_period.values("category_id").annotate(n=Count("pk"))
    }
    department_counts = {
        row.pop("department_id"): row
        for row in in_period.values("department_id").annotate(**metrics.department_metrics(as_of))
    }
    return category_counts, department_counts


def _rollup_rows(grain: str, estate: Property | None) -> QuerySet[DailyFigures]:
    """The roll-up's rows of a grain; a property's page reads that property's rows."""
    if estate is not None:
        return DailyFigures.objects.filter(grain=DailyFigures.Grain.PROPERTY, estate=estate)
    return DailyFigures.objects.filter(grain=grain)


def _period_from_rollup(
    period: periods.Period, estate: Property | None, in_period: QuerySet[Complaint], as_of
):
    """:func:`_period_direct`'s answer from the roll-up: the period's days summed at the
    company's (or the property's) grain, and by category and department; *overdue*, which
    depends on the moment, is counted from the complaints in one grouped query."""
    Grain = DailyFigures.Grain
    days = Q(day__gte=period.start, day__lt=period.end)
    summed = [*ROLLUP_FIGURES, "loss_total"]
    counts = (
        _rollup_rows(Grain.COMPANY, estate)
        .filter(days)
        .aggregate(**{name: Sum(name) for name in summed})
    )
    counts = {name: value or 0 for name, value in counts.items()}
    overdue_by_department = {
        row["department_id"]: row["n"]
        for row in in_period.filter(figures.overdue(as_of))
        .values("department_id")
        .annotate(n=Count("pk"))
    }
    counts["overdue"] = sum(overdue_by_department.values())
    if estate is not None:
        # One property's period is a few hundred complaints: its breakdowns come from them.
        return counts, *_breakdowns_direct(in_period, as_of)
    category_counts = {
        row["category_id"]: row["n"]
        for row in DailyFigures.objects.filter(days, grain=Grain.CATEGORY)
        .values("category_id")
        .annotate(n=Sum("total"))
        .order_by()
    }
    department_figures = [name for name in metrics.DEPARTMENT_FIGURES if name != "overdue"]
    department_counts = {}
    for row in (
        DailyFigures.objects.filter(days, grain=Grain.DEPARTMENT)
        .values("department_id")
        .annotate(**{name: Sum(name) for name in department_figures})
        .order_by()
    ):
        department = row.pop("department_id")
        row["overdue"] = overdue_by_department.pop(department, 0)
        department_counts[department] = row
    for department, n in overdue_by_department.items():  # none received in the period? kept
        department_counts.setdefault(department, dict.fromkeys(metrics.DEPARTMENT_FIGURES, 0))[
            "overdue"
        ] = n
    return counts, category_counts, department_counts


def _government_from_rollup(
    period: periods.Period, estate: Property | None, tz, target: int
) -> GovernmentCount:
    """:func:`_government_count` from the roll-up (days of this year up to the period's end,
    and the whole of last year)."""
    year = period.last_day.year
    year_period = periods.Period(periods.YEAR, dt.date(year, 1, 1))
    previous = year_period.previous
    sums = (
        _rollup_rows(DailyFigures.Grain.COMPANY, estate)
        .filter(day__gte=previous.start, day__lt=period.end)
        .aggregate(
            count=Sum("reached_government", filter=Q(day__gte=year_period.start)),
            previous=Sum("reached_government", filter=Q(day__lt=year_period.start)),
        )
    )
    previous_start, previous_end = previous.bounds(tz)
    return GovernmentCount(
        year=year,
        start=year_period.bounds(tz)[0],
        end=period.bounds(tz)[1],
        count=sums["count"] or 0,
        previous_start=previous_start,
        previous_end=previous_end,
        previous_count=sums["previous"] or 0,
        target=target,
    )


def _trend_direct(kind: str, in_trend: QuerySet[Complaint], tz):
    """The trend's figures and revisits per period, from the complaints themselves."""
    trunc = _TRUNC[kind]

    def which(value) -> periods.Period:
        return periods.Period.containing(kind, _local_day(value, tz))

    by_period = {
        which(row.pop("p")): row
        for row in in_trend.annotate(p=trunc("received_at", tzinfo=tz))
        .values("p")
        .annotate(**trend_metrics())
        .order_by("p")
    }
    revisits_by_period = {
        which(row.pop("p")): row
        for row in Revisit.objects.filter(complaint__in=in_trend.values("pk"))
        .annotate(p=trunc("complaint__received_at", tzinfo=tz))
        .values("p")
        .annotate(**metrics.revisit_metrics())
        .order_by("p")
    }
    return by_period, revisits_by_period


# The roll-up's columns the trend reads: its figures and the revisits.
TREND_FIGURES = [*metrics.trend_metrics(), *metrics.REVISIT_FIGURES]


def _trend_from_rollup(kind: str, compared: list[periods.Period], estate: Property | None):
    """The same as :func:`_trend_direct`, summed from the daily roll-up (the caller refreshes
    it first)."""
    days = Q()
    for first, last in _spans(sorted(set(compared))):
        days |= Q(day__gte=first.start, day__lt=last.end)
    rows = _rollup_rows(DailyFigures.Grain.COMPANY, estate).filter(days)
    by_period: dict = {}
    revisits_by_period: dict = {}
    count_keys = list(trend_metrics())
    for row in (
        rows.order_by()
        .values("day")
        .annotate(**{name: Sum(name) for name in TREND_FIGURES})
        .filter(total__gt=0)
    ):
        p = periods.Period.containing(kind, row.pop("day"))
        if p not in by_period:
            by_period[p] = dict.fromkeys(count_keys, 0)
            revisits_by_period[p] = dict.fromkeys(REVISIT_FIGURES.values(), 0)
        counts, revisits = by_period[p], revisits_by_period[p]
        for name, value in row.items():
            if name in REVISIT_FIGURES:
                revisits[REVISIT_FIGURES[name]] += value or 0
            else:
                counts[name] += value or 0
    return by_period, revisits_by_period


def _spans(sorted_periods: list[periods.Period]) -> list[tuple[periods.Period, periods.Period]]:
    """Runs of adjacent periods as (first, last) pairs."""
    spans: list[list[periods.Period]] = []
    for p in sorted_periods:
        if spans and spans[-1][1].end == p.start:
            spans[-1][1] = p
        else:
            spans.append([p, p])
    return [(first, last) for first, last in spans]


def properties_for_choice() -> QuerySet[Property]:
    return Property.objects.order_by("name")
