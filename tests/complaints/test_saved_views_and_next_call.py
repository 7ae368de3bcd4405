"""Saved views (a user's named filters on a list) and the revisit queue's "next call"."""

import pytest
import time_machine
from django.urls import reverse

from complaints import selectors, services
from complaints.models import Complaint, Revisit, SavedView
from complaints.services import ServiceError

from . import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at(5, 10)


def in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})


def save(client, name, query="state=received&page=3", scope="complaints"):
    return client.post(
        reverse("saved-view-create"), {"scope": scope, "name": name, "query": query}, follow=True
    )


# --- saved views -------------------------------------------------------------------------------
def test_a_user_saves_the_filters_and_gets_them_back_from_the_dropdown(client, desk):
    client.force_login(desk)
    response = save(client, "今天新登记", "state=received&severity=minor&page=3&evil=1")
    view = SavedView.objects.get()
    assert view.user == desk and view.scope == "complaints"
    assert view.query == "state=received&severity=minor"  # page and unknown parameters dropped
    assert response.redirect_chain[-1][0] == reverse("complaint-list") + "?" + view.query
    html = client.get(reverse("complaint-list")).content.decode()
    assert "今天新登记" in html and reverse("saved-view-open", args=[view.pk]) in html
    opened = client.get(reverse("saved-view-open", args=[view.pk]))
    assert opened["Location"] == reverse("complaint-list") + "?state=received&severity=minor"


@pytest.mark.parametrize(
    ("scope", "page"),
    [
        ("work_orders", "work-orders"),
        ("revisits", "revisit-queue"),
        ("escalations", "escalations"),
    ],
)
def test_every_list_has_its_saved_views(client, people, scope, page):
    manager = people["manager"]
    client.force_login(manager)
    services.saved_view_create(user=manager, scope=scope, name="我的", query="")
    with time_machine.travel(NOW, tick=False):
        html = client.get(reverse(page)).content.decode()
    assert 'data-testid="list-tools"' in html and "我的" in html


def test_saving_the_same_name_twice_is_harmless(client, desk):
    client.force_login(desk)
    save(client, "超时")
    save(client, "超时")  # a double click
    assert SavedView.objects.count() == 1


def test_the_same_name_with_other_filters_is_refused_with_a_clear_message(client, desk):
    client.force_login(desk)
    in_english(client)
    save(client, "超时", "overdue=on")
    response = save(client, "超时", "state=received")
    assert "You already have a view named" in response.content.decode()
    assert SavedView.objects.get().query == "overdue=on"


def test_two_people_may_use_the_same_name(desk, people):
    services.saved_view_create(user=desk, scope="complaints", name="超时", query="overdue=on")
    services.saved_view_create(
        user=people["supervisor"], scope="complaints", name="超时", query="state=received"
    )
    assert SavedView.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("  两个   空格  ", "两个 空格"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("坏\u202e名字\x07", "坏名字"),
        ("'; DROP TABLE complaints_savedview; --", "'; DROP TABLE complaints_savedview; --"),
    ],
)
def test_naughty_names_are_cleaned_and_shown_as_text(client, desk, name, stored):
    client.force_login(desk)
    save(client, name)
    assert SavedView.objects.get().name == stored
    html = client.get(reverse("complaint-list")).content.decode()
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200b", "a\x00b", "长" * 61, "x" * 300])
def test_an_empty_or_too_long_name_is_refused(client, desk, name):
    client.force_login(desk)
    response = save(client, name)
    assert response.status_code == 200
    assert not SavedView.objects.exists()


def test_an_unknown_list_is_404(client, desk):
    client.force_login(desk)
    response = client.post(
        reverse("saved-view-create"), {"scope": "admin", "name": "x", "query": ""}
    )
    assert response.status_code == 404
    with pytest.raises(ServiceError):
        services.saved_view_create(user=desk, scope="admin", name="x", query="")


