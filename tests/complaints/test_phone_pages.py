"""The department head's pages on a phone: the countdown on the work-order cards, the page
weight on a slow connection, and what makes the site installable (manifest, icons, favicon)."""

from __future__ import annotations

import json
import re

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from PIL import Image

from complaints import services
from complaints.models import Complaint

from . import factories as f
from .test_photos import camera_jpeg

pytestmark = pytest.mark.django_db

NOW = f.at(5, 10)
BUDGET = 100 * 1024  # HTML + the project's own CSS and JS; the vendored libraries are cached


def countdown(due, now=NOW) -> str:
    return Template("{% load countdown %}{% countdown due now %}").render(
        Context({"due": due, "now": now})
    )


@pytest.mark.parametrize(
    ("hours", "en", "zh", "tone"),
    [
        (5, "due in 5 h 0 min", "还剩 5 小时 0 分", "due-soon"),
        (-2, "overdue 2 h 0 min", "已超时 2 小时 0 分", "overdue"),
        (0.5, "due in 30 min", "还剩 30 分钟", "due-soon"),
        (72, "due in 3 days", "还剩 3 天", "text-muted"),
    ],
)
def test_countdown_is_always_a_span_in_the_viewers_language(hours, en, zh, tone):
    import datetime as dt

    due = NOW + dt.timedelta(hours=hours)
    with translation.override("en"):
        html = countdown(due)
    assert en in html and f'class="{tone}"' in html and "datetime=" in html
    with translation.override("zh-hans"):
        assert zh in countdown(due)
    assert countdown(None) == "—"


def own_assets_bytes(html: str) -> int:
    """The size of the project's own stylesheets and scripts a page loads (not vendor/)."""
    total = 0
    for url in re.findall(r'<(?:link rel="stylesheet"|script) (?:href|src)="([^"]+)"', html):
        assert url.startswith("/static/"), f"{url}: a page loads nothing from elsewhere"
        if "/vendor/" in url:
            continue
        path = finders.find(url.removeprefix("/static/"))
        assert path, url
        with open(path, "rb") as handle:
            total += len(handle.read())
    return total


@pytest.fixture
def busy_department(desk, head):
    """Thirty active work orders for engineering: ten to sign, twenty being worked on; one
    complaint with photos and a long history."""
    with time_machine.travel(f.at(2, 9), tick=False):
        res = f.resident()
        pending = [
            f.advance(f.complaint(desk, res=res), "confirmed", desk=desk, head=head)
            for _ in range(10)
        ]
        working = [
            f.advance(f.complaint(desk, res=res), "investigated", desk=desk, head=head)
            for _ in range(20)
        ]
        story = working[0]
        for n in range(12):
            services.complaint_progress(
                complaint=Complaint.objects.get(pk=story.pk),
                by=head,
                note=f"第 {n + 1} 次进展：已联系供应商，配件在路上，预计明天到货后安排电工上门更换",
            )
        services.attachments_add(
            complaint=story,
            uploads=[
                SimpleUploadedFile(f"现场{n}.jpg", camera_jpeg(900, 600, 1)) for n in range(4)
            ],
            by=head,
        )
    return pending, story


def test_work_orders_and_complaint_page_stay_under_100_kb(client, head, busy_department):
    _pending, story = busy_department
    client.force_login(head)
    with time_machine.travel(NOW, tick=False):
        for url in [reverse("work-orders"), reverse("complaint-detail", args=[story.pk])]:
            response = client.get(url)
            assert response.status_code == 200
            html = response.content.decode()
            weight = len(response.content) + own_assets_bytes(html)
            assert weight < BUDGET, f"{url}: {weight} bytes of HTML, CSS and JS"


def test_work_order_cards_show_the_countdown_and_the_sign_button(client, head, busy_department):
    pending, _story = busy_department
    client.force_login(head)
    with time_machine.travel(NOW, tick=False), translation.override("zh-hans"):
        html = client.get(reverse("work-orders"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "table-cards" in html
    card = html[html.index(f'data-testid="order-{pending[0].number}"') :]
    card = card[: card.index("</tr>")]
    assert re.search(r'data-testid="countdown"><time class="[\w-]+"', card)
    assert 'data-testid="sign"' in card


def test_complaint_page_puts_the_heads_next_step_first_on_a_phone(client, head, busy_department):
    pending, story = busy_department
    client.force_login(head)
    html = client.get(reverse("complaint-detail", args=[pending[0].pk])).content.decode()
    assert re.search(r'class="card mb-3 border-primary phone-first"', html)  # sign for it
    html = client.get(reverse("complaint-detail", args=[story.pk])).content.decode()
    assert re.search(r'class="card mb-3 phone-first" data-testid="action-resolve"', html)
    assert "detail-layout" in html and 'class="row small mb-0 facts"' in html


# --- installable ----------------------------------------------------------------------------
def test_the_site_is_installable_as_a_home_screen_app(client, head):
    client.force_login(head)
    html = client.get(reverse("work-orders")).content.decode()
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#0d6efd">' in html
    assert 'rel="apple-touch-icon"' in html and 'rel="icon"' in html

    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(b"".join(response.streaming_content))
    assert manifest["name"] == "投诉处理台" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["theme_color"] == "#0d6efd"
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"])
        width, height = Image.open(path).size
        assert icon["sizes"] == f"{width}x{height}" and icon["type"] == "image/png"
        sizes.add(width)
    assert {192, 512} <= sizes


def test_favicon_is_served_at_the_root_without_logging_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_signing_from_a_card_goes_back_to_the_list_and_never_off_the_site(client, desk, head):
    first, second = (f.advance(f.complaint(desk), "confirmed", desk=desk, head=head) for _ in "12")
    client.force_login(head)
    sign = reverse("work-order-sign", args=[first.active_work_order.pk])
    response = client.post(sign, {"next": reverse("work-orders")})
    assert response.status_code == 302 and response["Location"] == reverse("work-orders")
    sign = reverse("work-order-sign", args=[second.active_work_order.pk])
    response = client.post(sign, {"next": "https://evil.example/phish"})
    assert response["Location"] == reverse("complaint-detail", args=[second.pk])
