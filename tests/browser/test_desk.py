"""The faster desk in a real browser: a category found by its pinyin initials, a possible
duplicate offered and merged, register and dispatch in one step, the room typed into the
look-up carried into the form, and a phone found by its last four digits (尾号)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Category, Complaint, ComplaintEvent, WorkOrder
from tests.complaints import factories as f

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DETAIL_URL = re.compile(r"/complaints/(\d+)/$")


@pytest.fixture
def desk_user():
    return f.staff("front_desk")


@pytest.fixture
def lift():
    """设备管理 / 电梯; its heading usually goes to engineering."""
    Category.objects.filter(code="equipment").update(default_department=f.department())
    return Category.objects.get(code="equipment-3")


def pick_category_by_initials(page, initials: str) -> None:
    box = page.locator("[data-category-filter=category]")
    box.fill(initials)
    box.press("Enter")


def test_a_duplicate_is_offered_and_the_call_merged_into_it(live_server, log_in, desk_user, lift):
    res = f.resident(name="李明", phone="+8613812345678")  # 翠湖花园 3-2-1201
    earlier = f.complaint(desk_user, res=res, category=lift, description="电梯停在半层")
    desk = log_in(desk_user)
    desk.goto(f"{live_server.url}/complaints/new/")
    desk.locator("#lookup").type("3-2-1201")
    expect(desk.locator("#lookup-results [data-resident-id]").first).to_be_visible()
    desk.locator("#lookup").press("Enter")
    expect(desk.locator("#id_contact_name")).to_have_value("李明")
    desk.fill("#id_description", "电梯又困人了，十分钟才出来")
    pick_category_by_initials(desk, "dt")
    expect(desk.locator("#id_category")).to_have_value(str(lift.pk))
    desk.get_by_test_id("save").click()

    offered = desk.get_by_test_id("duplicates")
    expect(offered).to_contain_text(earlier.number)
    expect(desk.locator("#id_description")).to_have_value("电梯又困人了，十分钟才出来")
    assert Complaint.objects.count() == 1
    offered.get_by_test_id("add-to").click()
    desk.wait_for_url(DETAIL_URL)
    assert int(DETAIL_URL.search(desk.url).group(1)) == earlier.pk
    expect(desk.get_by_text("电梯又困人了，十分钟才出来").first).to_be_visible()
    assert Complaint.objects.count() == 1
    repeat = ComplaintEvent.objects.get(complaint=earlier, kind=ComplaintEvent.Kind.REPEAT)
    assert "十分钟" in repeat.note and repeat.actor == desk_user


def test_register_and_dispatch_in_one_step_with_the_usual_department(
    live_server, log_in, desk_user, lift
):
    empty = f.unit("1502")  # nobody registered there
    engineering = f.department()
    desk = log_in(desk_user)
    desk.goto(f"{live_server.url}/complaints/new/")
    desk.locator("#lookup").type("3-2-1502")
    expect(desk.get_by_test_id("room-carried")).to_be_visible()
    expect(desk.locator("#id_room")).to_have_value("3-2-1502")
    desk.fill("#id_contact_name", "陈女士")
    desk.fill("#id_contact_phone", "13700001234")
    desk.fill("#id_description", "电梯按钮失灵，按了没反应")
    pick_category_by_initials(desk, "dt")
    panel = desk.get_by_test_id("dispatch-now")
    panel.locator("summary").click()
    expect(desk.locator("#id_department")).to_have_value(str(engineering.pk))
    desk.get_by_test_id("register-dispatch").click()
    desk.wait_for_url(DETAIL_URL)
    expect(desk.get_by_test_id("state")).to_have_text("已确认")
    complaint = Complaint.objects.get()
    assert complaint.unit == empty and complaint.state == Complaint.State.CONFIRMED
    assert WorkOrder.objects.filter(complaint=complaint, department=engineering).exists()


def test_a_phone_is_found_by_its_last_four_digits(live_server, log_in, desk_user):
    mine = f.complaint(desk_user)  # 李明, +86 138 1234 5678
    other = f.complaint(
        desk_user, res=f.resident(name="赵芳", phone="+8613900001111", unit=f.unit("1202"))
    )
    desk = log_in(desk_user)
    desk.goto(f"{live_server.url}/complaints/")
    desk.fill("[name=q]", "5678")
    desk.press("[name=q]", "Enter")
    expect(desk.locator("main")).to_contain_text(mine.number)
    expect(desk.locator("main")).not_to_contain_text(other.number)
