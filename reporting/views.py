"""The statistics in the admin: the page, its XLSX and CSV exports and the print view, for a
week, a month (the default), a quarter or a year.

The admin hosts the URLs (``MonthlyStatisticsAdmin.get_urls``); each view parses the period
(``?kind=quarter&period=2026-Q4``; the older ``?month=2026-10`` still works), asks the
selector for the figures and renders them.  A bad parameter is answered with the form and its
message (HTTP 400), never an error page.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import exports, periods, selectors, tables
from .forms import StatisticsForm
from .models import STATISTICS_PERMISSION, MonthlyStatistics
from .tables.wording import next_name, previous_name


def may_see_statistics(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(STATISTICS_PERMISSION)
    )


def statistics_required(view):
    """Anonymous: to the login page.  Signed in without the permission: 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not may_see_statistics(request.user):
            raise PermissionDenied(_("You may not see the monthly statistics."))
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


# The page lists the first few complaints of each list (a month of a large company holds
# thousands, and a page of them helps nobody); the counts lead to all, the export has all.
PAGE_LIST_LIMIT = 50
# The printed report lists more (a small company's month is all there), but not the tens of
# thousands of a large company's month: a few pages of paper, then the note saying so.
PRINT_LIST_LIMIT = 200


def _compute(request, *, list_limit=None):
    """(form, statistics, tables); the last two are ``None`` when the form is not valid."""
    data = request.GET.copy()
    if not data.get("period") and data.get("month"):
        data["period"] = data["month"]  # the older links: ?month=2026-10
        data.setdefault("kind", periods.MONTH)
    data.pop("month", None)
    form = StatisticsForm(data)
    if not form.is_valid():
        return form, None, None
    period = form.cleaned_data["period"]
    # The boxes show the period on the page (the default, or "2026-10" read as a quarter).
    data["kind"], data["period"] = period.kind, period.label
    stats = selectors.period_statistics(
        period=period,
        estate=form.cleaned_data["property"],
        viewer=request.user,
        list_limit=list_limit,
    )
    return form, stats, tables.build_tables(stats)


def _params(stats, period: periods.Period) -> str:
    params = {"kind": period.kind, "period": period.label}
    if stats.estate is not None:
        params["property"] = stats.estate.code
    return urlencode(params)


def _query(stats) -> str:
    return _params(stats, stats.period)


def statistics_page(request, *, admin_site):
    form, stats, built = _compute(request, list_limit=PAGE_LIST_LIMIT)
    properties = list(selectors.properties_for_choice())
    context = {
        **admin_site.each_context(request),
        "title": _("Complaint statistics"),
        "subtitle": exports.report_title(stats) if stats else None,
        "opts": MonthlyStatistics._meta,
        "form": form,
        "stats": stats,
        "tables": built,
        "show_property": len(properties) > 1 or bool(request.GET.get("property")),
    }
    if stats is not None:
        by_key = {t.key: t for t in built}
        query = _query(stats)
        context.update(
            {
                "by_key": by_key,
                "report_title": exports.report_title(stats),
                "chart_data": tables.chart_data(stats, built),
                "query": query,
                "cards": _cards(stats, by_key),
                "previous_query": _params(stats, stats.period.shift(-1)),
                "next_query": _params(stats, stats.period.shift(1)),
                "previous_name": previous_name(stats.kind),
                "next_name": next_name(stats.kind),
            }
        )
    status = 200 if stats is not None else 400
    return render(request, "admin/reporting/monthly_statistics.html", context, status=status)


def _cards(stats, by_key) -> list[dict]:
    """The headline figures above the charts (each is also in a table below)."""
    summary, timeliness, revisits = by_key["summary"], by_key["timeliness"], by_key["revisits"]
    government = stats.government
    satisfaction = stats.rates.get("satisfaction")
    target = float(stats.config.satisfaction_target) / 100
    coverage = stats.rates.get("revisit_coverage")
    coverage_target = float(stats.config.revisit_target) / 100
    return [
        {"label": _("complaints received"), "cell": summary.cell("total", "period")},
        {"label": _("valid complaints"), "cell": summary.cell("validity_valid", "period")},
        {
            "label": _("major and important"),
            "cell": tables.Cell(
                stats.counts["severity_major"] + stats.counts["severity_important"],
                tables.COUNT,
                {
                    **summary.cell("total", "period").drill,
                    "severity__in": "important,major",
                },
            ),
        },
        {"label": _("overdue"), "cell": timeliness.cell("overdue", "count"), "warn": True},
        {
            "label": _("resolved within the deadline"),
            "cell": timeliness.cell("resolved_in_time", "rate"),
        },
        {
            "label": _("revisit coverage"),
            "cell": revisits.cell("revisited", "rate"),
            "target": tables.display(coverage_target, tables.RATE),
            "below": coverage is not None and coverage < coverage_target,
        },
        {
            "label": _("satisfaction rate"),
            "cell": revisits.cell("satisfaction", "rate"),
            "target": tables.display(target, tables.RATE),
            "below": satisfaction is not None and satisfaction < target,
        },
        {
            "label": _("valid complaints that reached a government body (%(year)s)")
            % {"year": government.year},
            "cell": by_key["government"].cell("year", "count"),
            "target": _("at most %(target)d a year") % {"target": government.target},
            "below": government.exceeded,
        },
    ]


def _bad_request(request, form, *, admin_site):
    context = {
        **admin_site.each_context(request),
        "title": _("Complaint statistics"),
        "opts": MonthlyStatistics._meta,
        "form": form,
        "stats": None,
        "show_property": True,
    }
    return render(request, "admin/reporting/monthly_statistics.html", context, status=400)


def export_xlsx(request, *, admin_site):
    form, stats, built = _compute(request)
    if stats is None:
        return _bad_request(request, form, admin_site=admin_site)
    response = HttpResponse(
        exports.xlsx_bytes(stats, built), content_type=exports.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(stats, "xlsx")}"'
    return response


def export_csv(request, *, admin_site):
    form, stats, built = _compute(request)
    if stats is None:
        return _bad_request(request, form, admin_site=admin_site)
    # The rows go into the response as the tables make them (its content is the CSV's only
    # copy); a failing query still answers with an error page, never a cut-off file.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    exports.write_csv(stats, built, response)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(stats, "csv")}"'
    return response


def print_view(request, *, admin_site):
    form, stats, built = _compute(request, list_limit=PRINT_LIST_LIMIT)
    if stats is None:
        return _bad_request(request, form, admin_site=admin_site)
    context = {
        "stats": stats,
        "tables": built,
        "by_key": {t.key: t for t in built},
        "report_title": exports.report_title(stats),
        "chart_data": tables.chart_data(stats, built),
        "printed_at": timezone.now(),
        "query": _query(stats),
    }
    return render(request, "reporting/monthly_print.html", context)
