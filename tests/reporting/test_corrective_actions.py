"""Corrective and preventive actions (不合格纠正与预防措施): recorded, verified, reported."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from complaints.services import ServiceError
from reporting import selectors, services
from reporting.models import CorrectiveAction
from tests.complaints import factories as f

from .conftest import now, the_month

pytestmark = pytest.mark.django_db

ADD = "admin:reporting_correctiveaction_add"


def missing_numbers():
    with time_machine.travel(now(), tick=False):
        stats = selectors.monthly_statistics(viewer=None, month=the_month())
    return [c.number for c in stats.missing_actions], stats.counts


def test_statistics_link_opens_the_form_with_the_complaint_chosen(client, october, manager):
    client.force_login(manager)
    c = october["C"]
    response = client.get(reverse(ADD), {"complaints": str(c.pk)})
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["complaints"] == [str(c.pk)]


def test_recording_an_action_takes_the_complaint_off_the_missing_list(client, october, manager):
    c = october["C"]
    assert c.number in missing_numbers()[0]
    client.force_login(manager)
    response = client.post(
        reverse(ADD),
        {
            "title": "维修超时",
            "complaints": [c.pk],
            "cause_analysis": "配件采购流程长",
            "action": "常用配件备库",
            "owner": manager.pk,
            "due_date": "2026-11-30",
            "verification_note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    action = CorrectiveAction.objects.get(title="维修超时")
    assert action.created_by == manager and action.status == CorrectiveAction.Status.OPEN
    numbers, counts = missing_numbers()
    assert c.number not in numbers
    assert counts["serious_missing"] == 2 and counts["loss_missing"] == 1  # K's 500 remains


def test_manager_verifies_from_the_form(client, october, manager):
    action = CorrectiveAction.objects.get(title="收费争议处理流程不清")
    client.force_login(manager)
    response = client.post(
        reverse("admin:reporting_correctiveaction_change", args=[action.pk]),
        {
            "title": action.title,
            "complaints": [october["J"].pk],
            "cause_analysis": action.cause_analysis,
            "action": action.action,
            "owner": manager.pk,
            "due_date": "2026-11-30",
            "verification_note": "连续一个月无同类投诉",
            "verify_now": "on",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.DONE
    assert action.verified_by == manager and action.verified_at is not None


def test_verification_needs_a_note_and_the_permission(october, manager):
    action = CorrectiveAction.objects.get(title="收费争议处理流程不清")
    with pytest.raises(ServiceError, match="verified"):
        services.corrective_action_verify(action=action, by=manager)
    with pytest.raises(PermissionDenied):
        services.corrective_action_verify(action=action, by=f.staff("supervisor"), note="好")
    done = services.corrective_action_verify(action=action, by=manager, note="已见效")
    assert done.status == CorrectiveAction.Status.DONE
    with pytest.raises(ServiceError, match="already"):
        services.corrective_action_verify(action=action, by=manager, note="再次")


def test_admin_action_verifies_the_selected(client, october, manager):
    action = CorrectiveAction.objects.get(title="收费争议处理流程不清")
    CorrectiveAction.objects.filter(pk=action.pk).update(verification_note="已见效")
    client.force_login(manager)
    client.post(
        reverse("admin:reporting_correctiveaction_changelist"),
        {"action": "verify", "_selected_action": [action.pk]},
    )
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.DONE


def test_supervisor_records_but_cannot_verify(client, october):
    supervisor = f.staff("supervisor")
    client.force_login(supervisor)
    page = client.get(reverse(ADD)).content.decode()
    assert 'name="title"' in page and 'name="verify_now"' not in page


def test_done_without_verification_is_impossible(manager):
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectiveAction.objects.create(
            title="x",
            cause_analysis="y",
            action="z",
            owner=manager,
            due_date=dt.date(2026, 11, 1),
            status=CorrectiveAction.Status.DONE,
            created_by=manager,
        )


def test_open_actions_list_links_to_the_corrective_action_admin(client, october, manager):
    client.force_login(manager)
    with time_machine.travel(now(), tick=False):
        html = client.get(
            reverse("admin:reporting_monthlystatistics_changelist"), {"month": "2026-10"}
        ).content.decode()
    changelist = reverse("admin:reporting_correctiveaction_changelist")
    assert f'{changelist}?status__exact=open"' in html
    assert f"{changelist}?status__exact=open&amp;due_date__lt=2026-11-10" in html
    with time_machine.travel(now(), tick=False):
        listing = client.get(changelist, {"status__exact": "open", "due_date__lt": "2026-11-10"})
    assert listing.context["cl"].result_count == 1


def test_the_admin_names_people_not_user_names(client, django_user_model):
    from reporting.models import CorrectiveAction

    boss = django_user_model.objects.create_superuser(
        "root", "r@example.com", "pw", last_name="王", first_name="丽"
    )
    owner = django_user_model.objects.create_user("li_m", last_name="李", first_name="明")
    action = CorrectiveAction.objects.create(
        title="电梯维保",
        cause_analysis="维保不到位",
        action="更换维保单位",
        owner=owner,
        due_date="2026-12-31",
        created_by=boss,
    )
    client.force_login(boss)
    listing = client.get("/admin/reporting/correctiveaction/").content.decode()
    assert "李明" in listing and "li_m" not in listing
    page = client.get(f"/admin/reporting/correctiveaction/{action.pk}/change/").content.decode()
    assert "王丽" in page
