"""The printed handling form after a reopening: the current round, and earlier rounds
marked as such."""

import re

import pytest
import time_machine
from django.urls import reverse

from complaints import services
from complaints.models import Complaint

from . import factories as f

pytestmark = pytest.mark.django_db


def speak(client, language):
    """The language switch's cookie: the UI opens in Chinese unless a person picks English."""
    client.cookies["django_language"] = language
    return client


def reopened_and_dispatched_again(desk, head, manager):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "closed", desk=desk, head=head)
    with time_machine.travel(f.at(10, 9), tick=False):
        services.complaint_reopen(
            complaint=Complaint.objects.get(pk=c.pk), by=manager, reason="业主再次来电"
        )
    with time_machine.travel(f.at(10, 10), tick=False):
        services.complaint_confirm(
            complaint=Complaint.objects.get(pk=c.pk),
            by=desk,
            severity="minor",
            category=f.category(),
            validity="valid",
            responsibility="class1",
            department=f.department("security"),
        )
    return Complaint.objects.get(pk=c.pk)


def printed(client, user, c, language="en"):
    client.force_login(user)
    with time_machine.travel(f.at(10, 11), tick=False):
        response = speak(client, language).get(reverse("complaint-print", args=[c.pk]))
    assert response.status_code == 200
    return response.content.decode()


def section(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</tr>", start)]


def test_a_complaint_never_reopened_prints_no_rounds(client, desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)
    html = printed(client, desk, c)
    assert "Earlier round" not in html and 'data-testid="round"' not in html


def test_after_a_reopening_the_form_shows_the_current_round(client, desk, head):
    manager = f.staff("manager")
    c = reopened_and_dispatched_again(desk, head, manager)
    html = printed(client, desk, c)
    assert "Round 2 of handling, reopened at 2026-11-10 09:00" in section(html, "round")
    # The signature box is the current round's work order (not yet signed), not the first.
    signed_row = re.search(r"Signed at</th><td>(.*?)</td>", html, re.S)
    assert signed_row is None or signed_row.group(1).strip() == ""


def test_earlier_work_orders_and_revisits_are_marked_as_earlier_rounds(client, desk, head):
    manager = f.staff("manager")
    c = reopened_and_dispatched_again(desk, head, manager)
    html = printed(client, desk, c)
    earlier = section(html, "earlier-rounds")
    assert "Earlier round 1" in earlier
    assert "工程部" in earlier  # the first round's work order
    assert "Revisit" in earlier  # the first round's revisit
    assert "保安部" not in earlier  # the current work order is not an earlier one
    # The current revisits box is empty: the first round's revisit is not the current one.
    revisits_row = re.search(r"Revisits</th><td colspan=\"3\">(.*?)</td>", html, re.S)
    assert revisits_row.group(1).strip() == ""
    # The plan of the first round is marked as such until the new round investigates.
    assert "Earlier round 1" in html[html.index('data-testid="earlier-plan"') :][:200]


def test_the_timeline_marks_rows_from_before_the_reopening(client, desk, head):
    manager = f.staff("manager")
    c = reopened_and_dispatched_again(desk, head, manager)
    html = printed(client, desk, c)
    log = html[html.index('data-testid="print-timeline"') :]
    rows = re.findall(r"<tr(?: class=\"(\w+)\")?>(.*?)</tr>", log, re.S)
    first_dispatch = next(cls for cls, row in rows if "Dispatched to 工程部" in row)
    second_dispatch = next(cls for cls, row in rows if "Dispatched to 保安部" in row)
    assert first_dispatch == "earlier" and second_dispatch == ""


def test_the_printed_rounds_read_in_chinese_too(client, desk, head):
    manager = f.staff("manager")
    c = reopened_and_dispatched_again(desk, head, manager)
    html = printed(client, desk, c, language="zh-hans")
    assert "已派工至保安部。" in html
