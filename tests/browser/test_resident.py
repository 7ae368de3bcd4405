"""A resident on a phone (390 × 844): sign in with the SMS code, report a problem with a
photo, see its number; the desk dispatches and replies; the resident reads the reply but not
the desk's internal note; another resident gets 404 for it.

``SCREENSHOTS=1`` also writes docs/screenshots/resident-*-{zh,en}.png and
qr-poster-{zh,en}.png.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import time_machine
from django.test.utils import override_settings
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from complaints import services
from complaints.models import Complaint
from residents import messaging
from residents.models import SignInCode
from tests.browser.conftest import fits_the_screen
from tests.complaints import factories as f

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def photo() -> bytes:
    image = Image.new("RGB", (640, 480), (190, 190, 185))
    pen = ImageDraw.Draw(image)
    pen.rectangle([220, 60, 420, 420], fill=(140, 140, 150))  # a lift door
    pen.line([320, 60, 320, 420], fill=(60, 60, 60), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def codes(monkeypatch):
    """The SMS codes sent, by phone (the live server runs in this process)."""
    sent: dict[str, str] = {}
    monkeypatch.setattr(messaging, "send_code", lambda phone, code: sent.__setitem__(phone, code))
    return sent


def sign_in(page, live_server, codes, phone: str, path: str = "/r/") -> None:
    page.goto(f"{live_server.url}{path}")
    fits_the_screen(page)
    page.fill("#id_phone", phone)
    page.get_by_test_id("send-code").click()
    page.wait_for_url("**/r/sign-in/code/")
    fits_the_screen(page)
    page.fill("#id_code", codes["+86" + phone])
    page.get_by_test_id("check-code").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def test_resident_reports_follows_and_is_kept_apart(
    live_server, phone_page, log_in, codes, tmp_path
):
    resident = f.resident("李明", phone="+8613812345678", unit=f.unit("1201"))
    f.resident("王伟", phone="+8613900001111", unit=f.unit("0801"))
    desk = f.staff("front_desk", first_name="丽", last_name="赵")
    with time_machine.travel(f.at(5, 10), tick=True):
        page = phone_page()
        sign_in(page, live_server, codes, "13812345678")
        expect(page.get_by_test_id("my-complaints")).to_be_visible()
        page.get_by_test_id("new-complaint").click()
        fits_the_screen(page)
        page.select_option("#id_category", str(f.category().pk))
        page.fill("#id_description", "3栋电梯门关不上，来回开合")
        page.fill("#id_location", "3栋一楼电梯厅")
        (tmp_path / "lift.jpg").write_bytes(photo())
        page.set_input_files("#id_photos", str(tmp_path / "lift.jpg"))
        page.get_by_test_id("send").click()
        complaint = Complaint.objects.get()
        expect(page.get_by_test_id("number")).to_have_text(complaint.number)
        fits_the_screen(page)
        assert complaint.channel == "online" and complaint.resident == resident
        assert complaint.attachments.count() == 1

        # The desk dispatches and writes a reply and an internal note on the complaint page.
        services.complaint_confirm(
            complaint=complaint,
            by=desk,
            severity="minor",
            category=f.category(),
            validity="valid",
            responsibility="class1",
            department=f.department("engineering"),
        )
        staff = log_in(desk)
        staff.goto(f"{live_server.url}/complaints/{complaint.pk}/")
        staff.fill("#id_progress-note", "电梯公司下午两点到场维修")
        staff.check("#id_progress-for_resident_1")
        staff.locator("form[action$='/progress/'] button[type=submit]").click()
        expect(staff.get_by_test_id("timeline")).to_contain_text("电梯公司下午两点到场维修")
        staff.fill("#id_progress-note", "内部：业主情绪激动，注意沟通")
        staff.locator("form[action$='/progress/'] button[type=submit]").click()
        expect(staff.get_by_test_id("timeline")).to_contain_text("内部：业主情绪激动")
        replies = complaint.events.filter(kind="progress").values_list("note", "for_resident")
        assert dict(replies) == {
            "电梯公司下午两点到场维修": True,
            "内部：业主情绪激动，注意沟通": False,
        }

        page.reload()
        timeline = page.get_by_test_id("timeline")
        expect(timeline).to_contain_text("电梯公司下午两点到场维修")
        expect(timeline).to_contain_text("工程")
        expect(timeline).not_to_contain_text("内部")
        expect(timeline).not_to_contain_text("赵")

        other = phone_page()
        sign_in(other, live_server, codes, "13900001111")
        response = other.goto(f"{live_server.url}/r/c/{complaint.number}/")
        assert response.status == 404
        other.goto(f"{live_server.url}/r/")
        expect(other.get_by_test_id("my-complaints")).not_to_contain_text(complaint.number)


@pytest.mark.skipif(
    not os.environ.get("SCREENSHOTS"),
    reason="SCREENSHOTS=1 writes docs/screenshots/resident-*.png and qr-poster-*.png",
)
def test_resident_screenshots(live_server, phone_page, chromium, codes, settings):
    settings.SITE_URL = "https://wuye.example.com"
    resident = f.resident("李明", phone="+8613812345678", unit=f.unit("1201"))
    desk = f.staff("front_desk")
    head = f.staff("department_head", department_code="engineering")

    def at(day, hour, minute=0):
        return time_machine.travel(f.at(day, hour, minute), tick=False)

    by = __import__("residents.portal.account", fromlist=["x"]).portal_account()
    with at(2, 19, 5):
        older = services.complaint_create(
            by=by,
            owned=False,
            channel="online",
            description="小区东门门禁刷卡没反应，老人进不去",
            contact_name=resident.name,
            contact_phone=resident.phone,
            resident=resident,
            category=f.category(),
        )
    with at(2, 19, 12):
        older = f.advance(older, "resolved", desk=desk, head=head)
    with at(5, 8, 20):
        story = services.complaint_create(
            by=by,
            owned=False,
            channel="online",
            description="3栋电梯门关不上，来回开合，已经两天了",
            location="3栋一楼电梯厅",
            contact_name=resident.name,
            contact_phone=resident.phone,
            resident=resident,
            category=f.category(),
        )
    with at(5, 8, 27):
        story = f.advance(story, "confirmed", desk=desk, head=head)
    with at(5, 9, 30):
        services.complaint_progress(
            complaint=story,
            by=head,
            note="电梯公司下午两点到场维修，请留意电梯停用通知。",
            for_resident=True,
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    estate = resident.unit.building.property
    with (
        time_machine.travel(f.at(5, 10), tick=True),
        override_settings(SESSION_EXPIRE_AT_BROWSER_CLOSE=True),
    ):
        for lang, suffix in (("zh-hans", "zh"), ("en", "en")):
            SignInCode.objects.all().delete()  # one code a minute per phone: forget the first
            page = phone_page(lang)
            page.goto(f"{live_server.url}/r/sign-in/")
            page.screenshot(path=str(SCREENSHOTS / f"resident-sign-in-{suffix}.png"))
            sign_in(page, live_server, codes, "13812345678")
            for path, name in (
                ("/r/", "resident-my-complaints"),
                (f"/r/new/?p={estate.code}&b=3", "resident-submit"),
                (f"/r/c/{story.number}/", "resident-complaint"),
            ):
                page.goto(f"{live_server.url}{path}")
                fits_the_screen(page)
                page.screenshot(
                    path=str(SCREENSHOTS / f"{name}-{suffix}.png"),
                    full_page=name != "resident-submit",
                    animations="disabled",
                )
            page.context.clear_cookies()
            admin = chromium.new_context(viewport={"width": 900, "height": 1200}, locale="zh-CN")
            admin.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
            poster = admin.new_page()
            poster.goto(f"{live_server.url}/admin/login/")
            superuser = f.staff("supervisor", username=f"poster-{suffix}")
            poster.fill("#id_username", superuser.username)
            poster.fill("#id_password", "pw")
            poster.press("#id_password", "Enter")
            poster.goto(f"{live_server.url}/admin/residents/property/{estate.pk}/poster/")
            poster.wait_for_load_state("networkidle")
            poster.locator("[data-testid=poster]").screenshot(
                path=str(SCREENSHOTS / f"qr-poster-{suffix}.png")
            )
            admin.close()
