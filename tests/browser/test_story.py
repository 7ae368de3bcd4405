"""The whole life of a complaint in a real browser, each step by the person whose job it is.

The front desk takes a phone call by keyboard alone, confirms and dispatches; the engineering
head signs, investigates and resolves; the resident is unhappy at the revisit, so the work goes
back as a rework; the head resolves again, the desk revisits and proposes archiving, and the
supervisor reviews and archives (审核归档). When the resident rejects the plan, the complaint is
handed to the supervisor, who is told. Another department's
head never sees any of it. The pages open in Simplified Chinese, so states are checked in Chinese.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint
from tests.complaints import factories as f

# Transactional: the live server runs in another thread and must see the test's rows. The
# seeded groups, departments and categories come from data migrations, which the flush after a
# transactional test removes; serialized_rollback puts them back for the next test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DETAIL_URL = re.compile(r"/complaints/(\d+)/$")
MAX_NON_TEXT_KEYS = 10


class Keyboard:
    """Presses keys on a page and counts them: typing text is free, every other key counts."""

    def __init__(self, page):
        self.page = page
        self.presses: list[str] = []

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.presses.append(key)
        self.page.keyboard.press(key)


def expect_state(page, text: str) -> None:
    expect(page.get_by_test_id("state")).to_have_text(text)


def submit(form) -> None:
    """The form's plain submit button (the revisit card also has "Save and next")."""
    form.locator("button[type=submit]:not([name=then])").click()


@pytest.fixture
def people():
    return {
        "desk": f.staff("front_desk"),
        "head": f.staff("department_head", department_code="engineering"),
        "other_head": f.staff("department_head", department_code="security"),
        "supervisor": f.staff("supervisor"),
    }


