"""Group robots (WeCom / DingTalk): one post per event per robot, sent after the commit with
retries and claim semantics, held for quiet hours, against a local server on 127.0.0.1."""

import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse

import pytest
import time_machine

from complaints import tasks, webhooks
from complaints.models import DepartmentWebhook, NotificationEvent, WebhookMessage
from complaints.sla.sweep import sla_sweep

from . import factories as f
from .robot_server import RobotServer

pytestmark = pytest.mark.django_db
E = NotificationEvent


@pytest.fixture
def robot():
    server = RobotServer().start()
    yield server
    server.stop()


def wecom(robot, department="engineering", **kw):
    return DepartmentWebhook.objects.create(
        department=f.department(department),
        kind=DepartmentWebhook.Kind.WECOM,
        url=f"{robot.url}/cgi-bin/webhook/send?key=abc",
        **kw,
    )


def dispatched(desk, head, at, **kw):
    with time_machine.travel(at, tick=False):
        c = f.complaint(desk, at=at, **kw)
        return f.advance(c, "confirmed", desk=desk, head=head)


def deliver_all(at):
    with time_machine.travel(at, tick=False):
        return webhooks.deliver(list(WebhookMessage.objects.values_list("pk", flat=True)))


def test_a_new_work_order_is_posted_once_to_the_department_robot(desk, head, robot):
    f.staff("department_head", department_code="engineering")  # a second head: still one post
    hook = wecom(robot)
    wecom(robot, department="security")  # another department's robot hears nothing
    c = dispatched(desk, head, f.at(2, 9))
    message = WebhookMessage.objects.get()
    assert message.webhook == hook and message.event == E.WORK_ORDER and message.complaint == c
    assert deliver_all(f.at(2, 9, 1)) == (1, [])
    [post] = robot.posts
    assert post.path == "/cgi-bin/webhook/send?key=abc"
    assert post.body["msgtype"] == "markdown"
    content = post.body["markdown"]["content"]
    assert c.number in content and "3-2-1201" in content and "新派工单" in content
    assert f"/complaints/{c.pk}/" in content
    message.refresh_from_db()
    assert message.delivered_at == f.at(2, 9, 1) and message.attempts == 1


def test_dingtalk_is_signed_when_a_secret_is_set(desk, head, robot):
    DepartmentWebhook.objects.create(
        department=f.department("engineering"),
        kind=DepartmentWebhook.Kind.DINGTALK,
        url=f"{robot.url}/robot/send?access_token=t",
        secret="SECabc",
    )
    dispatched(desk, head, f.at(2, 9))
    assert deliver_all(f.at(2, 9, 1))[0] == 1
    [post] = robot.posts
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(post.path).query)
    stamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"][0] == expected and query["access_token"] == ["t"]
    assert post.body["msgtype"] == "markdown" and "text" in post.body["markdown"]
    assert post.body["markdown"]["title"]


def test_events_a_robot_does_not_want_are_not_posted(desk, head, robot):
    wecom(robot, events=[E.ESCALATION])
    dispatched(desk, head, f.at(2, 9))
    assert not WebhookMessage.objects.exists()
    wecom(robot, is_active=False)
    dispatched(desk, head, f.at(2, 10), res=f.resident(name="乙", unit=f.unit("0901")))
    assert not WebhookMessage.objects.exists()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((500, {"errcode": 0}), "HTTP 500"),
        ((200, {"errcode": 93000, "errmsg": "bad key"}), "93000"),
    ],
)
def test_a_refused_post_is_recorded_and_released_for_a_retry(desk, head, robot, answer, error):
    robot.answers = [answer]
    wecom(robot)
    dispatched(desk, head, f.at(2, 9))
    message = WebhookMessage.objects.get()
    assert deliver_all(f.at(2, 9, 1)) == (0, [message.pk])
    message.refresh_from_db()
    assert error in message.last_error
    assert message.delivered_at is None and message.claimed_at is None and message.attempts == 1


def test_an_unreachable_robot_is_a_failure_not_a_crash(desk, head, robot):
    hook = wecom(robot)
    robot.stop()
    dispatched(desk, head, f.at(2, 9))
    assert deliver_all(f.at(2, 9, 1))[0] == 0
    assert WebhookMessage.objects.get().last_error
    hook.url = "file:///etc/passwd"
    hook.save()
    assert deliver_all(f.at(2, 9, 2))[0] == 0
    assert "http" in WebhookMessage.objects.get().last_error
    robot.start()  # for the fixture's stop()


def test_the_task_retries_until_the_robot_takes_it(desk, head, robot, settings):
    robot.answers = [(502, {}), (200, {"errcode": 1, "errmsg": "busy"}), (200, {"errcode": 0})]
    wecom(robot)
    dispatched(desk, head, f.at(2, 9))
    message = WebhookMessage.objects.get()
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with time_machine.travel(f.at(2, 9, 1), tick=False):
            tasks.deliver_webhooks.apply(args=[[message.pk]])
    finally:
        app.conf.task_always_eager = False
    message.refresh_from_db()
    assert len(robot.posts) == 3
    assert message.delivered_at is not None and message.attempts == 3 and message.last_error == ""


