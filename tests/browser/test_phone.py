"""A department head on a phone (390 × 844, touch, Chrome's mobile viewport): the whole story.

Sign on the work-order cards, record the investigation and plan, upload photos from the
camera (and be told when one is broken), look at one full size, resolve. After every page
load: nothing is wider than the screen, and the button for the next step is on the first
screen, without scrolling.

``SCREENSHOTS=1`` also writes docs/screenshots/phone-{work-orders,complaint}-{zh,en}.png.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from complaints import services
from complaints.models import Complaint
from tests.browser.conftest import PASSWORD, PHONE, fits_the_screen
from tests.complaints import factories as f

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DETAIL_URL = re.compile(r"/complaints/(\d+)/$")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A resident pasted a share link: one long unbroken string that must wrap, not widen the page.
LINK = "https://pan.example.cn/s/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrstu"


def photo(width=640, height=480, seed=0) -> bytes:
    """A small picture to upload: a wall, a lamp and its light."""
    image = Image.new("RGB", (width, height), (200 - seed * 30, 196, 186))
    pen = ImageDraw.Draw(image)
    pen.rectangle([0, height * 2 // 3, width, height], fill=(120, 110, 100))
    pen.ellipse([width // 2 - 40, 40, width // 2 + 40, 120], fill=(250, 230, 120))
    pen.line([width // 2, 0, width // 2, 40], fill=(60, 60, 60), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def phone(phone_page, live_server):
    """``phone(user, lang)``: a page on a phone-sized touch screen, logged in as ``user``."""

    def _open(user, lang: str = "zh-hans"):
        page = phone_page(lang)
        page.goto(f"{live_server.url}/login/")
        fits_the_screen(page)
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        expect(page.get_by_test_id("current-user")).to_be_attached()  # in the folded menu
        return page

    return _open


def on_the_first_screen(locator) -> None:
    """Visible without scrolling: inside the first 390 × 844 of the page."""
    expect(locator).to_be_visible()
    box = locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY,"
        " left: r.left, right: r.right}; }"
    )
    assert 0 <= box["top"] and box["bottom"] <= PHONE["height"], box
    assert 0 <= box["left"] and box["right"] <= PHONE["width"], box


def expect_state(page, text: str) -> None:
    expect(page.get_by_test_id("state")).to_have_text(text)


@pytest.fixture
def people():
    return {
        "desk": f.staff("front_desk"),
        "head": f.staff("department_head", department_code="engineering"),
    }


def dispatched(desk, head, description: str, *, at=None, room="1201") -> Complaint:
    res = f.resident(unit=f.unit(room))
    c = f.complaint(desk, res=res, description=description, at=at)
    return f.advance(c, "confirmed", desk=desk, head=head)


def test_head_signs_investigates_adds_photos_and_resolves_on_a_phone(live_server, phone, people):
    url = live_server.url
    desk, head = people["desk"], people["head"]
    dispatched(desk, head, "2 号楼地下车库入口积水", room="0101")
    c = dispatched(desk, head, f"楼道灯坏了三天，晚上看不见台阶。业主发来的视频：{LINK}")
    number = c.number

    # 1. The work-order cards: the Sign button on the first screen, nothing to scroll sideways.
    page = phone(head)
    page.goto(f"{url}/work-orders/")
    fits_the_screen(page)
    # The bell stays in the bar on a phone (the menu folds away), with the two new work orders.
    bell = page.get_by_test_id("notifications-phone")
    on_the_first_screen(bell)
    expect(bell).to_contain_text("2")
    card = page.get_by_test_id(f"order-{number}")
    expect(card.get_by_test_id("countdown")).to_contain_text(re.compile(r"还剩|已超时"))
    sign = card.get_by_test_id("sign")
    on_the_first_screen(sign)
    sign.click()
    expect(page.locator("#orders-new").get_by_test_id(f"order-{number}")).to_have_count(0)
    fits_the_screen(page)
    assert Complaint.objects.get(pk=c.pk).active_work_order.signed_by == head

    # 2. The complaint: recording the investigation and plan comes first.
    page.get_by_test_id(f"order-{number}").get_by_role("link", name=number).click()
    page.wait_for_url(DETAIL_URL)
    fits_the_screen(page)
    investigate = page.get_by_test_id("action-investigate")
    on_the_first_screen(investigate.locator("button[type=submit]"))
    investigate.locator("textarea[name=investigate-plan]").fill("明早九点电工到场，更换楼道灯管")
    investigate.locator("button[type=submit]").click()
    expect_state(page, "调查处理中")
    fits_the_screen(page)

    # 3. Two photos from the camera at once; then a broken one, refused with nothing saved.
    attach = page.get_by_test_id("attach")
    chooser = attach.locator("input[type=file]")
    expect(chooser).to_have_attribute("accept", re.compile(r"(^|,)image/\*"))
    expect(chooser).to_have_attribute("multiple", "")
    chooser.set_input_files(
        [
            {"name": "现场1.png", "mimeType": "image/png", "buffer": photo(seed=0)},
            {"name": "现场2.png", "mimeType": "image/png", "buffer": photo(seed=1)},
        ]
    )
    attach.locator("button[type=submit]").click()
    thumbnails = page.get_by_test_id("thumbnail")
    expect(thumbnails).to_have_count(2)
    fits_the_screen(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=thumbnail] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    thumbnails.first.click()
    full = page.locator("#photo-viewer [data-photo-full]")
    expect(full).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('#photo-viewer [data-photo-full]').naturalWidth === 640"
    )
    fits_the_screen(page)
    page.locator("#photo-viewer .btn-close").click()
    expect(full).to_be_hidden()

    attach = page.get_by_test_id("attach")
    attach.locator("input[type=file]").set_input_files(
        [
            {"name": "好.png", "mimeType": "image/png", "buffer": photo(seed=2)},
            {"name": "坏.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(99)},
        ]
    )
    attach.locator("button[type=submit]").click()
    expect(page.get_by_test_id("attach-error")).to_contain_text("坏.png")
    fits_the_screen(page)
    assert Complaint.objects.get(pk=c.pk).attachments.count() == 2

    # 4. Resolve: again the first thing on the page.
    page.goto(f"{url}/complaints/{c.pk}/")
    fits_the_screen(page)
    resolve = page.get_by_test_id("action-resolve")
    on_the_first_screen(resolve.locator("button[type=submit]"))
    resolve.locator("textarea[name=resolve-result]").fill("已更换 3 单元 2 梯 12 楼灯管")
    resolve.locator("button[type=submit]").click()
    expect_state(page, "处理完成")
    fits_the_screen(page)
    assert Complaint.objects.get(pk=c.pk).state == Complaint.State.RESOLVED


@pytest.mark.skipif(
    not os.environ.get("SCREENSHOTS"), reason="SCREENSHOTS=1 writes docs/screenshots/phone-*.png"
)
def test_phone_screenshots(live_server, phone):
    """The work-order list and a complaint being worked on, as a head sees them on a phone."""
    desk = f.staff("front_desk", first_name="丽", last_name="王")
    head = f.staff(
        "department_head", department_code="engineering", first_name="强", last_name="张"
    )

    def at(day, hour, minute=0):
        return time_machine.travel(f.at(day, hour, minute), tick=False)

    with at(1, 9):
        late = dispatched(desk, head, "地下车库 B2 入口排水沟堵塞，下雨就积水", room="0102")
        services.work_order_sign(work_order=late.active_work_order, by=head)
    with at(3, 16):
        soon = dispatched(desk, head, "5 号楼电梯运行时有异响，轿厢晃动", room="1502")
        services.work_order_sign(work_order=soon.active_work_order, by=head)
    with at(5, 8, 40):
        dispatched(desk, head, "小区东门门禁刷卡无反应，老人进不了门", room="0303")
    with at(5, 8, 20):
        story = f.complaint(
            desk,
            res=f.resident(unit=f.unit("1201")),
            description=f"楼道灯坏了三天，晚上看不见台阶。业主发来的视频：{LINK}",
        )
    with at(5, 8, 31):
        story = f.advance(story, "confirmed", desk=desk, head=head)
    with at(5, 9, 2):
        services.work_order_sign(work_order=story.active_work_order, by=head)
    with at(5, 9, 15):
        services.complaint_investigate(
            complaint=Complaint.objects.get(pk=story.pk), by=head, plan="明早九点电工到场，更换灯管"
        )
    with at(5, 9, 48):
        services.attachments_add(
            complaint=story,
            uploads=[SimpleUploadedFile(f"现场{n}.png", photo(seed=n)) for n in range(3)],
            by=head,
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A fixed morning, so that the countdowns read the same every time; the server's sessions
    # end with the browser, whatever the date the (real) browser thinks it is.
    with (
        time_machine.travel(f.at(5, 10), tick=True),
        override_settings(SESSION_EXPIRE_AT_BROWSER_CLOSE=True),
    ):
        for lang, suffix in (("zh-hans", "zh"), ("en", "en")):
            page = phone(head, lang)
            # The list as the first screen shows it; the complaint as a whole, scrolled down.
            for path, name, whole in (
                ("/work-orders/", "phone-work-orders", False),
                (f"/complaints/{story.pk}/", "phone-complaint", True),
            ):
                page.goto(f"{live_server.url}{path}")
                fits_the_screen(page)
                page.wait_for_load_state("networkidle")
                page.screenshot(
                    path=str(SCREENSHOTS / f"{name}-{suffix}.png"),
                    full_page=whole,
                    animations="disabled",
                )