def test_whole_story_in_the_browser(live_server, log_in, people):
    url = live_server.url
    res = f.resident(name="李明", phone="+8613812345678")  # 翠湖花园 3-2-1201
    f.resident(name="赵芳", phone="+8613900001111", unit=f.unit("1202"))  # a neighbour
    category = f.category()
    engineering = f.department("engineering")
    desk = log_in(people["desk"])

    # 1. A phone call, by keyboard only: look-up has focus, Enter picks, Ctrl+Enter saves.
    desk.goto(f"{url}/complaints/new/")
    keys = Keyboard(desk)
    expect(desk.locator("#lookup")).to_be_focused()
    keys.type("3-2-1201")
    match = desk.locator("#lookup-results [data-resident-id]").first
    expect(match).to_have_attribute("data-resident-id", str(res.pk))
    keys.press("Enter")
    expect(desk.locator("#id_description")).to_be_focused()
    expect(desk.locator("#id_contact_name")).to_have_value("李明")
    expect(desk.locator("#id_contact_phone")).to_have_value(re.compile(r"138\D*1234\D*5678"))
    expect(desk.locator("#id_room")).to_have_value("3-2-1201")
    expect(desk.locator("#history")).not_to_be_empty()
    keys.type("楼道灯坏了三天，晚上看不见台阶")
    keys.press("Control+Enter")
    desk.wait_for_url(DETAIL_URL)
    assert len(keys.presses) <= MAX_NON_TEXT_KEYS, keys.presses
    pk = int(DETAIL_URL.search(desk.url).group(1))
    complaint = Complaint.objects.get(pk=pk)
    number = complaint.number
    expect(desk.get_by_test_id("number")).to_have_text(number)
    expect_state(desk, "已受理")
    assert complaint.resident == res and complaint.channel == Complaint.Channel.PHONE
    assert complaint.received_by == people["desk"]

    # 2. Confirm and dispatch to engineering, with the countdown running.
    desk.goto(f"{url}/complaints/{pk}/confirm/")
    expect(desk.get_by_test_id("countdown")).to_contain_text(re.compile(r"\d+:\d\d"))
    desk.select_option("[name=confirm-severity]", "minor")
    desk.select_option("[name=confirm-category]", str(category.pk))
    desk.select_option("[name=confirm-validity]", "valid")
    desk.select_option("[name=confirm-department]", str(engineering.pk))
    desk.get_by_test_id("confirm").click()
    desk.wait_for_url(DETAIL_URL)
    expect_state(desk, "已确认")

    # 3. The engineering head signs on the work-order list, investigates and resolves.
    head = log_in(people["head"])
    head.goto(f"{url}/work-orders/")
    row = head.locator("#orders-new tr", has_text=number)
    expect(row).to_be_visible()
    row.get_by_role("button").click()
    expect(head.locator("#orders-new tr", has_text=number)).to_have_count(0)
    expect(head.locator("#orders-progress, #orders-soon, #orders-overdue")).to_contain_text(
        [number]
    )
    head.goto(f"{url}/complaints/{pk}/")
    investigate = head.get_by_test_id("action-investigate")
    investigate.locator("textarea[name=investigate-plan]").fill("明早九点电工到场，更换楼道灯管")
    submit(investigate)
    expect_state(head, "调查处理中")

    # 3a. The resident rejects the plan on the phone: the desk hands it to the supervisor.
    desk.goto(f"{url}/complaints/{pk}/")
    reject = desk.get_by_test_id("action-reject_plan")
    reject.locator("textarea[name=reject_plan-reason]").fill("业主要求换成更亮的灯")
    submit(reject)
    expect(desk.get_by_test_id("handed-up")).to_contain_text("客服主管")
    assert Complaint.objects.get(pk=pk).handed_up_to == "supervisor"
    assert people["supervisor"].notifications.filter(complaint_id=pk).exists()

    head.goto(f"{url}/complaints/{pk}/")
    resolve = head.get_by_test_id("action-resolve")
    resolve.locator("textarea[name=resolve-result]").fill("已更换 3 单元 2 梯 12 楼灯管")
    submit(resolve)
    expect_state(head, "处理完成")

    # 4. The resident is not satisfied: their words go back to engineering as a rework.
    desk.goto(f"{url}/complaints/revisits/")
    card = desk.get_by_test_id(f"revisit-{number}")
    card.locator("input[name='revisit_satisfied-satisfaction'][value=unsatisfied]").check()
    card.locator("textarea[name='revisit_satisfied-comment']").fill("灯换了还是很暗，晚上看不清")
    submit(card)
    desk.wait_for_url(DETAIL_URL)
    expect_state(desk, "调查处理中")
    expect(desk.get_by_text("灯换了还是很暗，晚上看不清").first).to_be_visible()
    expect(desk.locator(".badge", has_text="返工")).to_be_visible()
    order = Complaint.objects.get(pk=pk).active_work_order
    assert order.is_rework and order.department == engineering

    # 5. The head signs the rework on the complaint page and resolves; the desk closes.
    head.goto(f"{url}/complaints/{pk}/")
    head.get_by_test_id("sign").click()
    expect(head.get_by_test_id("sign")).to_have_count(0)
    resolve = head.get_by_test_id("action-resolve")
    resolve.locator("textarea[name=resolve-result]").fill("加装一盏灯，亮度已请业主确认")
    submit(resolve)
    expect_state(head, "处理完成")

    desk.goto(f"{url}/complaints/{pk}/")
    revisit = desk.get_by_test_id("action-revisit_satisfied")
    revisit.locator("input[name='revisit_satisfied-satisfaction'][value=satisfied]").check()
    revisit.locator("textarea[name='revisit_satisfied-comment']").fill("现在亮了，谢谢")
    submit(revisit)
    expect_state(desk, "已回访")
    expect(desk.get_by_test_id("action-close")).to_have_count(0)  # the desk only proposes
    proposal = desk.get_by_test_id("action-propose_archive")
    proposal.locator("textarea[name=propose_archive-summary]").fill("灯管老化且亮度不足，已加装")
    submit(proposal)

    supervisor = log_in(people["supervisor"])
    supervisor.goto(f"{url}/complaints/{pk}/")
    expect(supervisor.get_by_test_id("archive-summary")).to_contain_text("灯管老化")
    submit(supervisor.get_by_test_id("action-close"))
    expect_state(supervisor, "已归档")
    expect(supervisor.get_by_test_id("timeline").locator("li")).not_to_have_count(0)
    complaint = Complaint.objects.get(pk=pk)
    assert complaint.state == Complaint.State.CLOSED
    assert complaint.work_orders.count() == 2

    # 6. The security head cannot open it, nor find it among their work orders.
    other = log_in(people["other_head"])
    response = other.goto(f"{url}/complaints/{pk}/")
    assert response is not None and response.status == 404
    expect(other.get_by_test_id("number")).to_have_count(0)
    other.goto(f"{url}/work-orders/")
    expect(other.locator("main")).not_to_contain_text(number)


def test_bad_input_on_the_intake_form_keeps_what_was_typed(live_server, log_in, people):
    desk = log_in(people["desk"])
    desk.goto(f"{live_server.url}/complaints/new/")
    desk.fill("#id_contact_name", "王先生")
    desk.fill("#id_contact_phone", "12345")
    desk.fill("#id_description", "楼上漏水到我家天花板")
    desk.get_by_test_id("save").click()
    expect(desk.locator(".invalid-feedback").first).to_be_visible()
    expect(desk.get_by_role("alert").first).to_be_visible()
    expect(desk.locator("#id_description")).to_have_value("楼上漏水到我家天花板")
    expect(desk.locator("#id_contact_name")).to_have_value("王先生")
    expect(desk.locator("#id_contact_phone")).to_have_value("12345")
    assert desk.url.endswith("/complaints/new/")
    assert not Complaint.objects.exists()