def test_exactly_once_a_second_worker_or_a_second_run_posts_nothing(desk, head, robot):
    wecom(robot)
    dispatched(desk, head, f.at(2, 9))
    message = WebhookMessage.objects.get()
    # Another worker claimed it a minute ago and is still posting: hands off.
    WebhookMessage.objects.filter(pk=message.pk).update(claimed_at=f.at(2, 9))
    assert deliver_all(f.at(2, 9, 1)) == (0, [])
    assert robot.posts == []
    # That worker died: after the claim expires the message goes out, once.
    assert deliver_all(f.at(2, 9, 11))[0] == 1
    assert deliver_all(f.at(2, 9, 12)) == (0, [])
    assert len(robot.posts) == 1


def test_after_a_broker_outage_the_sweep_queues_the_post_again(
    desk, head, robot, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OSError("broker unreachable")

    monkeypatch.setattr(tasks.deliver_webhooks, "delay", down)
    wecom(robot)
    with django_capture_on_commit_callbacks(execute=True):
        dispatched(desk, head, f.at(2, 9))  # queuing fails quietly
    message = WebhookMessage.objects.get()
    queued = []
    monkeypatch.setattr(tasks.deliver_webhooks, "delay", lambda ids: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_sweep(now=f.at(2, 9, 10))
    assert result.robot_posts == 1 and queued == [[message.pk]]


def test_at_night_the_post_waits_for_the_day_shift_unless_urgent(
    desk, head, robot, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.deliver_webhooks, "delay", lambda ids: queued.append(ids))
    wecom(robot)
    with django_capture_on_commit_callbacks(execute=True):
        calm = dispatched(desk, head, f.at(2, 22))
        urgent = dispatched(
            desk,
            head,
            f.at(2, 22, 30),
            is_urgent=True,
            res=f.resident(name="乙", unit=f.unit("0901")),
        )
    held = WebhookMessage.objects.get(complaint=calm)
    at_once = WebhookMessage.objects.get(complaint=urgent)
    assert held.send_after == f.at(3, 8) and at_once.send_after is None
    assert queued == [[at_once.pk]]
    assert deliver_all(f.at(2, 22, 31)) == (1, [])  # the held one is not taken
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=f.at(3, 7, 59))
    assert held.pk not in {pk for batch in queued for pk in batch}
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=f.at(3, 8, 1))
    assert held.pk in {pk for batch in queued for pk in batch}
    assert deliver_all(f.at(3, 8, 1)) == (1, [])
    assert len(robot.posts) == 2


def test_the_sweep_posts_a_department_reminder_once(desk, head, robot):
    wecom(robot, events=[E.REMINDER, E.ESCALATION])
    c = dispatched(desk, head, f.at(2, 9))
    due = c.resolve_due_at
    sla_sweep(now=due - dt.timedelta(minutes=1))
    sla_sweep(now=due - dt.timedelta(minutes=1))  # a second run records nothing new
    posts = WebhookMessage.objects.filter(event=E.REMINDER)
    assert posts.count() >= 1
    assert posts.count() == len({p.text for p in posts})  # no duplicates
    sla_sweep(now=due + dt.timedelta(minutes=5))
    assert WebhookMessage.objects.filter(event=E.ESCALATION).count() == 1


def test_an_administrator_sets_up_a_robot_on_the_department_page(django_user_model):
    from django.test import Client

    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin_user)
    department = f.department("engineering")
    page = client.get(f"/admin/complaints/department/{department.pk}/change/")
    assert page.status_code == 200 and "webhooks-TOTAL_FORMS" in page.content.decode()
    data = {
        "name": department.name,
        "code": department.code,
        "is_active": "on",
        "sort_order": department.sort_order,
        "webhooks-TOTAL_FORMS": "1",
        "webhooks-INITIAL_FORMS": "0",
        "webhooks-MIN_NUM_FORMS": "0",
        "webhooks-MAX_NUM_FORMS": "1000",
        "webhooks-0-kind": "dingtalk",
        "webhooks-0-url": "https://oapi.dingtalk.com/robot/send?access_token=x",
        "webhooks-0-secret": "SECxyz",
        "webhooks-0-events": ["work_order", "rework"],
        "webhooks-0-is_active": "on",
    }
    response = client.post(f"/admin/complaints/department/{department.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    hook = DepartmentWebhook.objects.get(department=department)
    assert hook.kind == "dingtalk" and hook.events == ["work_order", "rework"]
    assert hook.secret == "SECxyz"


def test_send_again_from_the_outbox(
    desk, head, robot, monkeypatch, django_user_model, django_capture_on_commit_callbacks
):
    from django.test import Client

    robot.answers = [(500, {})]
    wecom(robot)
    dispatched(desk, head, f.at(2, 9))
    message = WebhookMessage.objects.get()
    deliver_all(f.at(2, 9, 1))
    queued = []
    monkeypatch.setattr(tasks.deliver_webhooks, "delay", lambda ids: queued.append(ids))
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin_user)
    listing = client.get("/admin/complaints/webhookmessage/")
    assert "HTTP 500" in listing.content.decode()
    with (
        time_machine.travel(f.at(2, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            "/admin/complaints/webhookmessage/",
            {"action": "send_again", "_selected_action": [message.pk]},
        )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.attempts == 0 and queued == [[message.pk]]
