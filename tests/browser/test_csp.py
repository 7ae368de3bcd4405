"""The content security policy is enforced, and no page of the site or of the admin breaks it.

Chromium reports every refused script, style or image on the console and as a
``securitypolicyviolation`` event; the test opens each kind of page as the general manager
(who sees all of them, the admin included) and collects both.
"""

from __future__ import annotations

import pytest

from residents.models import Resident
from tests.complaints import factories as f

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WATCH = """() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
  });
}"""


def test_no_page_breaks_the_content_security_policy(live_server, log_in):
    desk = f.staff("front_desk")
    head = f.staff("department_head", department_code="engineering")
    boss = f.staff("general_manager", is_superuser=True)
    complaint = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)
    resident = Resident.objects.first()
    department = f.department("engineering")

    page = log_in(boss)
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(f"({WATCH})()")
    paths = [
        "/",
        "/complaints/",
        "/complaints/new/",
        f"/complaints/{complaint.pk}/",
        f"/complaints/{complaint.pk}/print/",
        "/complaints/revisits/",
        "/work-orders/",
        "/escalations/",
        "/notifications/",
        "/notifications/settings/",
        "/admin/",
        "/admin/complaints/complaint/",
        f"/admin/complaints/complaint/{complaint.pk}/change/",
        "/admin/complaints/complaint/import/",
        f"/admin/complaints/department/{department.pk}/change/",
        "/admin/residents/resident/",
        f"/admin/residents/resident/{resident.pk}/change/",
        "/admin/reporting/monthlystatistics/",
    ]
    seen = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
        page.wait_for_load_state("networkidle")
        seen[path] = page.evaluate("window.__violations || []")
    assert {p: v for p, v in seen.items() if v} == {}
    assert console == []
