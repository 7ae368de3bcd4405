"""Work reaches people: the desk dispatches in the browser, the engineering head sees the new
work order on the bell and the department's WeCom robot (a local server on 127.0.0.1) gets the
post; when the head resolves it, the desk — the complaint's owner — is told to revisit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from complaints import services
from complaints.models import Complaint, DepartmentWebhook, OfficeHours, WebhookMessage
from tests.complaints import factories as f
from tests.complaints.robot_server import RobotServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DETAIL_URL = re.compile(r"/complaints/(\d+)/$")


@pytest.fixture
def robot():
    server = RobotServer().start()
    yield server
    server.stop()


@pytest.fixture
def eager_tasks():
    """The delivery tasks run at once, in the live server's thread, as a worker would."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_head_is_told_of_a_new_work_order_and_the_desk_of_its_resolution(
    live_server, log_in, robot, eager_tasks
):
    # The real clock runs here: with no office hours the desk is always open, so nothing
    # waits for quiet hours whatever time the test runs.
    OfficeHours.objects.all().delete()
    desk_user = f.staff("front_desk")
    head_user = f.staff("department_head", department_code="engineering")
    engineering = f.department("engineering")
    DepartmentWebhook.objects.create(
        department=engineering,
        kind=DepartmentWebhook.Kind.WECOM,
        url=f"{robot.url}/cgi-bin/webhook/send?key=test",
    )
    complaint = f.complaint(desk_user)
    url = live_server.url

    # The desk confirms and dispatches to engineering.
    desk = log_in(desk_user)
    desk.goto(f"{url}/complaints/{complaint.pk}/confirm/")
    desk.select_option("[name=confirm-severity]", "minor")
    desk.select_option("[name=confirm-category]", str(f.category().pk))
    desk.select_option("[name=confirm-validity]", "valid")
    desk.select_option("[name=confirm-department]", str(engineering.pk))
    desk.get_by_test_id("confirm").click()
    desk.wait_for_url(DETAIL_URL)

    # The robot got one post naming the work order.
    expect_posts = WebhookMessage.objects.filter(complaint=complaint)
    assert expect_posts.count() == 1 and expect_posts.get().delivered_at is not None
    assert len(robot.posts) == 1
    assert complaint.number in robot.posts[0].body["markdown"]["content"]

    # The head sees it on the bell and in the title, opens it from the notifications page.
    head = log_in(head_user)
    expect(head.get_by_test_id("notifications")).to_contain_text("1")
    assert head.title().startswith("(1) ")
    head.get_by_test_id("notifications").click()
    group = head.get_by_test_id("notification-group")
    expect(group).to_contain_text(f"新派工单 {complaint.number}")
    expect(group).to_contain_text("3-2-1201")
    group.get_by_test_id("open-complaint").click()
    head.wait_for_url(DETAIL_URL)
    assert int(DETAIL_URL.search(head.url).group(1)) == complaint.pk
    expect(head.get_by_test_id("notifications").locator(".badge")).to_have_count(0)

    # The head does the work; the desk (the owner) is told it is resolved, revisit due.
    order = Complaint.objects.get(pk=complaint.pk).active_work_order
    services.work_order_sign(work_order=order, by=head_user)
    services.complaint_investigate(
        complaint=Complaint.objects.get(pk=complaint.pk), by=head_user, plan="更换灯管"
    )
    services.complaint_resolve(
        complaint=Complaint.objects.get(pk=complaint.pk), by=head_user, result="已更换"
    )
    desk.goto(f"{url}/notifications/")
    expect(desk.get_by_test_id("notifications")).to_contain_text("2")  # signed, resolved
    expect(desk.get_by_test_id("notification-group")).to_contain_text("已处理完成")
    expect(desk.get_by_test_id("notification-group")).to_contain_text("前回访")
    desk.get_by_test_id("mark-all-read").click()
    expect(desk.get_by_test_id("notifications").locator(".badge")).to_have_count(0)
