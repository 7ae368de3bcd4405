"""Drill-down: every count links to the admin complaint list showing exactly what it counts.

Counts of plain fields (class, channel, department, month …) use the admin's own filters;
derived figures (dispatched in time, overdue, extended …) use
``reporting.admin_filters.StatisticsFigureFilter``, which ComplaintAdmin lists. All are checked
against the real admin.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from complaints.admin import ComplaintAdmin
from complaints.models import Complaint
from reporting import periods, selectors, tables
from reporting.admin_filters import StatisticsFigureFilter
from residents.models import Property

from .conftest import now, the_month

pytestmark = pytest.mark.django_db


def needs_filter(func):
    return func


ComplaintAdminWithFigures = ComplaintAdmin


def test_complaint_admin_lists_the_statistics_filter():
    assert StatisticsFigureFilter in ComplaintAdmin.list_filter


def drill_cells(estate=None, period=None):
    """(key, shown count, query) of every count that links to the complaint list."""
    with time_machine.travel(now(), tick=False):
        if period is None:
            stats = selectors.monthly_statistics(viewer=None, month=the_month(), estate=estate)
        else:
            stats = selectors.period_statistics(
                viewer=None, period=periods.parse_period(period), estate=estate
            )
        built = tables.build_tables(stats)
    found = []
    for t in built:
        for row in t.rows:
            for col in t.columns:
                cell = row.cells.get(col.key)
                if cell is not None and cell.drill is not None:
                    found.append((f"{t.key}.{row.key}.{col.key}", cell.value, cell.drill))
    return found


def changelist_count(model_admin, user, query: dict) -> int:
    request = RequestFactory().get(reverse("admin:complaints_complaint_changelist"), query)
    request.user = user
    with time_machine.travel(now(), tick=False):
        return model_admin.get_changelist_instance(request).result_count


def test_every_breakdown_is_drilled_down(october):
    keys = {key.split(".")[0] for key, _v, _q in drill_cells()}
    assert keys == {
        "summary",
        "trend",
        "category",
        "severity",
        "department",
        "channel",
        "validity",
        "responsibility",
        "repeat",
        "timeliness",
        "revisits",
        "corrective",
        "government",
    }


@pytest.mark.parametrize("property_name", [None, "翠湖花园"])
def test_each_count_equals_the_complaints_listed_with_the_figure_filter(
    october, manager, property_name
):
    estate = Property.objects.get(name=property_name) if property_name else None
    model_admin = ComplaintAdminWithFigures(Complaint, admin.site)
    checked = 0
    for key, shown, query in drill_cells(estate):
        assert changelist_count(model_admin, manager, query) == shown, (key, query)
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("period", ["2026-W42", "2026-W44", "2026-Q4", "2026", "2025"])
def test_each_count_equals_its_list_for_every_period_length(government, manager, period):
    """Weeks (one in the past, one around the end of October), the current quarter and year
    (judged now) and a past year; with complaints that reached a government body."""
    model_admin = ComplaintAdminWithFigures(Complaint, admin.site)
    cells = drill_cells(period=period)
    for key, shown, query in cells:
        assert changelist_count(model_admin, manager, query) == shown, (period, key, query)
    assert {key.split(".")[0] for key, _v, _q in cells} >= {"summary", "trend", "government"}
    assert any(shown for _k, shown, _q in cells if _k == "government.year.count")


def test_plain_counts_equal_the_real_admin_list(client, october, manager):
    client.force_login(manager)
    url = reverse("admin:complaints_complaint_changelist")
    checked = 0
    for key, shown, query in drill_cells():
        if "figure" in query:
            continue
        with time_machine.travel(now(), tick=False):
            response = client.get(url, query)
        assert response.status_code == 200, (key, query)  # not a "?e=1" redirect
        assert response.context["cl"].result_count == shown, (key, query)
        checked += 1
    assert checked > 60


@needs_filter
def test_figure_counts_equal_the_real_admin_list(client, october, manager):
    """Depends on StatisticsFigureFilter being added to ComplaintAdmin.list_filter."""
    client.force_login(manager)
    url = reverse("admin:complaints_complaint_changelist")
    for key, shown, query in drill_cells():
        if "figure" not in query:
            continue
        with time_machine.travel(now(), tick=False):
            response = client.get(url, query)
        assert response.status_code == 200, (key, query)
        assert response.context["cl"].result_count == shown, (key, query)


def test_overdue_is_judged_at_the_end_of_the_month(october, manager):
    """G and E were overdue at the end of October; resolving G in November does not change
    October's figure nor its list."""
    from .conftest import resolve

    model_admin = ComplaintAdminWithFigures(Complaint, admin.site)
    [(_key, shown, query)] = [c for c in drill_cells() if c[0] == "timeliness.overdue.count"]
    assert shown == 2 and query["as_of"].startswith("2026-11-01T00:00:00+08:00")
    g = october["G"]
    from complaints import services

    with time_machine.travel(now(), tick=False):
        services.complaint_investigate(
            complaint=Complaint.objects.get(pk=g.pk), by=manager, plan="处理"
        )
    resolve(g, now(), head=manager)
    [(_key, shown_after, _query)] = [c for c in drill_cells() if c[0] == "timeliness.overdue.count"]
    assert shown_after == 2
    assert changelist_count(model_admin, manager, query) == 2


def test_unknown_figure_is_rejected_by_the_admin_list(manager):
    from django.contrib.admin.options import IncorrectLookupParameters

    model_admin = ComplaintAdminWithFigures(Complaint, admin.site)
    with pytest.raises(IncorrectLookupParameters):
        changelist_count(model_admin, manager, {"figure": "nonsense"})
    with pytest.raises(IncorrectLookupParameters):
        changelist_count(model_admin, manager, {"figure": "overdue", "as_of": "yesterday"})


def test_figure_filter_stays_out_of_the_sidebar_until_used(manager):
    model_admin = ComplaintAdminWithFigures(Complaint, admin.site)
    request = RequestFactory().get("/")
    request.user = manager
    cl = model_admin.get_changelist_instance(request)
    assert not any(isinstance(spec, StatisticsFigureFilter) for spec in cl.filter_specs)


def test_links_on_the_page_are_the_drill_downs(client, october, manager):
    client.force_login(manager)
    with time_machine.travel(now(), tick=False):
        html = client.get(
            reverse("admin:reporting_monthlystatistics_changelist"), {"month": "2026-10"}
        ).content.decode()
    for key, _shown, query in drill_cells():
        marker = f'data-cell="{key}"><a href="'
        start = html.index(marker) + len(marker)
        href = html[start : html.index('"', start)].replace("&amp;", "&")
        assert dict(parse_qsl(urlsplit(href).query, keep_blank_values=True)) == query, key
