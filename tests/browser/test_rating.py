"""The revisit online on a phone (390 × 844): the resolved complaint's SMS carries a link; the
resident rates it unsatisfied, the complaint goes back to the department, the head resolves it
again, a new link comes, the resident rates it satisfied and the complaint is revisited.

``SCREENSHOTS=1`` also writes docs/screenshots/phone-rating-{zh,en}.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from complaints import services
from complaints.models import Complaint, Revisit
from tests.browser.conftest import fits_the_screen
from tests.complaints import factories as f

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LINK = re.compile(r"https?://\S+?(/r/rate/[A-Za-z0-9_\-]+/)")
DAY = f.at(5, 10)  # office hours: the messages go at once


def rating_link(outbox, complaint) -> str:
    """The path of the rating link in the last "resolved" SMS about ``complaint``."""
    texts = [m.text for m in outbox if m.event == "resolved" and complaint.number in m.text]
    assert texts, f"no resolved SMS for {complaint.number} in {outbox}"
    return LINK.search(texts[-1]).group(1)


def screenshot(page, name: str) -> None:
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_resident_rates_unsatisfied_then_satisfied_through_the_sms_links(
    live_server, phone_page, sms_outbox
):
    url = live_server.url
    with time_machine.travel(DAY, tick=True):
        desk = f.staff("front_desk")
        head = f.staff("department_head", department_code="engineering")
        c = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)

        # 1. The SMS (test backend) carries the link; the page opens without signing in.
        first = rating_link(sms_outbox, c)
        page = phone_page()
        page.goto(url + first)
        fits_the_screen(page)
        expect(page.get_by_test_id("rating-complaint")).to_contain_text(c.number)
        screenshot(page, "phone-rating-zh.png")

        # 2. Unsatisfied, with the reason: back to the department.
        page.get_by_label("不满意").check()
        page.locator("#id_comment").fill("楼道灯晚上还是不亮")
        page.get_by_test_id("rating-submit").click()
        expect(page.get_by_test_id("rating-back-to-department")).to_be_visible()
        fits_the_screen(page)
        c.refresh_from_db()
        assert c.state == Complaint.State.INVESTIGATED
        assert c.active_work_order.is_rework

        # The same link again: it was used, nothing more is recorded.
        page.goto(url + first)
        expect(page.get_by_test_id("rating-used")).to_be_visible()

        # 3. The head signs the rework and resolves again: a new link comes.
        services.work_order_sign(work_order=c.active_work_order, by=head)
        services.complaint_resolve(
            complaint=Complaint.objects.get(pk=c.pk), by=head, result="更换了感应开关"
        )
        second = rating_link(sms_outbox, c)
        assert second != first

        # 4. Satisfied: revisited, recorded as an online revisit.
        page = phone_page()
        page.goto(url + second)
        expect(page.get_by_text("更换了感应开关")).to_be_visible()
        page.get_by_label("满意", exact=True).check()
        page.get_by_test_id("rating-submit").click()
        expect(page.get_by_test_id("rating-recorded")).to_be_visible()
        assert Complaint.objects.get(pk=c.pk).state == Complaint.State.REVISITED
        assert list(
            Revisit.objects.filter(complaint=c).order_by("at").values_list("method", "satisfaction")
        ) == [("online", "unsatisfied"), ("online", "satisfied")]


def test_an_english_resident_gets_the_page_in_english_and_a_dead_link_is_a_clear_page(
    live_server, phone_page, sms_outbox
):
    url = live_server.url
    with time_machine.travel(DAY, tick=True):
        desk = f.staff("front_desk")
        head = f.staff("department_head", department_code="engineering")
        c = f.advance(
            f.complaint(desk, res=f.resident(language="en")), "resolved", desk=desk, head=head
        )
        page = phone_page()
        page.goto(url + rating_link(sms_outbox, c))
        fits_the_screen(page)
        expect(page.get_by_role("heading")).to_have_text("Rate the handling of your complaint")
        screenshot(page, "phone-rating-en.png")
        page.goto(url + "/r/rate/not-a-real-link/")
        expect(page.get_by_test_id("rating-unknown")).to_be_visible()
        fits_the_screen(page)
