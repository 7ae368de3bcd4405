"""The escalations page: roles and deadlines in words, filters that bad input cannot break,
summary cards that filter, and acknowledging (已知悉) and assigning an escalation — only by
the people it was raised to (or management), recorded on the timeline, harmless twice."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from complaints import permissions as perms
from complaints import services
from complaints.models import ComplaintEvent, Escalation, Notification
from complaints.services import ServiceError
from complaints.timeline_text import event_text

from . import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at(5, 10)


def confirmed(desk, head, *, department="engineering"):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk, at=f.at(2, 9))
        c = f.advance(c, "confirmed", desk=desk, head=head)
    if department != "engineering":
        c.active_work_order.department = f.department(department)
        c.active_work_order.save(update_fields=["department"])
    return c


def escalation(c, *, level=1, role="supervisor", clock="resolve"):
    return Escalation.objects.create(
        complaint=c, clock=clock, level=level, role=role, due_at=f.at(4, 9), escalated_at=f.at(4, 9)
    )


@pytest.fixture
def case(desk, head, people):
    c = confirmed(desk, head)
    return {
        "complaint": c,
        "l1": escalation(c, level=1, role="supervisor"),
        "l3": escalation(c, level=3, role="general_manager"),
        "dispatch": escalation(c, level=1, role="supervisor", clock="dispatch"),
    }


def in_english(client):
    """Pages in English (they open in Chinese), so messages can be read in the source text."""
    client.post(reverse("set_language"), {"language": "en", "next": "/"})


def acknowledged_events(c):
    return ComplaintEvent.objects.filter(complaint=c, code="escalation_acknowledged")


# --- the rules -------------------------------------------------------------------------------
def test_the_role_it_was_raised_to_and_management_may_act_on_an_escalation(case, desk, people):
    l1, l3 = case["l1"], case["l3"]
    assert perms.can_acknowledge_escalation(people["supervisor"], l1)
    assert perms.can_acknowledge_escalation(people["manager"], l1)  # management: any
    assert perms.can_acknowledge_escalation(people["gm"], l3)
    assert not perms.can_acknowledge_escalation(people["supervisor"], l3)
    assert not perms.can_acknowledge_escalation(desk, l1)


def test_only_the_handling_departments_head_acts_on_an_escalation_raised_to_heads(case, head):
    raised = escalation(case["complaint"], level=1, role="department_head", clock="progress")
    other = f.staff("department_head", department_code="security")
    assert perms.can_acknowledge_escalation(head, raised)
    assert not perms.can_acknowledge_escalation(other, raised)


# --- acknowledging ---------------------------------------------------------------------------
def test_a_supervisor_acknowledges_and_the_timeline_says_so(client, case, people):
    client.force_login(people["supervisor"])
    in_english(client)
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("escalation-acknowledge", args=[case["l1"].pk]))
    assert response.status_code == 302
    e = Escalation.objects.get(pk=case["l1"].pk)
    assert e.acknowledged_at == NOW and e.acknowledged_by == people["supervisor"]
    event = acknowledged_events(case["complaint"]).get()
    assert event.actor == people["supervisor"] and event.kind == "escalated"
    assert event.params["level"] == 1 and event.params["role"] == "supervisor"
    assert event.note == ""  # the sentence is rendered in the reader's language
    with translation.override("en"):
        text = event_text(event)
        assert text.startswith("Escalation acknowledged (resolution, level 1, raised to the ")
        assert "supervisor" in text
    with translation.override("zh-hans"):
        assert "acknowledged" not in event_text(event)


def test_acknowledging_twice_records_it_once(client, case, people):
    client.force_login(people["supervisor"])
    url = reverse("escalation-acknowledge", args=[case["l1"].pk])
    with time_machine.travel(NOW, tick=False):
        client.post(url)
    client.force_login(people["manager"])
    in_english(client)
    with time_machine.travel(f.at(5, 11), tick=False):
        response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "already acknowledged" in response.content.decode()
    e = Escalation.objects.get(pk=case["l1"].pk)
    assert e.acknowledged_by == people["supervisor"] and e.acknowledged_at == NOW
    assert acknowledged_events(case["complaint"]).count() == 1


def test_someone_it_was_not_raised_to_cannot_acknowledge_it(client, case, desk, people):
    for user, e in ((desk, case["l1"]), (people["supervisor"], case["l3"])):
        client.force_login(user)
        response = client.post(reverse("escalation-acknowledge", args=[e.pk]))
        assert response.status_code == 403
    assert not Escalation.objects.filter(acknowledged_at__isnull=False).exists()
    assert not acknowledged_events(case["complaint"]).exists()


def test_acknowledging_an_escalation_that_does_not_exist_is_404(client, people):
    client.force_login(people["supervisor"])
    assert client.post(reverse("escalation-acknowledge", args=[987654])).status_code == 404


def test_after_acknowledging_the_page_comes_back_with_its_filters(client, case, people):
    client.force_login(people["supervisor"])
    back = reverse("escalations") + "?acknowledged=no"
    response = client.post(reverse("escalation-acknowledge", args=[case["l1"].pk]), {"next": back})
    assert response["Location"] == back
    response = client.post(
        reverse("escalation-acknowledge", args=[case["dispatch"].pk]),
        {"next": "https://evil.example.com/"},
    )
    assert response["Location"] == reverse("escalations")


# --- assigning -------------------------------------------------------------------------------
def test_a_manager_assigns_the_follow_up_to_the_handling_head(client, case, head, people):
    client.force_login(people["manager"])
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("escalation-assign", args=[case["l3"].pk]), {"to": head.pk}, follow=True
        )
    assert response.status_code == 200
    e = Escalation.objects.get(pk=case["l3"].pk)
    assert e.assigned_to == head
    assert e.acknowledged_by == people["manager"]  # handing it on acknowledges it
    assert ComplaintEvent.objects.filter(code="escalation_assigned", params__to=head.pk).exists()
    told = Notification.objects.get(recipient=head, complaint=case["complaint"], event="assigned")
    assert told.event == "assigned" and told.params["clock"] == case["l3"].clock
    with translation.override("en"):
        assert "asks you to follow up its escalation" in told.text
    with translation.override("zh-hans"):
        assert "asks you" not in told.text


def test_assigning_the_same_person_twice_changes_nothing_the_second_time(case, head, people):
    with time_machine.travel(NOW, tick=False):
        assert services.escalation_assign(escalation=case["l1"], to=head, by=people["manager"])
        assert not services.escalation_assign(escalation=case["l1"], to=head, by=people["manager"])
    assert ComplaintEvent.objects.filter(code="escalation_assigned").count() == 1


def test_it_cannot_be_assigned_to_someone_who_cannot_follow_the_complaint_up(client, case, people):
    other_head = f.staff("department_head", department_code="security")
    with pytest.raises(ServiceError):
        services.escalation_assign(escalation=case["l1"], to=other_head, by=people["manager"])
    client.force_login(people["manager"])
    in_english(client)
    response = client.post(
        reverse("escalation-assign", args=[case["l1"].pk]), {"to": other_head.pk}, follow=True
    )
    assert "cannot follow this complaint up" in response.content.decode()
    assert Escalation.objects.get(pk=case["l1"].pk).assigned_to is None


@pytest.mark.parametrize("to", ["", "abc", "99999999", "-1", "1 OR 1=1"])
def test_a_bad_assignee_is_refused_with_a_message(client, case, people, to):
    client.force_login(people["supervisor"])
    in_english(client)
    response = client.post(
        reverse("escalation-assign", args=[case["l1"].pk]), {"to": to}, follow=True
    )
    assert response.status_code == 200
    assert "Choose the person" in response.content.decode()
    assert Escalation.objects.get(pk=case["l1"].pk).assigned_to is None


def test_the_desk_may_not_assign_a_supervisors_escalation(client, case, desk, head):
    client.force_login(desk)
    response = client.post(reverse("escalation-assign", args=[case["l1"].pk]), {"to": head.pk})
    assert response.status_code == 403
    assert Escalation.objects.get(pk=case["l1"].pk).assigned_to is None


# --- the page --------------------------------------------------------------------------------
def rows_html(response) -> str:
    page = response.content.decode()
    start = page.index('data-testid="escalation-rows"')
    return page[start : page.index("</tbody>", start)]


def test_roles_and_deadlines_are_in_words_in_both_languages(client, case, people):
    client.force_login(people["manager"])
    with time_machine.travel(NOW, tick=False):
        zh = rows_html(client.get(reverse("escalations")))
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        en = rows_html(client.get(reverse("escalations")))
    assert "General manager" in en and "Resolution" in en and "Level 3" in en
    assert "总经理" in zh and "客服主管" in zh
    for raw in ("general_manager", ">resolve<", ">supervisor<", ">dispatch<"):
        assert raw not in en and raw not in zh


def shown(response) -> set[int]:
    html = rows_html(response)
    return {e.pk for e in Escalation.objects.all() if f'data-testid="escalation-{e.pk}"' in html}


def test_the_filters_narrow_the_list(client, case, people):
    client.force_login(people["manager"])
    services.escalation_acknowledge(escalation=case["l3"], by=people["gm"])
    url = reverse("escalations")
    with time_machine.travel(NOW, tick=False):
        assert shown(client.get(url, {"level": "3"})) == {case["l3"].pk}
        assert shown(client.get(url, {"clock": "dispatch"})) == {case["dispatch"].pk}
        assert shown(client.get(url, {"acknowledged": "yes"})) == {case["l3"].pk}
        assert shown(client.get(url, {"acknowledged": "no"})) == {
            case["l1"].pk,
            case["dispatch"].pk,
        }
        security = f.department("security").pk
        assert shown(client.get(url, {"department": security})) == set()
        engineering = f.department("engineering").pk
        assert len(shown(client.get(url, {"department": engineering}))) == 3


@pytest.mark.parametrize(
    "query",
    [
        {"level": "abc"},
        {"level": "99"},
        {"clock": "<script>alert(1)</script>"},
        {"clock": "reminder"},
        {"department": "99999999999999999999999"},
        {"department": "x"},
        {"acknowledged": "maybe"},
        {"overdue": "1'--"},
        {"page": "-3"},
        {"page": "99999999999999"},
        {"assign": "abc"},
    ],
)
def test_bad_filter_values_are_ignored_not_a_failure(client, case, people, query):
    client.force_login(people["manager"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("escalations"), query)
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_the_summary_cards_are_links_that_filter_the_list(client, case, people):
    client.force_login(people["manager"])
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("escalations")).content.decode()
        assert 'href="?acknowledged=no"' in page
        assert 'href="?clock=resolve&amp;overdue=yes"' in page
        assert 'href="?clock=dispatch&amp;overdue=yes"' in page
        filtered = client.get(reverse("escalations"), {"clock": "resolve", "overdue": "yes"})
    # The complaint is past its resolution deadline on the 5th: its resolution escalations.
    assert shown(filtered) == {case["l1"].pk, case["l3"].pk}


def test_the_assign_form_opens_only_for_the_chosen_row_and_only_for_those_who_may(
    client, case, people
):
    client.force_login(people["supervisor"])
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("escalations"), {"assign": case["l1"].pk}).content.decode()
        other = client.get(reverse("escalations"), {"assign": case["l3"].pk}).content.decode()
    assert f'data-testid="assign-form-{case["l1"].pk}"' in page
    assert f'data-testid="acknowledge-{case["l3"].pk}"' not in page  # raised to the GM
    assert f'data-testid="assign-form-{case["l3"].pk}"' not in other
