"""The statistics of a week, a quarter and a year; comparisons; the government-body target;
the period chosen in the URL."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from reporting import periods, selectors, tables
from reporting.models import ReportingSettings

from .conftest import now

pytestmark = pytest.mark.django_db

PAGE = "admin:reporting_monthlystatistics_changelist"
XLSX = "admin:reporting_monthlystatistics_xlsx"
CSV = "admin:reporting_monthlystatistics_csv"
PRINT = "admin:reporting_monthlystatistics_print"


def statistics(label: str, **kwargs):
    with time_machine.travel(now(), tick=False):
        return selectors.period_statistics(
            viewer=None, period=periods.parse_period(label), **kwargs
        )


def get(client, user, name=PAGE, **params):
    client.force_login(user)
    with time_machine.travel(now(), tick=False):
        return client.get(reverse(name), params)


def totals(points) -> list[int]:
    return [p.counts["total"] for p in points]


# --- figures of each length ---------------------------------------------------------------------
def test_week_counts_the_complaints_received_monday_to_sunday(october):
    stats = statistics("2026-W42")  # 12–18 October 2026: F, H and I1
    assert (stats.start.isoformat(), stats.end.isoformat()) == (
        "2026-10-12T00:00:00+08:00",
        "2026-10-19T00:00:00+08:00",
    )
    assert stats.counts["total"] == 3
    assert stats.counts["resolved"] == 2  # F and H
    assert stats.counts["extended"] == 1  # F
    assert stats.counts["repeat_first"] == 3
    assert stats.revisits == {"total": 2, "satisfied": 1, "basic": 0, "unsatisfied": 1}  # H's


def test_quarter_counts_its_three_months(october):
    stats = statistics("2026-Q4")
    assert stats.counts["total"] == 20  # October's 19 and N (1 November)
    assert stats.counts["channel_phone"] == 12
    assert stats.counts["group"] == 5


def test_year_counts_the_calendar_year(october):
    stats = statistics("2026")
    assert stats.counts["total"] == 22  # October's 19, N, S and S2
    assert stats.counts["channel_fax"] == 1  # S2, in September


def test_week_is_compared_with_the_previous_week_and_the_same_week_last_year(october):
    stats = statistics("2026-W42")
    assert stats.previous.period.label == "2026-W41"
    assert stats.previous.counts["total"] == 4  # C, D, E and P2
    assert stats.last_year.period.label == "2025-W42"
    assert stats.last_year.counts["total"] == 1  # L, 15 October 2025
    assert [p.label for p in stats.trend][-3:] == ["2026-W40", "2026-W41", "2026-W42"]
    assert len(stats.trend) == selectors.TREND_LENGTH["week"] == 12
    assert totals(stats.trend)[-3:] == [2, 4, 3]  # week 40: S (30 September) and B


def test_quarter_is_compared_with_the_previous_quarter_and_last_year(october):
    stats = statistics("2026-Q4")
    assert (stats.previous.period.label, stats.previous.counts["total"]) == ("2026-Q3", 2)
    assert (stats.last_year.period.label, stats.last_year.counts["total"]) == ("2025-Q4", 1)
    assert [p.label for p in stats.trend] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert totals(stats.trend) == [0, 0, 0, 1, 0, 0, 2, 20]


def test_year_is_compared_with_the_year_before(october):
    stats = statistics("2026")
    assert stats.previous.period == stats.last_year.period == periods.parse_period("2025")
    assert stats.previous.counts["total"] == 1
    assert [p.label for p in stats.trend] == ["2022", "2023", "2024", "2025", "2026"]
    assert totals(stats.trend) == [0, 0, 0, 1, 22]


def test_comparison_columns_name_the_periods(october):
    with translation.override("zh-hans"), time_machine.travel(now(), tick=False):
        stats = selectors.period_statistics(viewer=None, period=periods.parse_period("2026-Q4"))
        built = {t.key: t for t in tables.build_tables(stats)}
    summary = built["summary"]
    assert [c.label for c in summary.columns][:2] == ["2026-Q4", "上季度（2026-Q3）"]
    assert summary.cell("total", "previous_change").value == 18
    assert summary.cell("total", "last_year_change").value == 19
    assert built["trend"].title == "近八个季度趋势"
    assert built["channel"].cell("fax", "year").value == 1


def test_a_past_period_does_not_change_as_time_passes(october, manager):
    """Overdue is judged at the end of the week; resolving G weeks later leaves it."""
    from complaints import services

    from .conftest import resolve, step

    before = statistics("2026-W43")
    assert before.as_of == before.end
    later = dt.datetime(2026, 12, 20, 10, tzinfo=before.end.tzinfo)
    step(later, services.complaint_investigate, complaint=october["G"], by=manager, plan="处理")
    resolve(october["G"], later, head=manager)
    with time_machine.travel(later + dt.timedelta(days=40), tick=False):
        after = selectors.period_statistics(viewer=None, period=periods.parse_period("2026-W43"))
    assert after.as_of == before.as_of
    assert after.counts["overdue"] == before.counts["overdue"]


def test_the_current_period_is_judged_now(october):
    stats = statistics("2026-Q4")
    assert stats.as_of == now()


# --- valid complaints that reached a government body ---------------------------------------------
def test_government_count_is_by_year_of_receipt_up_to_the_periods_end(government):
    october = statistics("2026-10").government
    assert (october.year, october.count, october.previous_count) == (2026, 2, 1)  # B, J; L
    assert october.target == 1 and october.exceeded and not october.previous_exceeded
    assert statistics("2026").government.count == 3  # and N, in November
    week = statistics("2026-W42").government  # to 18 October: B only
    assert (week.count, week.exceeded) == (1, False)


def test_government_target_comes_from_the_reporting_settings(government):
    config = ReportingSettings.current()
    config.government_target = 2
    config.save()
    assert not statistics("2026-10").government.exceeded


def test_government_table_marks_an_exceeded_target_and_drills_down(government, client, manager):
    response = get(client, manager, month="2026-10")
    assert response.status_code == 200
    table = response.context["by_key"]["government"]
    year, previous = table.rows
    assert (year.label, year.css) == ("2026 年（截至 2026-10-31）", "exceeded")
    assert year.cells["count"].value == 2
    assert year.cells["status"].value == "超出目标"
    assert year.cells["target"].value == "至多 1 件"
    assert (previous.label, previous.css, previous.cells["count"].value) == ("2025", "", 1)
    list_url = reverse("admin:complaints_complaint_changelist")
    with time_machine.travel(now(), tick=False):
        listed = client.get(list_url, year.cells["count"].drill)
    assert {c.number for c in listed.context["cl"].result_list} == {
        government[k].number for k in ("B", "J")
    }
    [card] = [c for c in response.context["cards"] if c["cell"] is year.cells["count"]]
    assert card["below"]  # shown in the warning colour
    html = response.content.decode()
    assert 'data-cell="government.year.count"' in html and "超出目标" in html


# --- the period in the URL -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"kind": "week", "period": "2026-W42"}, "2026-W42"),
        ({"kind": "quarter", "period": "2026-Q4"}, "2026-Q4"),
        ({"kind": "year", "period": "2026"}, "2026"),
        ({"period": "2026-q3"}, "2026-Q3"),  # the length follows from the text
        ({"kind": "quarter", "period": "2026-10"}, "2026-Q4"),  # the quarter of that month
        ({"kind": "week"}, "2026-W45"),  # the last complete week before 10 November
        ({"kind": "year"}, "2025"),
        ({"month": "2026-10"}, "2026-10"),  # the older links
    ],
)
def test_page_shows_the_chosen_period(client, october, manager, params, label):
    response = get(client, manager, **params)
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats.period.label == label
    html = response.content.decode()
    assert f'name="period" value="{label}"' in html


def test_page_links_to_the_previous_and_next_quarter_and_its_exports(client, october, manager):
    response = get(client, manager, kind="quarter", period="2026-Q4")
    assert response.context["previous_query"] == "kind=quarter&period=2026-Q3"
    assert response.context["next_query"] == "kind=quarter&period=2027-Q1"
    html = response.content.decode()
    assert "上季度" in html and "下季度" in html
    assert "?kind=quarter&amp;period=2026-Q4" in html


@pytest.mark.parametrize(
    ("label", "filename"),
    [
        ("2026-W42", "complaint-statistics-2026-W42.xlsx"),
        ("2026-Q4", "complaint-statistics-2026-Q4.xlsx"),
        ("2026", "complaint-statistics-2026.xlsx"),
    ],
)
def test_exports_of_any_period(client, october, manager, label, filename):
    response = get(client, manager, XLSX, period=label)
    assert response.status_code == 200
    assert f'filename="{filename}"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert label in workbook["关键指标与对比"]["A2"].value
    assert get(client, manager, CSV, period=label).status_code == 200
    assert get(client, manager, PRINT, period=label).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2026-Q5"},
        {"period": "2026-W54"},
        {"kind": "week", "period": "2021-W53"},  # 2021 has 52 weeks
        {"period": "2026-W00"},
        {"period": "99999"},
        {"period": "0999"},
        {"kind": "quarter", "period": "2026-13"},
        {"period": "2026-10-01"},
        {"period": "x" * 300},
        {"month": "October"},
    ],
)
@pytest.mark.parametrize("name", [PAGE, XLSX, CSV, PRINT])
def test_bad_period_gives_a_clear_message(client, manager, params, name):
    response = get(client, manager, name, **params)
    assert response.status_code == 400
    assert response.context["stats"] is None
    [message] = response.context["form"].errors["period"]
    assert "2026-Q4" in message and "2026-W43" in message
    assert message in response.content.decode()


@pytest.mark.parametrize("kind", ["fortnight", "MONTH", "1"])
def test_bad_period_length_gives_a_clear_message(client, manager, kind):
    response = get(client, manager, kind=kind, period="2026-10")
    assert response.status_code == 400
    [message] = response.context["form"].errors["kind"]
    assert message in response.content.decode()
