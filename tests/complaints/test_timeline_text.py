"""Timeline rows written by the system are stored as a code and facts and worded in the
reader's language when shown: on the complaint page, the printed form and the admin."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import ComplaintEvent
from complaints.services.timeline import record_event
from complaints.timeline_text import MESSAGES, event_text

from . import factories as f

pytestmark = pytest.mark.django_db


def speak(client, language):
    """The language switch's cookie: the UI opens in Chinese unless a person picks English."""
    client.cookies["django_language"] = language
    return client


def in_language(language, event):
    with translation.override(language):
        return event_text(event)


def test_a_dispatch_is_stored_as_a_code_and_facts_not_as_words(desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    event = c.events.get(kind="dispatched")
    assert event.code == "dispatched"
    assert event.params == {"department": "工程部"}
    assert event.note == ""  # nothing typed: no instructions


def test_the_same_dispatch_reads_in_chinese_and_in_english(desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    event = c.events.get(kind="dispatched")
    assert in_language("zh-hans", event) == "已派工至工程部。"
    assert in_language("en", event) == "Dispatched to 工程部."


def test_the_complaint_page_shows_the_timeline_in_the_viewers_language(client, desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        client.force_login(desk)
        url = reverse("complaint-detail", args=[c.pk])
        zh = speak(client, "zh-hans").get(url).content.decode()
        en = speak(client, "en").get(url).content.decode()
    assert "已派工至工程部。" in zh and "Dispatched to 工程部." not in zh
    assert "Dispatched to 工程部." in en and "已派工至工程部。" not in en


def test_what_a_person_typed_follows_the_systems_sentence(desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        services.complaint_dispatch(
            complaint=c, department=f.department("security"), by=desk, instructions="实为停车问题"
        )
    event = c.events.filter(kind="dispatched").last()
    assert event.code == "redispatched" and event.note == "实为停车问题"
    assert in_language("en", event) == "Re-dispatched from 工程部 to 保安部. 实为停车问题"


def test_times_in_the_facts_are_shown_in_local_time(desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        services.complaint_agree_deadline(complaint=c, by=desk, due_at=f.at(6, 18), note="电话确认")
    event = c.events.get(kind="agreed")
    assert event.note == "电话确认"
    assert in_language("en", event) == (
        "Resolution deadline agreed with the resident: 11-06 18:00. 电话确认"
    )


def test_a_rule_of_the_system_gives_its_reason_in_the_readers_language(desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        services.complaint_refuse_final_answer(complaint=c, by=desk, reason="要求赔偿")
    event = c.events.get(code="class_changed")
    assert event.params == {"old": "minor", "new": "major", "why": "refuses_final_answer"}
    assert in_language("en", event) == (
        "Class changed from minor to major: The resident refuses the final answer: 要求赔偿"
    )
    assert "要求赔偿" in in_language("zh-hans", event)
    assert in_language("zh-hans", event) != in_language("en", event)


def test_an_escalation_by_the_sweep_reads_in_either_language(desk):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk)
    event = ComplaintEvent(
        complaint=c,
        kind=ComplaintEvent.Kind.ESCALATED,
        code="escalated",
        params={"clock": "resolve", "number": c.number, "level": 2, "due": f.at(4, 9).isoformat()},
    )
    assert in_language("en", event) == f"{c.number} is overdue since 11-04 09:00 (level 2)."
    assert c.number in in_language("zh-hans", event)
    assert in_language("zh-hans", event) != in_language("en", event)


def test_an_old_row_with_only_a_note_still_shows_its_note(client, desk):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk)
        ComplaintEvent.objects.create(
            complaint=c, kind=ComplaintEvent.Kind.NOTE, note="旧记录：已派工至工程部。"
        )
        client.force_login(desk)
        html = speak(client, "en").get(reverse("complaint-detail", args=[c.pk])).content.decode()
    assert "旧记录：已派工至工程部。" in html


def test_facts_that_do_not_fit_fall_back_to_the_note(desk):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk)
    event = ComplaintEvent(
        complaint=c,
        kind="escalated",
        code="escalated",
        params={"clock": "resolve", "level": "x"},
        note="原文",
    )
    assert in_language("en", event) == "原文"  # no crash, and what was typed is kept


def test_an_unknown_code_is_refused_when_recorded(desk):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk)
        with pytest.raises(ValueError):
            record_event(c, ComplaintEvent.Kind.NOTE, code="no-such-code")
    assert "no-such-code" not in MESSAGES


def test_the_admin_timeline_is_worded_for_the_reader(client, desk, head):
    admin_user = f.staff("manager")
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        client.force_login(admin_user)
        html = (
            speak(client, "en")
            .get(reverse("admin:complaints_complaint_change", args=[c.pk]))
            .content.decode()
        )
    assert "Dispatched to 工程部." in html


def test_the_printed_form_lists_the_timeline_in_the_readers_language(client, desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        client.force_login(desk)
        html = speak(client, "en").get(reverse("complaint-print", args=[c.pk])).content.decode()
    assert "Dispatched to 工程部." in html
