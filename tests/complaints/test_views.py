"""The desk pages: who may open what, bad input, and list pages that do not slow with rows."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent

from . import factories as f

pytestmark = pytest.mark.django_db

ROLES = ["front_desk", "night_duty", "supervisor", "department_head", "manager", "general_manager"]


def user_in(role):
    return f.staff(role, department_code="engineering" if role == "department_head" else None)


PAGES = {
    # page: roles that may open it
    "home": set(ROLES),
    "complaint-list": set(ROLES),
    "complaint-intake": {"front_desk", "night_duty", "supervisor", "manager", "general_manager"},
    "revisit-queue": {"front_desk", "night_duty", "supervisor", "manager", "general_manager"},
    "work-orders": {"department_head", "manager", "general_manager"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_for_every_role(client, role, page):
    client.force_login(user_in(role))
    response = client.get(reverse(page))
    assert response.status_code == (200 if role in PAGES[page] else 403)


@pytest.mark.parametrize("role", ROLES)
def test_complaint_pages_for_every_role(client, desk, head, role):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    other = f.complaint(desk)
    user = head if role == "department_head" else user_in(role)
    client.force_login(user)
    for name in ("complaint-detail", "complaint-print"):
        assert client.get(reverse(name, args=[c.pk])).status_code == 200
        expected = 404 if role == "department_head" else 200
        assert client.get(reverse(name, args=[other.pk])).status_code == expected
    confirm = client.get(reverse("complaint-confirm", args=[other.pk]))
    assert confirm.status_code == (403 if role == "department_head" else 200)


def test_anonymous_user_is_sent_to_login_from_every_page(client, desk):
    c = f.complaint(desk)
    for url in [reverse(p) for p in PAGES] + [reverse("complaint-detail", args=[c.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- intake ------------------------------------------------------------------------------
def test_intake_of_a_known_resident_registers_and_shows_the_number(client, desk):
    res = f.resident()
    client.force_login(desk)
    response = client.post(
        reverse("complaint-intake"),
        {
            "resident": res.pk,
            "contact_name": res.name,
            "contact_phone": "13812345678",
            "channel": "phone",
            "description": "电梯困人",
            "q": "1201",
        },
        follow=True,
    )
    c = Complaint.objects.get()
    assert c.resident == res and c.unit == res.unit and c.received_by == desk
    page = response.content.decode()
    assert (c.number in page and "请向业主复述" in page) or c.number in page


def test_intake_with_bad_input_keeps_what_was_typed(client, desk):
    client.force_login(desk)
    response = client.post(
        reverse("complaint-intake"),
        {
            "contact_name": "王先生",
            "contact_phone": "12345",
            "channel": "phone",
            "description": "楼上漏水到我家天花板",
            "room": "99-9-9999",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "楼上漏水到我家天花板" in page and "王先生" in page and "99-9-9999" in page
    assert "is-invalid" in page or "invalid-feedback" in page
    assert Complaint.objects.count() == 0


def test_intake_with_a_bad_attachment_saves_nothing_and_says_why(client, desk):
    client.force_login(desk)
    response = client.post(
        reverse("complaint-intake"),
        {
            "contact_name": "王先生",
            "contact_phone": "13812345678",
            "channel": "walk_in",
            "description": "信件",
            "attachments": [SimpleUploadedFile("x.exe", b"MZ" * 20)],
        },
    )
    assert response.status_code == 400
    assert "x.exe" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_intake_remembers_the_last_channel(client, desk):
    client.force_login(desk)
    client.post(
        reverse("complaint-intake"),
        {
            "contact_name": "王",
            "contact_phone": "13812345678",
            "channel": "walk_in",
            "description": "x",
        },
    )
    page = client.get(reverse("complaint-intake")).content.decode()
    assert 'value="walk_in" selected' in page


def test_resident_history_partial_highlights_open_complaints(client, desk):
    res = f.resident()
    c = f.complaint(desk, res=res)
    client.force_login(desk)
    page = client.get(reverse("intake-history"), {"resident": res.pk}).content.decode()
    assert c.number in page and "list-group-item-warning" in page


def test_group_hint_lists_other_households(client, desk):
    for n in range(1, 4):
        r = f.resident(name=f"住户{n}", phone=f"+86138000000{n:02d}", unit=f.unit(f"{n}01"))
        f.complaint(desk, res=r, category=f.category())
    me = f.resident(name="我", phone="+8613900000000", unit=f.unit("901"))
    client.force_login(desk)
    page = client.get(
        reverse("intake-group-hint"), {"resident": me.pk, "category": f.category().pk}
    ).content.decode()
    assert page.count("TS-") == 3 and "data-link-group" in page


def test_resident_search_finds_by_phone_fragment_and_room(client, desk):
    res = f.resident()
    client.force_login(desk)
    for q in ("5678", "3-2-1201", "李明"):
        page = client.get(reverse("residents:search"), {"q": q}).content.decode()
        assert f'data-resident-id="{res.pk}"' in page
        assert "13812345678" not in page.replace(" ", "").split("data-phone")[0]


# --- actions on a complaint ---------------------------------------------------------------
def test_refused_action_answers_with_the_reason_and_keeps_the_text(client, desk, head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    client.force_login(head)
    response = client.post(
        reverse("complaint-action", args=[c.pk, "investigate"]),
        {"investigate-plan": "明早去现场看"},
    )
    # Not signed for yet: the page explains and keeps the plan typed.
    assert response.status_code == 400
    page = response.content.decode()
    assert "明早去现场看" in page and "签收" in page


def test_action_the_user_may_not_take_is_403(client, desk, head):
    c = f.advance(f.complaint(desk), "resolved", desk=desk, head=head)
    client.force_login(head)
    response = client.post(
        reverse("complaint-action", args=[c.pk, "revisit_satisfied"]),
        {"revisit_satisfied-method": "phone", "revisit_satisfied-satisfaction": "satisfied"},
    )
    assert response.status_code == 403
    assert Complaint.objects.get(pk=c.pk).state == "resolved"


def test_unknown_action_is_404(client, desk):
    c = f.complaint(desk)
    client.force_login(desk)
    assert client.post(reverse("complaint-action", args=[c.pk, "explode"])).status_code == 404


def test_department_head_signs_in_one_click_and_cannot_sign_anothers(client, desk, head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    other_head = f.staff("department_head", department_code="security")
    client.force_login(other_head)
    response = client.post(reverse("work-order-sign", args=[c.active_work_order.pk]))
    assert response.status_code == 404
    client.force_login(head)
    response = client.post(reverse("work-order-sign", args=[c.active_work_order.pk]))
    assert response.status_code == 302
    assert Complaint.objects.get(pk=c.pk).active_work_order.signed_by == head


def test_signing_twice_says_who_signed(client, desk, head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    order = c.active_work_order
    client.force_login(head)
    client.post(reverse("work-order-sign", args=[order.pk]))
    response = client.post(reverse("work-order-sign", args=[order.pk]), follow=True)
    assert response.status_code == 200
    assert head.username in response.content.decode()


def test_revealing_a_phone_number_is_logged(client, desk):
    c = f.complaint(desk)
    client.force_login(desk)
    response = client.post(reverse("complaint-phone", args=[c.pk]))
    assert "138 1234 5678" in response.content.decode()
    assert c.events.filter(kind=ComplaintEvent.Kind.PHONE_REVEALED, actor=desk).exists()


def test_department_head_may_not_reveal_phone_numbers(client, desk, head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    client.force_login(head)
    assert client.post(reverse("complaint-phone", args=[c.pk])).status_code == 403


def test_attachment_is_served_only_to_those_who_see_the_complaint(client, desk, head):
    pdf = b"%PDF-1.4\n" + b"\x00" * 32
    c = f.complaint(desk, attachments=[SimpleUploadedFile("a.pdf", pdf)])
    a = c.attachments.get()
    url = reverse("attachment-download", args=[c.pk, a.pk])
    client.force_login(desk)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
    client.force_login(head)
    assert client.get(url).status_code == 404


def test_whole_story_through_the_pages(client, desk, head):
    """Confirm, sign, investigate, resolve, unsatisfied revisit, rework, revisit, close."""
    c = f.complaint(desk)
    post = client.post
    client.force_login(desk)
    assert (
        post(
            reverse("complaint-action", args=[c.pk, "confirm"]),
            {
                "confirm-severity": "minor",
                "confirm-category": f.category().pk,
                "confirm-validity": "valid",
                "confirm-responsibility": "class1",
                "confirm-department": f.department().pk,
            },
        ).status_code
        == 302
    )
    client.force_login(head)
    order = Complaint.objects.get(pk=c.pk).active_work_order
    post(reverse("work-order-sign", args=[order.pk]))
    post(reverse("complaint-action", args=[c.pk, "investigate"]), {"investigate-plan": "换灯"})
    post(reverse("complaint-action", args=[c.pk, "resolve"]), {"resolve-result": "已换"})
    client.force_login(desk)
    post(
        reverse("complaint-action", args=[c.pk, "revisit_satisfied"]),
        {
            "revisit_satisfied-method": "phone",
            "revisit_satisfied-satisfaction": "unsatisfied",
            "revisit_satisfied-comment": "还是暗",
        },
    )
    assert Complaint.objects.get(pk=c.pk).state == "investigated"
    client.force_login(head)
    order = Complaint.objects.get(pk=c.pk).active_work_order
    post(reverse("work-order-sign", args=[order.pk]))
    post(reverse("complaint-action", args=[c.pk, "resolve"]), {"resolve-result": "换了灯罩"})
    client.force_login(desk)
    post(
        reverse("complaint-action", args=[c.pk, "revisit_satisfied"]),
        {"revisit_satisfied-method": "phone", "revisit_satisfied-satisfaction": "satisfied"},
    )
    # The desk proposes archiving with the case summary; a supervisor reviews and closes.
    post(
        reverse("complaint-action", args=[c.pk, "propose_archive"]),
        {"propose_archive-summary": "灯罩老化，已更换；业主满意"},
    )
    assert Complaint.objects.get(pk=c.pk).state == "revisited"
    client.force_login(f.staff("supervisor"))
    post(reverse("complaint-action", args=[c.pk, "close"]), {"close-summary": ""})
    c = Complaint.objects.get(pk=c.pk)
    assert c.state == "closed" and c.archive_summary == "灯罩老化，已更换；业主满意"


# --- lists do not issue a query per row -----------------------------------------------------
def _fill(desk, head, n, offset=0):
    for i in range(n):
        r = f.resident(
            name=f"住户{offset + i}",
            phone=f"+86137{offset + i:08d}",
            unit=f.unit(f"{offset + i}03"),
        )
        c = f.complaint(desk, res=r)
        if i % 2:
            f.advance(c, "resolved", desk=desk, head=head)


@pytest.mark.parametrize("page", ["home", "complaint-list", "work-orders", "revisit-queue"])
def test_list_pages_use_the_same_number_of_queries_for_more_rows(
    client, desk, head, page, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = f.staff("manager")
    client.force_login(manager)
    # Every request in the same minute: the session's idle clock is renewed once a minute,
    # by the warm-up request, and never in between the two counted ones.
    minute = time_machine.travel(f.at(2, 10), tick=False)
    with minute:
        client.get(reverse(page))
    _fill(desk, head, 3)
    with minute, CaptureQueriesContext(connection) as few:
        assert client.get(reverse(page)).status_code == 200
    _fill(desk, head, 12, offset=100)
    with minute, CaptureQueriesContext(connection) as many:
        assert client.get(reverse(page)).status_code == 200
    assert len(many) == len(few)


def test_search_by_number_phone_room_and_text(client, desk):
    c = f.complaint(desk, description="地下车库漏水")
    client.force_login(desk)
    for q in (c.number, "13812345678", "3-2-1201", "车库"):
        page = client.get(reverse("complaint-list"), {"q": q}).content.decode()
        assert c.number in page, q
    page = client.get(reverse("complaint-list"), {"q": "没有这个"}).content.decode()
    assert c.number not in page


def test_search_with_bad_filters_answers_with_a_message(client, desk):
    client.force_login(desk)
    response = client.get(reverse("complaint-list"), {"received_from": "2026-13-45", "page": "-3"})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()


def test_not_found_and_not_allowed_pages_speak_the_desks_language(client, desk, head):
    other = f.complaint(desk)
    client.force_login(head)
    page = client.get(reverse("complaint-detail", args=[other.pk])).content.decode()
    assert "另一个部门" in page or "其他部门" in page or "Not found" not in page
    denied = client.get(reverse("complaint-intake"))
    assert denied.status_code == 403 and "返回工作台" in denied.content.decode()


def test_invalid_complaint_has_no_resolution_deadline(desk):
    from complaints import services

    c = f.complaint(desk)
    services.complaint_confirm(
        complaint=c, by=desk, severity="minor", category=f.category(), validity="invalid"
    )
    c.refresh_from_db()
    assert c.resolve_due_at is None
    assert not c.clocks.filter(next_at__isnull=False).exists()  # no clock runs for it


def test_search_by_a_phone_fragment_or_a_number_prefix(client, desk):
    c = f.complaint(desk)
    client.force_login(desk)
    for q in ("1234567", "138 1234 5678", c.number[:9], c.number.lower()):
        page = client.get(reverse("complaint-list"), {"q": q}).content.decode()
        assert c.number in page, q


def test_search_by_the_last_digits_of_a_phone_or_a_number(client, desk):
    mine = f.complaint(desk)  # 李明, +86 138 1234 5678
    other = f.complaint(
        desk, res=f.resident(name="赵芳", phone="+8613900001111", unit=f.unit("1202"))
    )
    client.force_login(desk)
    page = client.get(reverse("complaint-list"), {"q": "5678"}).content.decode()
    assert mine.number in page and other.number not in page  # 尾号 5678
    sequence = other.number[-4:]
    page = client.get(reverse("complaint-list"), {"q": sequence}).content.decode()
    assert other.number in page and mine.number not in page


def test_the_complaint_page_prints_a_far_deadline_once_and_no_progress_form_once_resolved(
    client, desk, head
):
    import time_machine

    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk, at=f.at(2, 9)), "investigated", desk=desk, head=head)
        client.force_login(desk)
        page = client.get(reverse("complaint-detail", args=[c.pk])).content.decode()
    assert page.count("11-04 09:00") == 1  # two days away: the badge is the time itself
    assert "progress-note" in page
    with time_machine.travel(f.at(2, 10), tick=False):
        f.advance(c, "resolved", desk=desk, head=head)
        page = client.get(reverse("complaint-detail", args=[c.pk])).content.decode()
    assert "progress-note" not in page


def test_a_done_message_names_the_action_and_the_number(client, desk, head):
    from complaints import services

    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    services.work_order_sign(work_order=c.active_work_order, by=head)
    client.force_login(head)
    response = client.post(
        reverse("complaint-action", args=[c.pk, "investigate"]),
        {"investigate-plan": "换灯"},
        follow=True,
    )
    from django.utils import translation

    from complaints.actions import ACTIONS

    with translation.override("zh-hans"):  # the pages speak Chinese unless asked otherwise
        label = str(ACTIONS["investigate"].label)
    text = " ".join(str(m) for m in response.context["messages"])
    assert c.number in text and label in text