def test_someone_elses_saved_view_is_404_to_open_or_delete(client, desk, people):
    theirs = services.saved_view_create(
        user=people["supervisor"], scope="complaints", name="主管的", query="overdue=on"
    )
    client.force_login(desk)
    assert client.get(reverse("saved-view-open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("saved-view-delete", args=[theirs.pk])).status_code == 404
    assert SavedView.objects.filter(pk=theirs.pk).exists()
    html = client.get(reverse("complaint-list")).content.decode()
    assert "主管的" not in html


def test_a_user_deletes_their_own_view(client, desk):
    view = services.saved_view_create(user=desk, scope="escalations", name="未知悉", query="")
    client.force_login(desk)
    response = client.post(reverse("saved-view-delete", args=[view.pk]))
    assert response["Location"] == reverse("escalations")
    assert not SavedView.objects.exists()


# --- next call in the revisit queue --------------------------------------------------------------
@pytest.fixture
def queue(desk, head):
    """Three resolved complaints waiting for their revisit, in the queue's order."""
    with time_machine.travel(f.at(2, 9), tick=False):
        for n, room in enumerate(("1201", "1202", "1203")):
            res = f.resident(phone=f"+861380000000{n}", unit=f.unit(room))
            f.advance(f.complaint(desk, res=res), "resolved", desk=desk, head=head)
    found = list(selectors.revisit_queue_of(desk))
    assert len(found) == 3
    return found


def revisit(client, c, *, then="next", queue="", filters=""):
    return client.post(
        reverse("complaint-action", args=[c.pk, "revisit_satisfied"]),
        {
            "revisit_satisfied-method": "phone",
            "revisit_satisfied-satisfaction": Revisit.Satisfaction.SATISFIED,
            "revisit_satisfied-comment": "满意",
            "then": then,
            "queue": queue,
            "filters": filters,
        },
    )


def test_save_and_next_opens_the_next_complaint_of_the_queue(client, desk, queue):
    first, second, third = queue
    client.force_login(desk)
    page = client.get(reverse("revisit-queue")).content.decode()
    assert f'name="queue" value="{second.pk},{third.pk}"' in page
    with time_machine.travel(NOW, tick=False):
        response = revisit(client, first, queue=f"{second.pk},{third.pk}")
        opened = client.get(response["Location"]).content.decode()
    assert Complaint.objects.get(pk=first.pk).state == "revisited"
    assert response["Location"] == (
        reverse("revisit-queue") + f"?call={second.pk}#revisit-{second.pk}"
    )
    assert opened.count('data-testid="next-call"') == 1
    card = opened.split(f'id="revisit-{second.pk}"')[1].split('<div class="card mb-2')[0]
    assert 'data-testid="next-call"' in card


def test_a_skipped_complaint_is_not_called_again_and_filters_are_kept(client, desk, queue):
    _first, second, third = queue
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = revisit(client, second, queue=f"{third.pk}", filters="mine=1&evil=x")
    assert response["Location"] == (
        reverse("revisit-queue") + f"?mine=1&call={third.pk}#revisit-{third.pk}"
    )


def test_the_end_of_the_queue_is_said_plainly(client, desk, queue):
    client.force_login(desk)
    in_english(client)
    with time_machine.travel(NOW, tick=False):
        response = revisit(client, queue[-1], queue="")
        page = client.get(response["Location"]).content.decode()
    assert response["Location"] == reverse("revisit-queue")
    assert "That was the last call in the queue." in page


def test_the_next_call_skips_what_is_gone_or_not_visible(client, desk, head, queue):
    first, second, third = queue
    with time_machine.travel(f.at(4, 9), tick=False):
        f.advance(Complaint.objects.get(pk=second.pk), "revisited", desk=desk, head=head)
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = revisit(client, first, queue=f"abc,99999999999,{second.pk},-4,{third.pk}")
    assert f"call={third.pk}" in response["Location"]


def test_record_revisit_alone_still_opens_the_complaint(client, desk, queue):
    client.force_login(desk)
    with time_machine.travel(NOW, tick=False):
        response = revisit(client, queue[0], then="")
    assert response["Location"] == reverse("complaint-detail", args=[queue[0].pk])


@pytest.mark.parametrize(
    "query", [{"call": "abc"}, {"call": "9" * 30}, {"department": "x"}, {"mine": "<b>"}]
)
def test_bad_revisit_queue_parameters_are_ignored(client, desk, queue, query):
    client.force_login(desk)
    assert client.get(reverse("revisit-queue"), query).status_code == 200


def test_the_revisit_queue_filters_to_mine_and_a_department(client, desk, queue):
    client.force_login(desk)
    other = f.staff("front_desk")
    engineering = f.department("engineering").pk
    security = f.department("security").pk
    page = client.get(reverse("revisit-queue"), {"department": engineering}).content.decode()
    assert all(c.number in page for c in queue)
    page = client.get(reverse("revisit-queue"), {"department": security}).content.decode()
    assert not any(c.number in page for c in queue)
    client.force_login(other)
    page = client.get(reverse("revisit-queue"), {"mine": "1"}).content.decode()
    assert not any(c.number in page for c in queue)
