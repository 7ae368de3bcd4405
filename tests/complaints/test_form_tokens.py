"""Every create form of a complaint's page is acted on once: a double click (the same form,
with the same one-time token, sent twice) saves once and tells the second sending so; a
refused form can be corrected and sent again."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints import form_tokens
from complaints.form_tokens import FIELD, new_token
from complaints.models import (
    ComplaintEvent,
    DeadlineExtension,
    Revisit,
    UsedFormToken,
    WorkOrder,
)

from . import factories as f

pytestmark = pytest.mark.django_db


def local_input(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def fingerprint():
    return (
        ComplaintEvent.objects.count(),
        WorkOrder.objects.count(),
        DeadlineExtension.objects.count(),
        Revisit.objects.count(),
    )


def double_click(client, url, data):
    """The same form sent twice; returns both answers."""
    data = {**data, FIELD: new_token()}
    return client.post(url, data), client.post(url, data)


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def confirmed(desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        return f.advance(f.complaint(desk, at=f.at(2, 9)), "confirmed", desk=desk, head=head)


@pytest.fixture
def resolved(desk, head, confirmed):
    with time_machine.travel(f.at(2, 11), tick=False):
        return f.advance(confirmed, "resolved", desk=desk, head=head)


def _check_once(client, url, data, *, at):
    with time_machine.travel(at, tick=False):
        before = fingerprint()
        first, second = double_click(client, url, data)
        after_first = fingerprint()
        assert first.status_code == 302, first.content.decode()[:2000]
        assert after_first != before
        assert second.status_code == 302
        assert str(form_tokens.SENT_BEFORE) in said(second)  # in the page's language
        assert fingerprint() == after_first


def test_a_progress_note_double_clicked_is_saved_once(client, head, confirmed):
    client.force_login(head)
    url = reverse("complaint-progress", args=[confirmed.pk])
    _check_once(client, url, {"progress-note": "配件已订"}, at=f.at(2, 10))
    # Another note (a new form, a new token) is another note.
    with time_machine.travel(f.at(2, 10), tick=False):
        before = fingerprint()
        client.post(url, {"progress-note": "配件已到", FIELD: new_token()})
    assert fingerprint()[0] == before[0] + 1


def test_a_dispatch_double_clicked_is_done_once(client, desk, confirmed):
    client.force_login(desk)
    url = reverse("complaint-dispatch", args=[confirmed.pk])
    data = {"dispatch-department": f.department("security").pk, "dispatch-instructions": "转保安"}
    _check_once(client, url, data, at=f.at(2, 10))


def test_an_extension_request_double_clicked_is_made_once(client, head, confirmed):
    client.force_login(head)
    url = reverse("extension-request", args=[confirmed.pk])
    later = timezone.localtime(confirmed.resolve_due_at) + dt.timedelta(days=3)
    data = {"extension-new_due_at": local_input(later), "extension-reason": "等配件"}
    _check_once(client, url, data, at=f.at(2, 10))
    assert DeadlineExtension.objects.count() == 1


def test_an_agreed_deadline_double_clicked_is_recorded_once(client, head, confirmed):
    client.force_login(head)
    url = reverse("complaint-agree", args=[confirmed.pk])
    data = {"agree-due_at": local_input(f.at(9, 18)), "agree-note": "电话确认"}
    _check_once(client, url, data, at=f.at(3, 10))


def test_a_revisit_booking_double_clicked_is_booked_once(client, desk, resolved):
    client.force_login(desk)
    url = reverse("complaint-book-revisit", args=[resolved.pk])
    data = {"booking-at": local_input(f.at(3, 19)), "booking-note": "晚上七点后"}
    _check_once(client, url, data, at=f.at(2, 12))


def test_a_revisit_double_clicked_is_recorded_once(client, desk, resolved):
    client.force_login(desk)
    url = reverse("complaint-action", args=[resolved.pk, "revisit_satisfied"])
    data = {"revisit_satisfied-method": "phone", "revisit_satisfied-satisfaction": "satisfied"}
    _check_once(client, url, data, at=f.at(2, 12))
    assert Revisit.objects.count() == 1


def test_a_refused_form_keeps_its_token_free_for_the_corrected_sending(client, desk, confirmed):
    """The revisit of a complaint not yet resolved is refused by the service: nothing is
    kept, the token included."""
    client.force_login(desk)
    url = reverse("complaint-action", args=[confirmed.pk, "revisit_satisfied"])
    data = {
        "revisit_satisfied-method": "phone",
        "revisit_satisfied-satisfaction": "satisfied",
        FIELD: new_token(),
    }
    with time_machine.travel(f.at(2, 12), tick=False):
        before = fingerprint()
        client.post(url, data)
    assert fingerprint() == before
    assert not UsedFormToken.objects.exists()


def test_the_page_draws_a_fresh_token_into_each_form(client, head, confirmed):
    client.force_login(head)
    with time_machine.travel(f.at(2, 10), tick=False):
        first = client.get(reverse("complaint-detail", args=[confirmed.pk])).content.decode()
        second = client.get(reverse("complaint-detail", args=[confirmed.pk])).content.decode()
    tokens = [line for line in first.split("<input") if f'name="{FIELD}"' in line]
    assert len(tokens) >= 2  # the progress note and the extension request at least
    assert tokens[0] not in second


def test_a_form_without_a_token_still_works(client, head, confirmed):
    """An old page open since before tokens, or a script: acted on as before."""
    client.force_login(head)
    url = reverse("complaint-progress", args=[confirmed.pk])
    with time_machine.travel(f.at(2, 10), tick=False):
        assert client.post(url, {"progress-note": "在修"}).status_code == 302
        assert client.post(url, {"progress-note": "在修", FIELD: "not-a-token"}).status_code == 302
    assert not UsedFormToken.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two requests at the same moment on two connections: needs PostgreSQL "
    "(SQLite's in-memory test database is not shared between threads)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_form_sent_twice_at_the_same_moment_is_saved_once(desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk, at=f.at(2, 9)), "confirmed", desk=desk, head=head)
    url = reverse("complaint-progress", args=[c.pk])
    data = {"progress-note": "两个窗口同时提交", FIELD: new_token()}
    start = threading.Barrier(2)

    def send(_):
        try:
            client = Client()
            client.force_login(head)
            start.wait(10)
            return client.post(url, data).status_code
        finally:
            connection.close()

    with time_machine.travel(f.at(2, 10), tick=True):
        before = ComplaintEvent.objects.filter(complaint=c).count()
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(send, range(2)))
    assert answers == [302, 302]
    assert ComplaintEvent.objects.filter(complaint=c).count() == before + 1
    assert UsedFormToken.objects.count() == 1
