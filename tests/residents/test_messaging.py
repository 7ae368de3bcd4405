"""Text messages to residents: written with the event, sent after the commit through the
outbox, held at night unless urgent, honouring opt-out and language; a provider outage blocks
no save and loses no message."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from complaints import services
from complaints.models import Complaint
from residents import tasks
from residents.messaging import outbox, send_code
from residents.messaging.backends import locmem
from residents.models import MessageTemplate, ResidentMessage
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db

DAY = f.at(5, 10)  # a Thursday, in office hours (08:00–18:00)
NIGHT = f.at(5, 22)


@pytest.fixture
def desk(db):
    return f.staff("front_desk")


@pytest.fixture
def head(db):
    return f.staff("department_head", department_code="engineering")


def create(desk, at=DAY, capture=None, **kw):
    with time_machine.travel(at, tick=False):
        if capture is None:
            return f.complaint(desk, at=at, **kw)
        with capture(execute=True):
            return f.complaint(desk, at=at, **kw)


def events_of(c) -> list[str]:
    return list(
        ResidentMessage.objects.filter(complaint=c).order_by("pk").values_list("event", flat=True)
    )


def test_every_language_and_event_has_seeded_wording():
    rows = set(MessageTemplate.objects.values_list("event", "language"))
    events = [e for e, _label in MessageTemplate._meta.get_field("event").choices]
    assert rows == {(e, lang) for e in events for lang in ("zh-hans", "en")}


def test_received_message_carries_the_number_and_goes_after_the_commit(
    desk, sms_outbox, django_capture_on_commit_callbacks
):
    c = create(desk, capture=django_capture_on_commit_callbacks)
    [sms] = sms_outbox
    assert sms.phone == "+8613812345678" and sms.event == "received"
    assert c.number in sms.text and "受理" in sms.text  # the resident's language: Chinese
    row = ResidentMessage.objects.get()
    assert row.complaint == c and row.resident == c.resident and row.delivered_at == DAY


def test_nothing_is_sent_before_the_commit(desk, sms_outbox):
    create(desk)  # the test's transaction never commits
    assert sms_outbox == [] and ResidentMessage.objects.get().delivered_at is None


def test_every_event_of_the_procedure_reaches_the_resident(desk, head):
    with time_machine.travel(DAY, tick=False):
        c = f.complaint(desk, at=DAY)
        c = f.advance(c, "closed", desk=desk, head=head, severity="major")
    assert events_of(c) == ["received", "dispatched", "answered", "resolved", "closed"]
    texts = dict(ResidentMessage.objects.filter(complaint=c).values_list("event", "text"))
    assert "工程部" in texts["dispatched"] or c.department.name in texts["dispatched"]
    assert "/r/rate/" in texts["resolved"]


def test_a_minor_complaint_has_no_plan_message(desk, head):
    with time_machine.travel(DAY, tick=False):
        c = f.advance(f.complaint(desk, at=DAY), "resolved", desk=desk, head=head)
    assert events_of(c) == ["received", "dispatched", "resolved"]


def test_handing_up_to_a_superior_is_told(desk, head):
    with time_machine.travel(DAY, tick=False):
        c = f.advance(f.complaint(desk, at=DAY), "investigated", desk=desk, head=head)
        services.complaint_reject_plan(complaint=c, by=desk, reason="方案不合理")
    assert events_of(c)[-1] == "handed_up"


def test_closing_an_invalid_complaint_is_told(desk):
    with time_machine.travel(DAY, tick=False):
        c = f.complaint(desk, at=DAY)
        services.complaint_confirm(
            complaint=c,
            by=desk,
            severity="minor",
            category=f.category(),
            validity="invalid",
            explanation="不属于物业服务范围",
        )
        services.complaint_close_invalid(complaint=Complaint.objects.get(pk=c.pk), by=desk)
    assert events_of(c) == ["received", "closed"]


def test_at_night_messages_wait_for_office_hours_and_are_requeued_then(
    desk, sms_outbox, django_capture_on_commit_callbacks
):
    c = create(desk, at=NIGHT, capture=django_capture_on_commit_callbacks)
    row = ResidentMessage.objects.get(complaint=c)
    assert row.send_after == f.at(6, 8) and sms_outbox == []
    with time_machine.travel(f.at(6, 7, 59), tick=False):
        assert tasks.requeue_resident_messages() == 0
    with time_machine.travel(f.at(6, 8, 1), tick=False):
        assert tasks.requeue_resident_messages() == 1
    assert [m.event for m in sms_outbox] == ["received"]
    row.refresh_from_db()
    assert row.delivered_at == f.at(6, 8, 1)


def test_urgent_complaints_are_told_at_night(desk, sms_outbox, django_capture_on_commit_callbacks):
    create(desk, at=NIGHT, capture=django_capture_on_commit_callbacks, is_urgent=True)
    assert [m.event for m in sms_outbox] == ["received"]


def test_a_resident_who_opted_out_gets_no_messages(desk, sms_outbox):
    res = f.resident(sms_opt_out=True)
    create(desk, res=res)
    assert ResidentMessage.objects.count() == 0


def test_opting_out_after_a_message_was_held_stops_it(
    desk, sms_outbox, django_capture_on_commit_callbacks
):
    c = create(desk, at=NIGHT, capture=django_capture_on_commit_callbacks)
    c.resident.sms_opt_out = True
    c.resident.save()
    with time_machine.travel(f.at(6, 9), tick=False):
        tasks.requeue_resident_messages()
        assert tasks.requeue_resident_messages() == 0  # given up, not tried for ever
    assert sms_outbox == []
    assert ResidentMessage.objects.get().last_error == "opted out"


def test_a_landline_gets_no_text_message(desk):
    res = f.resident(phone="+861062345678")
    create(desk, res=res)
    assert ResidentMessage.objects.count() == 0


def test_an_english_speaking_resident_gets_english(
    desk, sms_outbox, django_capture_on_commit_callbacks
):
    res = f.resident(language="en")
    c = create(desk, res=res, capture=django_capture_on_commit_callbacks)
    assert sms_outbox[0].text.startswith("We have received your complaint")
    assert c.number in sms_outbox[0].text


def test_an_event_switched_off_in_the_admin_is_not_sent(desk):
    MessageTemplate.objects.filter(event="received").update(is_active=False)
    create(desk)
    assert ResidentMessage.objects.count() == 0


def test_templates_accept_only_known_placeholders():
    template = MessageTemplate.objects.get(event="resolved", language="en")
    template.text = "Rate us: {number.__class__} {link}"
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "text" in error.value.message_dict
    template.text = "Done: {number}"  # the rating link is required
    with pytest.raises(ValidationError):
        template.full_clean()
    template.text = "Done: {number}, rate: {link}"
    template.provider_params = "number,secret"
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "provider_params" in error.value.message_dict


def test_filling_never_reaches_into_the_program():
    from residents.messaging import wording

    assert wording.fill("{number} {number.__class__} {0} {code}", {"number": "TS-1"}) == (
        "TS-1 {number.__class__} {0} "
    )


# --- sign-in codes ------------------------------------------------------------------------------
def test_a_sign_in_code_goes_at_once_even_at_night_and_to_an_opted_out_resident(
    sms_outbox, django_capture_on_commit_callbacks
):
    f.resident(sms_opt_out=True)
    with time_machine.travel(NIGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
        send_code("+8613812345678", "482913")
    [sms] = sms_outbox
    assert "482913" in sms.text and sms.event == "sign_in_code"


def test_a_sent_code_leaves_no_trace_in_the_outbox(sms_outbox, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        send_code("+8613812345678", "482913")
    row = ResidentMessage.objects.get()
    assert row.delivered_at and "482913" not in row.text and "482913" not in str(row.params)


def test_a_code_that_could_not_be_sent_in_time_is_never_sent(
    sms_outbox, django_capture_on_commit_callbacks
):
    locmem.failure.append(OSError("provider down"))
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        send_code("+8613812345678", "482913")
    locmem.failure.clear()
    with time_machine.travel(f.at(5, 10, 6), tick=False):
        assert tasks.requeue_resident_messages() == 0
    row = ResidentMessage.objects.get()
    assert sms_outbox == [] and row.delivered_at is None and "482913" not in row.text


def test_the_code_follows_the_residents_language(sms_outbox, django_capture_on_commit_callbacks):
    f.resident(language="en")
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        send_code("+8613812345678", "112233")
    assert sms_outbox[0].text.startswith("Your sign-in code is 112233")


# --- outages and doubles ---------------------------------------------------------------------------
def test_provider_down_the_complaint_is_saved_and_the_message_goes_once_it_is_back(
    desk, sms_outbox, django_capture_on_commit_callbacks
):
    locmem.failure.append(OSError("provider down"))
    c = create(desk, capture=django_capture_on_commit_callbacks)
    assert Complaint.objects.filter(pk=c.pk).exists()  # the save did not wait or fail
    row = ResidentMessage.objects.get()
    assert row.delivered_at is None and row.attempts == 1 and "provider down" in row.last_error
    with time_machine.travel(f.at(5, 10, 2), tick=False):  # still down: tried again, kept
        assert tasks.requeue_resident_messages() == 1
    row.refresh_from_db()
    assert row.attempts == 2 and row.delivered_at is None
    locmem.failure.clear()  # the provider is back
    with time_machine.travel(f.at(5, 10, 5), tick=False):
        assert tasks.requeue_resident_messages() == 1
    with time_machine.travel(f.at(5, 10, 30), tick=False):
        assert tasks.requeue_resident_messages() == 0  # nothing left: sent once
    assert [m.event for m in sms_outbox] == ["received"]
    row.refresh_from_db()
    assert row.delivered_at == f.at(5, 10, 5) and row.last_error == ""


def test_broker_down_the_complaint_is_saved_and_the_beat_queues_the_message(
    desk, sms_outbox, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OSError("broker unreachable")

    monkeypatch.setattr(tasks.deliver_resident_messages, "delay", down)
    c = create(desk, capture=django_capture_on_commit_callbacks)
    assert Complaint.objects.filter(pk=c.pk).exists() and sms_outbox == []
    monkeypatch.undo()
    with time_machine.travel(f.at(5, 10, 2), tick=False):
        assert tasks.requeue_resident_messages() == 1
    assert len(sms_outbox) == 1


def test_two_workers_given_the_same_message_send_it_once(desk, sms_outbox):
    create(desk)
    ids = list(ResidentMessage.objects.values_list("pk", flat=True))
    with time_machine.travel(f.at(5, 10, 1), tick=False):
        assert outbox.deliver(ids) == (1, [])
        assert outbox.deliver(ids) == (0, [])
    assert len(sms_outbox) == 1


def test_a_worker_that_died_mid_send_gives_the_message_up_after_the_claim_expires(desk, sms_outbox):
    create(desk)
    row = ResidentMessage.objects.get()
    ResidentMessage.objects.filter(pk=row.pk).update(claimed_at=f.at(5, 10), attempts=1)
    with time_machine.travel(f.at(5, 10, 5), tick=False):
        assert outbox.deliver([row.pk]) == (0, [])  # still claimed by the other worker
    with time_machine.travel(f.at(5, 10, 11), tick=False):
        assert outbox.deliver([row.pk]) == (1, [])
    assert len(sms_outbox) == 1


def test_the_demo_history_sends_nothing_to_residents(desk):
    from complaints.sla.notifications import held_deliveries

    with held_deliveries():
        create(desk)
    assert ResidentMessage.objects.count() == 0
