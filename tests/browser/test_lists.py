"""The escalations page in a real browser: a supervisor opens it from the "not acknowledged"
card, acknowledges an escalation (已知悉), and the complaint's timeline records it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from complaints.models import ComplaintEvent, Escalation
from tests.complaints import factories as f

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_supervisor_acknowledges_an_escalation(live_server, log_in):
    desk = f.staff("front_desk")
    head = f.staff("department_head", department_code="engineering")
    supervisor = f.staff("supervisor")
    complaint = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    escalation = Escalation.objects.create(
        complaint=complaint,
        clock=Escalation.Clock.RESOLVE,
        level=1,
        role="supervisor",
        due_at=complaint.resolve_due_at,
    )

    page = log_in(supervisor)
    page.goto(f"{live_server.url}/escalations/")
    expect(page.get_by_test_id("unacknowledged-count")).to_have_text("1")
    page.get_by_test_id("card-unacknowledged").click()
    row = page.get_by_test_id(f"escalation-{escalation.pk}")
    expect(row).to_contain_text("客服主管")  # the role in words, not "supervisor"
    row.get_by_test_id(f"acknowledge-{escalation.pk}").click()

    expect(page.locator(".messages")).to_contain_text(complaint.number)
    # Back on the filtered list ("not acknowledged"): the row has gone from it.
    expect(page.get_by_test_id(f"escalation-{escalation.pk}")).to_have_count(0)
    expect(page.get_by_test_id("unacknowledged-count")).to_have_text("0")
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == supervisor
    assert ComplaintEvent.objects.filter(
        complaint=complaint, code="escalation_acknowledged", actor=supervisor
    ).exists()

    page.goto(f"{live_server.url}/escalations/?acknowledged=yes")
    expect(page.get_by_test_id(f"ack-{escalation.pk}")).to_contain_text("✓")
