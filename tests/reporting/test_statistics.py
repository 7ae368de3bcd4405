"""The monthly statistics: every figure of a known month, from the selector and on the page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting import selectors, tables
from residents.models import Property
from tests.complaints import factories as f

from .conftest import EXPECTED, EXPECTED_REVISITS, create, now, oct_, the_month

pytestmark = pytest.mark.django_db

PAGE = "admin:reporting_monthlystatistics_changelist"
CELL = re.compile(r'data-cell="([^"]+)">(?:<a href="([^"]*)">)?([^<]*)<')


def statistics(**kwargs):
    with time_machine.travel(now(), tick=False):
        return selectors.monthly_statistics(viewer=None, month=the_month(), **kwargs)


def page_cells(html: str) -> dict[str, tuple[str, str | None]]:
    """``{"channel.phone.count": ("11", "/admin/…"), …}`` from the rendered page."""
    return {key: (text.strip(), href or None) for key, href, text in CELL.findall(html)}


def get_page(client, user, **params):
    client.force_login(user)
    with time_machine.travel(now(), tick=False):
        return client.get(reverse(PAGE), params)


# --- the selector ------------------------------------------------------------------------------
def test_every_count_of_the_month(october):
    stats = statistics()
    for key, value in EXPECTED.items():
        assert stats.counts[key] == value, key
    assert stats.revisits == EXPECTED_REVISITS


def test_complaint_received_at_2359_on_the_last_day_counts_in_that_month(october):
    late = october["A"]
    assert late.received_at == oct_(31, 23, 59)
    assert late.received_at.astimezone(dt.UTC).hour == 15  # 15:59 UTC, still 31 October
    stats = statistics()
    assert stats.counts["channel_letter"] == 1  # A is the month's only letter
    assert stats.categories[-1].count == 1  # …and its only complaint without a category
    november = selectors.monthly_statistics(viewer=None, month=dt.date(2026, 11, 1), now=now())
    assert november.counts["total"] == 1  # N, received 1 November 00:00
    assert november.counts["channel_letter"] == 0
    september = statistics().previous
    assert september.counts["total"] == 2  # S (30 September 23:59) and S2


def test_rates_and_comparisons(october):
    stats = statistics()
    assert stats.rates.get("dispatched_in_time") == pytest.approx(6 / 7)
    assert stats.rates.get("answered_in_time") == pytest.approx(1 / 2)
    assert stats.rates.get("resolved_in_time") == pytest.approx(3 / 4)
    assert stats.rates.get("revisit_coverage") == pytest.approx(3 / 4)
    assert stats.rates.get("satisfaction") == pytest.approx(4 / 5)
    assert stats.previous.month == dt.date(2026, 9, 1)
    assert stats.previous.counts["total"] == 2
    assert stats.previous.counts["channel_fax"] == 1
    assert stats.last_year.month == dt.date(2025, 10, 1)
    assert stats.last_year.counts["total"] == 1
    assert stats.last_year.counts["channel_on_site"] == 1
    assert stats.trend[0].month == dt.date(2025, 11, 1)
    assert stats.trend[-1].month == dt.date(2026, 10, 1)
    assert [p.counts["total"] for p in stats.trend] == [0] * 10 + [2, 19]
    assert stats.trend[-1].counts == {k: stats.counts[k] for k in stats.trend[-1].counts}


def test_categories_roll_up_sub_categories_and_headings(october):
    stats = statistics()
    rows = {row.category.code if row.category else None: row for row in stats.categories}
    assert rows["equipment"].count == 9
    assert {c.category.code: c.count for c in rows["equipment"].children} == {
        "equipment-3": 4,
        "equipment-4": 5,
    }
    assert rows["building"].count == 2
    building = [(c.category.code, c.is_self, c.count) for c in rows["building"].children]
    assert building == [("building", True, 1), ("building-1", False, 1)]
    assert rows["security"].count == 4
    assert rows["environment"].count == 2
    assert rows["service"].count == 1
    assert rows[None].count == 1
    assert sum(r.count for r in stats.categories) == 19


def test_departments_show_timeliness(october):
    stats = statistics()
    rows = {
        row.department.code if row.department else None: row.counts for row in stats.departments
    }
    assert rows["engineering"] == {
        "total": 6,
        "resolved": 4,
        "resolved_in_time": 3,
        "resolved_late": 1,
        "overdue": 2,
        "extended": 1,
    }
    assert rows["service"]["total"] == 1
    assert rows["security"]["total"] == 0  # every department is listed, even with none
    assert rows[None]["total"] == 12


def test_lists_of_serious_complaints_and_missing_actions(october):
    stats = statistics()
    c = october
    assert [x.number for x in stats.serious] == [c[k].number for k in ("B", "C", "G", "J")]
    assert [x.has_action for x in stats.serious] == [False, False, False, True]
    # K's loss is exactly the threshold: 以上 includes it.
    assert [x.number for x in stats.missing_actions] == [c[k].number for k in ("B", "C", "G", "K")]
    assert [a.title for a in stats.open_actions] == [
        '=HYPERLINK("http://x")',
        "收费争议处理流程不清",
    ]
    assert stats.open_actions_overdue == 1


def test_threshold_comes_from_the_reporting_settings(october):
    from reporting.models import ReportingSettings

    config = ReportingSettings.current()
    config.economic_loss_threshold = Decimal("700")
    config.save()
    stats = statistics()
    assert stats.counts["loss_above"] == 1  # only C's 800 (J's 600 is now below)
    assert stats.counts["loss_missing"] == 1


def test_one_property_only(october):
    stats = statistics(estate=Property.objects.get(name="翠湖花园"))
    assert stats.counts["total"] == 18
    assert stats.counts["channel_email"] == 0
    other = statistics(estate=Property.objects.get(name="碧水湾"))
    assert other.counts["total"] == 1
    assert other.open_actions == []


def test_month_without_complaints_shows_zeros(db):
    stats = selectors.monthly_statistics(viewer=None, month=dt.date(2026, 10, 1), now=now())
    assert stats.counts["total"] == 0
    assert all(v == 0 for k, v in stats.counts.items() if k != "loss_total")
    assert stats.counts["loss_total"] == Decimal("0")
    assert stats.rates.get("satisfaction") is None
    built = tables.build_tables(stats)
    assert {t.key for t in built} >= {"summary", "trend", "channel", "category"}


# --- the page ----------------------------------------------------------------------------------
def test_page_shows_every_figure_of_the_tables(client, october, manager):
    response = get_page(client, manager, month="2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    cells = page_cells(html)
    with time_machine.travel(now(), tick=False):
        built = tables.build_tables(selectors.monthly_statistics(viewer=None, month=the_month()))
    expected = {
        f"{t.key}.{row.key}.{col.key}": cell.display
        for t in built
        for row in t.rows
        for col in t.columns
        if (cell := row.cells.get(col.key)) is not None
    }
    assert {k: v[0] for k, v in cells.items()} == expected
    assert len(CELL.findall(html)) == len(expected)  # no two cells share a key
    # A few by hand, as a person reading the page would:
    assert cells["channel.phone.count"][0] == "11"
    assert cells["channel.fax.count"][0] == "0"
    assert cells["channel.fax.year"][0] == "1"
    assert cells["channel.total.count"][0] == "19"
    assert cells["severity.major.count"][0] == "2"
    assert cells["severity.blank.count"][0] == "11"
    assert cells["validity.invalid.count"][0] == "1"
    assert cells["repeat.group.count"][0] == "5"
    assert cells["timeliness.dispatched_in_time.count"][0] == "6"
    assert cells["timeliness.dispatched_in_time.rate"][0] == "85.7%"
    assert cells["timeliness.overdue.count"][0] == "2"
    assert cells["timeliness.extended.count"][0] == "1"
    assert cells["timeliness.reopened.count"][0] == "1"
    assert cells["revisits.satisfaction.rate"][0] == "80.0%"
    assert cells["revisits.satisfaction.target"][0] == "96.5%"
    assert cells["revisits.revisited.rate"][0] == "75.0%"
    assert cells["summary.total.period"][0] == "19"
    assert cells["summary.total.previous"][0] == "2"
    assert cells["summary.total.previous_change"][0] == "+17"
    assert cells["summary.total.last_year"][0] == "1"
    assert cells["corrective.serious_missing.count"][0] == "3"
    assert cells["corrective.loss_missing.count"][0] == "2"
    assert cells["corrective.open_actions.count"][0] == "2"
    assert cells["corrective.open_actions_overdue.count"][0] == "1"
    assert cells["category.none.count"][0] == "1"
    assert october["C"].number in html and october["G"].number in html
    # Every count links to the list of what it counts; only the revisit answers (revisits,
    # not complaints) have none.
    changelist = reverse("admin:complaints_complaint_changelist")
    not_complaints = {
        f"revisits.{k}.value" for k in ("revisits", "satisfied", "basic", "unsatisfied")
    }
    for t in built:
        for row in t.rows:
            for col in t.columns:
                cell = row.cells.get(col.key)
                key = f"{t.key}.{row.key}.{col.key}"
                if cell is None or cell.kind != tables.COUNT or key in not_complaints:
                    continue
                href = cells[key][1]
                assert href, key
                if t.key != "corrective" or not row.key.startswith("open_actions"):
                    assert href.startswith(changelist + "?"), key


def test_page_defaults_to_the_previous_month(client, october, manager):
    response = get_page(client, manager)
    assert response.status_code == 200
    assert response.context["stats"].month == dt.date(2026, 10, 1)
    assert page_cells(response.content.decode())["channel.total.count"][0] == "19"


def test_page_draws_charts_from_a_json_block_and_a_static_file(client, october, manager):
    html = get_page(client, manager, month="2026-10").content.decode()
    assert 'id="rpt-chart-data" type="application/json"' in html
    assert "vendor/chart.umd.min.js" in html and "js/reporting.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html.replace(
        '<script id="rpt-chart-data" type="application/json">', ""
    )
    data = get_page(client, manager, month="2026-10").context["chart_data"]
    assert data["trend"]["total"][-2:] == [2, 19]
    assert data["departments"]["overdue"][0] == 2


@pytest.mark.parametrize(
    "month", ["2026-13", "October", "2026/10", "0000-01", "2026-1x", "99999-01"]
)
def test_bad_month_gives_a_clear_message_not_an_error(client, manager, month):
    response = get_page(client, manager, month=month)
    assert response.status_code == 400
    assert "2026-10" in response.content.decode()  # the message shows the expected form
    assert response.context["stats"] is None


def test_unknown_property_gives_a_clear_message(client, manager):
    response = get_page(client, manager, month="2026-10", property="nope")
    assert response.status_code == 400
    assert response.context["form"].errors["property"]


def test_month_with_zero_complaints_shows_zeros(client, manager):
    response = get_page(client, manager, month="2026-10")
    assert response.status_code == 200
    cells = page_cells(response.content.decode())
    assert cells["channel.total.count"][0] == "0"
    assert cells["channel.phone.count"][0] == "0"
    assert cells["revisits.satisfaction.rate"][0] == "—"
    assert cells["timeliness.overdue.count"][0] == "0"


def test_property_choice_appears_with_several_properties(client, october, manager):
    html = get_page(client, manager, month="2026-10").content.decode()
    assert 'name="property"' in html
    response = get_page(
        client, manager, month="2026-10", property=Property.objects.get(name="碧水湾").code
    )
    assert page_cells(response.content.decode())["channel.total.count"][0] == "1"


def _page_queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse(PAGE), {"month": "2026-10"})  # warm caches (content types, sessions)
    with time_machine.travel(now(), tick=False), CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(PAGE), {"month": "2026-10"})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _fill(desk, head, count):
    from .conftest import handled

    for n in range(count):
        res = f.resident(name=f"住户{n}", phone=f"+86139123{n:05d}", unit=f.unit(f"{n % 20}05"))
        c = create(desk, oct_(1 + n % 28, 9), res=res, category=f.category("equipment-3"))
        if n % 3 == 0:
            handled(c, oct_(1 + n % 28, 9), desk=desk, head=head)


def test_page_issues_a_fixed_number_of_queries(
    client, desk, head, manager, django_assert_max_num_queries
):
    _fill(desk, head, 5)
    few = _page_queries(client, manager)
    _fill(desk, head, 45)
    many = _page_queries(client, manager)
    assert few == many
    # 20 for the page (its figures from the roll-up, overdue from the complaints; one more on
    # PostgreSQL for the report's work_mem), 2 for the session's idle clock (renewed at most
    # once a minute)
    limit = 23 if connection.vendor == "postgresql" else 22
    with django_assert_max_num_queries(limit), time_machine.travel(now(), tick=False):
        client.get(reverse(PAGE), {"month": "2026-10"})


def test_page_cuts_long_lists_and_says_so(client, october, manager, monkeypatch):
    """The page lists the first few serious complaints and says the rest are behind the
    counts; the selector without a limit (the exports) lists them all."""
    from reporting import views

    with time_machine.travel(now(), tick=False):
        every = selectors.monthly_statistics(viewer=None, month=the_month())
    assert len(every.serious) >= 2
    assert every.list_limit is None
    monkeypatch.setattr(views, "PAGE_LIST_LIMIT", 1)
    html = get_page(client, manager, month="2026-10").content.decode()
    listed = re.search(r'<table data-table="serious_list">(.*?)</table>', html, re.S)[1]
    assert listed.count('<tr class="') == 1
    assert "此处只列出前 1 条" in html  # the page speaks Chinese by default
    cut = tables.build_tables(every)
    assert not next(t for t in cut if t.key == "serious_list").note
