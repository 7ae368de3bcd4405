"""Step 8: every notification is an event with its facts, worded in the reader's language;
the notifications page groups them by complaint; preferences and quiet hours decide what
goes by e-mail and when."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import translation

from complaints import messages as texts
from complaints import preferences as prefs
from complaints import services
from complaints.models import Complaint, Notification, NotificationEvent, NotificationPreference
from complaints.notify import email_of
from complaints.services.procedure import complaint_propose_archive, hand_up
from complaints.sla import extensions, notifications
from complaints.sla.sweep import sla_sweep

from . import factories as f

pytestmark = pytest.mark.django_db
E = NotificationEvent


def zh(note) -> str:
    with translation.override("zh-hans"):
        return note.text


def en(note) -> str:
    with translation.override("en"):
        return note.text


def sent(batches) -> set:
    return {pk for batch in batches for pk in batch}


def dispatched(desk, head, at):
    with time_machine.travel(at, tick=False):
        c = f.complaint(desk, at=at)
        return f.advance(c, "confirmed", desk=desk, head=head)


# --- the registry ----------------------------------------------------------------------------
FACTS = {
    "complaint": 1,
    "number": "TS-1",
    "unit": "3-2-1201",
    "summary": "楼道灯坏了",
    "due": "2026-11-04T01:00:00+00:00",  # 09:00 in Shanghai
    "department": "工程部",
    "reason": "等配件",
    "level": 2,
    "days": 30,
    "severity": "important",
    "loss": "5000",
}
EVERY_WORDING = [
    (E.WORK_ORDER, {}, "New work order TS-1 3-2-1201", "新派工单 TS-1 3-2-1201"),
    (E.REWORK, {}, "Rework TS-1 3-2-1201", "返工单 TS-1 3-2-1201"),
    (E.REDISPATCHED, {}, "sent on to you", "TS-1 3-2-1201"),
    (E.SIGNED, {}, "工程部 signed for TS-1 3-2-1201", "工程部 已签收 TS-1 3-2-1201"),
    (E.RESOLVED, {}, "revisit due by 11-04 09:00", "TS-1 3-2-1201"),
    (E.EXTENSION_REQUESTED, {}, "TS-1 3-2-1201: extension to 11-04 09:00", "审批"),
    (E.EXTENSION_DECIDED, {"variant": "approved"}, "your extension was approved", "同意"),
    (E.EXTENSION_DECIDED, {"variant": "refused"}, "your extension was refused", "TS-1"),
    (E.HANDED_UP, {}, "TS-1 3-2-1201 is handed to you: 等配件", "已移交给您"),
    (E.ARCHIVE_REVIEW, {}, "ready for your review and archiving", "审核归档"),
    (E.OTHER, {"variant": "owner"}, "TS-1 3-2-1201 is yours now", "现由您跟进"),
    (E.OTHER, {"variant": "loss"}, "economic loss of 5000 yuan", "TS-1"),
    (
        E.ESCALATION,
        {"variant": "dispatch"},
        "not dispatched within the deadline (11-04 09:00)",
        "未在时限",
    ),
    (E.ESCALATION, {"variant": "answer"}, "no clear answer", "明确答复"),
    (E.ESCALATION, {"variant": "resolve"}, "overdue since 11-04 09:00 (level 2)", "第 2 级"),
    (E.ESCALATION, {"variant": "revisit"}, "not revisited by 11-04 09:00", "仍未回访"),
    (E.ESCALATION, {"variant": "notify"}, "important complaint TS-1 3-2-1201", "TS-1"),
    (E.ESCALATION, {"variant": "month"}, "after 30 days", "重大投诉"),
    (E.REMINDER, {"variant": "reminder"}, "Reminder: TS-1 3-2-1201 is due 11-04 09:00", "提醒"),
    (E.REMINDER, {"variant": "progress"}, "progress report is missing", "今日尚未汇报进度"),
    (E.REMINDER, {"variant": "tell"}, "tell the resident the result", "请告知业主"),
]


@pytest.mark.parametrize(("event", "extra", "in_english", "in_chinese"), EVERY_WORDING)
def test_every_event_is_worded_in_both_languages(event, extra, in_english, in_chinese):
    params = FACTS | extra
    english = texts.render_in("en", event, params)
    chinese = texts.render_in("zh-hans", event, params)
    assert in_english in english
    assert in_chinese in chinese
    assert english != chinese


def test_old_rows_and_unfitting_facts_fall_back_to_the_stored_message():
    assert texts.render("other", {}, fallback="旧消息") == "旧消息"
    assert texts.render(E.WORK_ORDER, {"number": "TS-1"}, fallback="x") == "x"  # no due
    note = Notification(message="旧消息", event="other", params={})
    assert note.text == "旧消息"


def test_a_late_telling_says_so_and_datetimes_are_shown_in_shanghai_time():
    params = FACTS | {"variant": "notify", "late": True}
    assert "(told late: due by 11-04 09:00)" in texts.render_in("en", E.ESCALATION, params)


# --- the services write events ------------------------------------------------------------------
def test_a_new_work_order_is_written_as_an_event_and_read_in_each_language(desk, head):
    c = dispatched(desk, head, f.at(2, 9))
    note = Notification.objects.get(recipient=head)
    assert note.event == E.WORK_ORDER and note.complaint_id == c.pk
    assert note.params["number"] == c.number and note.params["unit"] == "3-2-1201"
    assert dt.datetime.fromisoformat(note.params["due"]) == c.resolve_due_at
    assert "新派工单" in note.message  # the stored rendering: the site's language
    assert en(note).startswith(f"New work order {c.number} 3-2-1201")
    assert zh(note).startswith(f"新派工单 {c.number} 3-2-1201")
    assert "11-04 09:00" in en(note)


def test_signed_and_resolved_reach_the_owner(desk, head):
    c = dispatched(desk, head, f.at(2, 9))
    with time_machine.travel(f.at(2, 10), tick=False):
        f.advance(c, "resolved", desk=desk, head=head)
    events = list(
        Notification.objects.filter(recipient=desk).order_by("pk").values_list("event", flat=True)
    )
    assert events == [E.SIGNED, E.RESOLVED]
    resolved = Notification.objects.get(recipient=desk, event=E.RESOLVED)
    assert "revisit due by" in en(resolved) and "回访" in zh(resolved)


def test_extension_requested_and_decided(desk, head, people):
    c = dispatched(desk, head, f.at(2, 9))
    with time_machine.travel(f.at(2, 10), tick=False):
        ext = extensions.extension_request(
            complaint=Complaint.objects.get(pk=c.pk),
            by=head,
            new_due_at=f.at(6, 9),
            reason="等配件",
        )
        asked = Notification.objects.get(event=E.EXTENSION_REQUESTED)
        assert asked.recipient == people["manager"]
        assert "11-06 09:00" in en(asked) and asked.params["reason"] == "等配件"
        extensions.extension_decide(extension=ext, by=people["manager"], approve=False)
    decided = Notification.objects.get(event=E.EXTENSION_DECIDED)
    assert decided.recipient == head and "refused" in en(decided)


def test_handed_up_and_archive_review(desk, head, people):
    c = dispatched(desk, head, f.at(2, 9))
    with time_machine.travel(f.at(2, 10), tick=False):
        hand_up(Complaint.objects.get(pk=c.pk), by=desk, why="plan_rejected", words="业主不满意")
    note = Notification.objects.get(event=E.HANDED_UP)
    assert "is handed to you: " in en(note) and "业主不满意" in en(note)
    with time_machine.travel(f.at(2, 11), tick=False):
        c = f.advance(Complaint.objects.get(pk=c.pk), "revisited", desk=desk, head=head)
        complaint_propose_archive(complaint=c, by=desk, summary="已处理")
    review = Notification.objects.get(event=E.ARCHIVE_REVIEW)
    assert review.recipient == people["supervisor"] and "archiving" in en(review)


def test_escalation_and_reminder_from_the_sweep(desk, head, people):
    with time_machine.travel(f.at(2, 9), tick=False):
        f.complaint(desk, at=f.at(2, 9))
    sla_sweep(now=f.at(2, 9, 11))
    note = Notification.objects.get(event=E.ESCALATION)
    assert note.params["variant"] == "dispatch" and note.escalation_id
    assert "was not dispatched within the deadline" in en(note)
    assert "未在时限" in note.message
    c = dispatched(desk, head, f.at(3, 9))
    sla_sweep(now=c.resolve_due_at - dt.timedelta(minutes=1))
    reminders = Notification.objects.filter(event=E.REMINDER, recipient=head)
    assert reminders.exists() and "Reminder:" in en(reminders.first())


# --- e-mail ------------------------------------------------------------------------------------
def test_the_e_mail_names_the_number_and_event_and_links_to_the_complaint(desk, head, settings):
    settings.SITE_URL = "https://desk.example.org/"
    c = dispatched(desk, head, f.at(2, 9))
    note = Notification.objects.get(recipient=head)
    with translation.override("en"):
        subject, body = email_of(note)
    assert c.number in subject and "New work order" in subject
    assert f"https://desk.example.org/complaints/{c.pk}/" in body
    assert "3-2-1201" in body and "11-04 09:00" in body
    with time_machine.travel(f.at(2, 9, 1), tick=False):
        notifications.deliver([note.pk])
    assert mail.outbox[-1].to == ["head@example.com"]
    assert c.number in mail.outbox[-1].subject
    assert mail.outbox[-1].body.startswith("新派工单")  # written in the site's language


# --- preferences ------------------------------------------------------------------------------
def test_defaults_without_a_saved_preference():
    assert prefs.wants(None, E.WORK_ORDER, "email")
    assert prefs.wants(None, E.SIGNED, "app") and not prefs.wants(None, E.SIGNED, "email")
    assert prefs.quiet_hours_on(None)


def test_a_user_who_turned_e_mail_off_gets_none_and_app_off_is_read_at_once(desk, head):
    prefs.preference_save(
        user=head, channels={E.WORK_ORDER: [], E.REWORK: ["app", "email"]}, quiet_hours=True
    )
    c = dispatched(desk, head, f.at(2, 9))
    note = Notification.objects.get(recipient=head, complaint=c)
    assert note.read_at is not None  # muted in the app: not counted on the bell
    with time_machine.travel(f.at(2, 9, 1), tick=False):
        notifications.deliver([note.pk])
    assert mail.outbox == []
    assert Notification.objects.get(pk=note.pk).delivered_at is not None


def test_an_urgent_complaint_ignores_muting(desk, head):
    prefs.preference_save(user=head, channels={E.WORK_ORDER: []}, quiet_hours=True)
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk, at=f.at(2, 9), is_urgent=True)
        f.advance(c, "confirmed", desk=desk, head=head)
    note = Notification.objects.get(recipient=head)
    assert note.is_urgent and note.read_at is None
    with time_machine.travel(f.at(2, 9, 1), tick=False):
        notifications.deliver([note.pk])
    assert [m.to for m in mail.outbox] == [["head@example.com"]]


def test_the_preference_page_saves_and_a_double_click_is_harmless(head):
    client = Client()
    client.force_login(head)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200
    data = {"ch_work_order": ["app", "email"], "ch_signed": ["app"], "quiet_hours": "on"}
    for _ in range(2):
        response = client.post("/notifications/settings/", data)
        assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=head)
    assert pref.channels[E.WORK_ORDER] == ["app", "email"] and pref.channels[E.REWORK] == []
    assert pref.quiet_hours is True
    bad = client.post("/notifications/settings/", {"ch_work_order": ["sms"]})
    assert bad.status_code == 200
    assert NotificationPreference.objects.get(user=head).channels == pref.channels


# --- quiet hours -------------------------------------------------------------------------------
def test_at_night_the_app_shows_it_at_once_and_the_e_mail_waits_for_the_day_shift(
    desk, head, monkeypatch, django_capture_on_commit_callbacks
):
    from complaints import tasks

    queued = []
    monkeypatch.setattr(tasks.deliver_notifications, "delay", lambda ids: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        c = dispatched(desk, head, f.at(2, 22))  # Monday 22:00; the day shift starts at 08:00
    note = Notification.objects.get(recipient=head, complaint=c)
    assert note.send_after == f.at(3, 8) and note.read_at is None
    assert note.pk not in sent(queued)  # not handed to the worker
    with time_machine.travel(f.at(2, 22, 5), tick=False):
        assert notifications.deliver([note.pk]) == 0  # a worker given it anyway holds it
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=f.at(3, 7, 59))
    assert note.pk not in sent(queued)
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=f.at(3, 8, 1))
    assert note.pk in sent(queued)
    with time_machine.travel(f.at(3, 8, 1), tick=False):
        assert notifications.deliver([note.pk]) == 1
    assert [m.to for m in mail.outbox] == [["head@example.com"]]


def test_quiet_hours_off_or_an_urgent_complaint_are_not_held(desk, head):
    prefs.preference_save(user=head, channels={}, quiet_hours=False)
    c = dispatched(desk, head, f.at(2, 22))
    assert Notification.objects.get(recipient=head, complaint=c).send_after is None
    other = f.staff("department_head", department_code="engineering")
    with time_machine.travel(f.at(2, 23), tick=False):
        urgent = f.complaint(
            desk, at=f.at(2, 23), is_urgent=True, res=f.resident(name="乙", unit=f.unit("0901"))
        )
        f.advance(urgent, "confirmed", desk=desk, head=head)
    assert Notification.objects.get(recipient=other, complaint=urgent).send_after is None


def test_a_night_escalation_is_held_but_shown(desk, people):
    with time_machine.travel(f.at(2, 9), tick=False):
        f.complaint(desk, at=f.at(2, 9))
    sla_sweep(now=f.at(2, 20))  # every dispatch escalation so far, written at 20:00
    held = Notification.objects.filter(event=E.ESCALATION)
    assert held.exists() and all(n.send_after == f.at(3, 8) for n in held)
    assert all(n.read_at is None for n in held)


# --- the notifications page ----------------------------------------------------------------------
def test_the_page_groups_by_complaint_and_counts_unread_in_the_title(desk, head):
    first = dispatched(desk, head, f.at(2, 9))
    with time_machine.travel(f.at(2, 10), tick=False):
        second = f.advance(
            f.complaint(desk, at=f.at(2, 10), res=f.resident(name="乙", unit=f.unit("0901"))),
            "confirmed",
            desk=desk,
            head=head,
        )
        services.work_order_sign(work_order=second.active_work_order, by=head)
        services.complaint_investigate(
            complaint=Complaint.objects.get(pk=second.pk), by=head, plan="换"
        )
        services.complaint_resolve(
            complaint=Complaint.objects.get(pk=second.pk), by=head, result="好"
        )
    client = Client()
    client.force_login(desk)
    with time_machine.travel(f.at(2, 11), tick=False):
        page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<title>(2) " in html
    assert html.count('data-testid="notification-group"') == 1  # the desk heard of one
    client.force_login(head)
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert html.count('data-testid="notification-group"') == 2
    assert "新派工单" in html and first.number in html and second.number in html


def test_mark_one_a_group_or_all_read(desk, head):
    c = dispatched(desk, head, f.at(2, 9))
    with time_machine.travel(f.at(2, 10), tick=False):
        f.advance(c, "resolved", desk=desk, head=head)
    signed, resolved = Notification.objects.filter(recipient=desk).order_by("pk")
    stranger = Notification.objects.get(recipient=head)
    client = Client()
    client.force_login(desk)
    client.post("/notifications/read/", {"id": [str(signed.pk)]})
    assert Notification.objects.filter(recipient=desk, read_at__isnull=True).count() == 1
    client.post("/notifications/read/", {"id": ["abc"]})  # nothing valid: nothing changes
    client.post("/notifications/read/", {"id": [str(stranger.pk)]})  # not the desk's
    assert Notification.objects.filter(recipient=desk, read_at__isnull=True).count() == 1
    assert Notification.objects.get(pk=stranger.pk).read_at is None
    response = client.post(
        "/notifications/read/", {"id": [str(resolved.pk)], "next": f"/complaints/{c.pk}/"}
    )
    assert response["Location"] == f"/complaints/{c.pk}/"
    assert not Notification.objects.filter(recipient=desk, read_at__isnull=True).exists()
    client.force_login(head)
    client.post("/notifications/read/", {})
    assert Notification.objects.get(pk=stranger.pk).read_at is not None
    response = client.post("/notifications/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"


def test_every_event_can_be_chosen_on_the_settings_page():
    """A new kind of notification must not be forgotten on the preference page."""
    from complaints import preferences

    assert set(preferences.EVENTS) == set(Notification.Event.values)
