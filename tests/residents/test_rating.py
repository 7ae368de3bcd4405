"""The revisit online: a resolved complaint's SMS carries a single-use link valid 7 days; the
rating is a revisit with method "online" through the same service as a phone revisit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from complaints.models import Complaint, Revisit
from residents.messaging import rating
from residents.models import RatingLink, ResidentMessage
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db

DAY = f.at(5, 10)


@pytest.fixture
def desk(db):
    return f.staff("front_desk")


@pytest.fixture
def head(db):
    return f.staff("department_head", department_code="engineering")


def resolved(desk, head, at=DAY, **kw):
    with time_machine.travel(at, tick=False):
        c = f.complaint(desk, at=at, **kw)
        return f.advance(c, "resolved", desk=desk, head=head)


def link_of(c) -> str:
    text = ResidentMessage.objects.filter(complaint=c, event="resolved").latest("pk").text
    return re.search(r"(/r/rate/[^/\s]+/)", text).group(1)


def rate(url, at, **data):
    with time_machine.travel(at, tick=False):
        return Client().post(url, data)


def test_the_resolved_message_carries_a_link_whose_token_is_stored_hashed(desk, head):
    c = resolved(desk, head)
    url = link_of(c)
    token = url.split("/")[-2]
    link = RatingLink.objects.get(complaint=c)
    assert link.token_hash == rating.token_hash(token) and token not in link.token_hash
    assert link.expires_at == DAY + dt.timedelta(days=7)


def test_the_page_opens_without_signing_in(desk, head):
    c = resolved(desk, head)
    with time_machine.travel(f.at(6, 9), tick=False):
        page = Client().get(link_of(c))
    assert page.status_code == 200 and c.number in page.content.decode()
    assert "satisfaction" in page.content.decode()


def test_satisfied_rating_is_an_online_revisit(desk, head):
    c = resolved(desk, head)
    answer = rate(link_of(c), f.at(6, 9), satisfaction="satisfied", suggestions="保持")
    assert answer.status_code == 302
    c.refresh_from_db()
    revisit = Revisit.objects.get(complaint=c)
    assert c.state == Complaint.State.REVISITED
    assert revisit.method == "online" and revisit.suggestions == "保持"
    assert revisit.by.username == rating.RATING_USERNAME and not revisit.by.has_usable_password()
    assert c.result_told_how == Complaint.ToldBy.ONLINE
    assert RatingLink.objects.get(complaint=c).revisit == revisit


def test_unsatisfied_sends_it_back_to_the_department_like_a_phone_revisit(desk, head):
    c = resolved(desk, head)
    rate(link_of(c), f.at(6, 9), satisfaction="unsatisfied", comment="灯还是不亮")
    c.refresh_from_db()
    assert c.state == Complaint.State.INVESTIGATED and c.rework_started_at == f.at(6, 9)
    order = c.active_work_order
    assert order.is_rework and order.instructions == "灯还是不亮"
    assert ResidentMessage.objects.filter(complaint=c).latest("pk").event == "dispatched"


def test_unsatisfied_without_a_reason_is_asked_for_one_and_nothing_is_saved(desk, head):
    c = resolved(desk, head)
    answer = rate(link_of(c), f.at(6, 9), satisfaction="unsatisfied")
    assert answer.status_code == 200 and "comment" in answer.context["form"].errors
    assert not Revisit.objects.exists()
    assert RatingLink.objects.get().used_at is None


def test_a_double_submit_records_one_revisit(desk, head):
    c = resolved(desk, head)
    url = link_of(c)
    rate(url, f.at(6, 9), satisfaction="satisfied")
    second = rate(url, f.at(6, 9, 1), satisfaction="unsatisfied", comment="再来")
    assert second.status_code == 200 and b"rating-used" in second.content
    assert Revisit.objects.count() == 1
    assert Complaint.objects.get(pk=c.pk).state == Complaint.State.REVISITED


def test_an_expired_link_gives_a_clear_page(desk, head):
    c = resolved(desk, head)
    url = link_of(c)
    with time_machine.travel(DAY + dt.timedelta(days=7, minutes=1), tick=False):
        page = Client().get(url)
    assert page.status_code == 410 and b"rating-expired" in page.content
    assert rate(url, DAY + dt.timedelta(days=8), satisfaction="satisfied").status_code == 410
    assert not Revisit.objects.exists()


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 500, "..%2F..%2Fadmin"])
def test_a_tampered_or_unknown_link_gives_a_clear_page(desk, head, token):
    resolved(desk, head)
    with time_machine.travel(f.at(6, 9), tick=False):
        page = Client().get(f"/r/rate/{token}/")
        post = Client().post(f"/r/rate/{token}/", {"satisfaction": "satisfied"})
    assert page.status_code == 404 and post.status_code == 404
    assert not Revisit.objects.exists()


def test_after_a_phone_revisit_the_link_no_longer_works(desk, head):
    c = resolved(desk, head)
    url = link_of(c)
    with time_machine.travel(f.at(5, 15), tick=False):
        f.advance(c, "revisited", desk=desk, head=head)
    answer = rate(url, f.at(6, 9), satisfaction="unsatisfied", comment="x")
    assert answer.status_code == 410 and b"rating-replaced" in answer.content
    assert Revisit.objects.get().method == "phone"


def test_resolving_again_sends_a_new_link_and_the_old_one_stops(desk, head):
    c = resolved(desk, head)
    first = link_of(c)
    rate(first, f.at(6, 9), satisfaction="unsatisfied", comment="没修好")
    with time_machine.travel(f.at(6, 11), tick=False):
        from complaints import services

        c = Complaint.objects.get(pk=c.pk)
        services.work_order_sign(work_order=c.active_work_order, by=head)
        services.complaint_resolve(complaint=c, by=head, result="再修")
    second = link_of(c)
    assert second != first
    assert rate(first, f.at(6, 12), satisfaction="satisfied").status_code == 200  # "used"
    assert rate(second, f.at(6, 12), satisfaction="basic").status_code == 302
    assert Complaint.objects.get(pk=c.pk).state == Complaint.State.REVISITED
    assert list(Revisit.objects.order_by("at").values_list("satisfaction", flat=True)) == [
        "unsatisfied",
        "basic",
    ]


def test_the_page_speaks_the_residents_language(desk, head):
    c = resolved(desk, head, res=f.resident(language="en"))
    with time_machine.travel(f.at(6, 9), tick=False):
        page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(link_of(c))
    assert b"Rate the handling of your complaint" in page.content


def test_the_revisit_queue_shows_what_was_rated_online_and_what_needs_a_call(desk, head):
    waiting = resolved(desk, head)
    rated = resolved(desk, head, res=f.resident(name="乙", unit=f.unit("0901")))
    no_sms = resolved(desk, head, res=f.resident(name="丙", unit=f.unit("0902"), sms_opt_out=True))
    rate(link_of(rated), f.at(6, 9), satisfaction="satisfied")
    client = Client()
    client.force_login(desk)
    with time_machine.travel(f.at(6, 10), tick=False):
        page = client.get("/complaints/revisits/").content.decode()
    assert f'data-testid="rated-online-{rated.number}"' in page
    assert f'data-testid="link-sent-{waiting.number}"' in page
    assert f'data-testid="needs-call-{no_sms.number}"' in page
