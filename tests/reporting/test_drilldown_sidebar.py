"""A list opened from a figure of the statistics shows, in its sidebar, what it is filtered
by: the figure marked as selected, and the period."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from .conftest import now
from .test_drilldown import drill_cells

pytestmark = pytest.mark.django_db


def sidebar_box(html: str, title: str) -> str:
    start = html.index(f'data-filter-title="{title}"')
    return html[start : html.index("</details>", start)]


def selected(box: str) -> str:
    match = re.search(r'<li class="selected">\s*<a href="[^"]*">([^<]*)</a>', box)
    return match.group(1).strip() if match else ""


def opened_from(client, manager, query):
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    with time_machine.travel(now(), tick=False):
        response = client.get(reverse("admin:complaints_complaint_changelist"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_figure_and_the_period_are_shown_as_selected(client, october, manager):
    _key, _count, query = next(c for c in drill_cells() if c[2].get("figure") == "resolved_late")
    html = opened_from(client, manager, query)
    assert selected(sidebar_box(html, "statistics figure")) == "Resolved late"
    assert selected(sidebar_box(html, "received in")) == "2026-10-01 to 2026-10-31"


def test_every_figure_link_marks_its_figure_in_the_sidebar(client, october, manager):
    seen = set()
    for key, _count, query in drill_cells():
        figure = query.get("figure")
        if not figure or figure in seen:
            continue
        seen.add(figure)
        html = opened_from(client, manager, query)
        assert selected(sidebar_box(html, "statistics figure")), key
        assert selected(sidebar_box(html, "received in")), key


def test_all_in_the_period_box_removes_the_period_only(client, october, manager):
    _key, _count, query = next(c for c in drill_cells() if c[2].get("figure"))
    box = sidebar_box(opened_from(client, manager, query), "received in")
    all_link = re.search(r'<a href="([^"]*)">All</a>', box).group(1)
    assert "received_at" not in all_link and "figure=" in all_link


def test_a_bad_period_is_refused_like_any_bad_filter(client, october, manager):
    client.force_login(manager)
    with time_machine.travel(now(), tick=False):
        html_response = client.get(
            reverse("admin:complaints_complaint_changelist"), {"received_at__gte": "soon"}
        )
    assert html_response.status_code == 302 and "e=1" in html_response["Location"]


def test_the_period_box_stays_out_of_the_sidebar_until_used(client, october, manager):
    html = opened_from(client, manager, {})
    assert 'data-filter-title="received in"' not in html
