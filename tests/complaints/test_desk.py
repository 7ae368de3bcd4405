"""The faster, safer desk: the category chooser, each category's usual department, register and
dispatch in one step, possible duplicates, a form sent twice, the room carried from the look-up,
and search by any part of a phone."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from complaints import selectors, services
from complaints.forms import ConfirmForm, IntakeForm
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintSequence,
    Notification,
    WorkOrder,
)
from complaints.pinyin import category_search_keys, search_keys
from complaints.services import ServiceError

from . import factories as f

pytestmark = pytest.mark.django_db

NOW = f.at(20, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _room(db):
    """翠湖花园 3-2-1201, the room the forms below are about."""
    return f.unit()


@pytest.fixture
def lift():
    """设备管理 / 电梯, usually handled by engineering."""
    category = Category.objects.get(code="equipment-3")
    Category.objects.filter(code="equipment").update(default_department=f.department())
    return Category.objects.get(pk=category.pk)


def form_data(**extra):
    data = {
        "contact_name": "王先生",
        "contact_phone": "13812345678",
        "channel": "phone",
        "description": "电梯又停在半层",
        "room": "3-2-1201",
        "submission": uuid.uuid4().hex,
    }
    data.update(extra)
    return data


# --- category chooser ----------------------------------------------------------------------
def test_a_category_is_found_by_its_text_its_pinyin_and_its_initials(lift):
    keys = category_search_keys(lift).split()
    for typed in ("电梯", "dianti", "dt", "设备管理", "sbgl"):
        assert any(typed in k for k in keys), typed
    assert "jps" in search_keys("给排水管道")  # 给 read as ji as well as gei
    assert search_keys("") == "" and search_keys("<b>") == "<b>"


def test_the_chooser_groups_categories_by_heading_and_works_without_javascript(lift):
    html = str(IntakeForm(user=None)["category"])
    assert '<optgroup label="设备管理">' in html
    option = html.split(f'value="{lift.pk}"')[1].split(">")[0]
    assert "dt" in option and f'data-department="{f.department().pk}"' in option
    assert html.index('<optgroup label="房屋管理">') < html.index('<optgroup label="设备管理">')


# --- usual department -------------------------------------------------------------------------
def test_confirm_page_proposes_the_categorys_usual_department(client, desk, lift):
    c = f.complaint(desk, category=lift)
    client.force_login(desk)
    page = client.get(reverse("complaint-confirm", args=[c.pk])).content.decode()
    selected = page.split('name="confirm-department"')[1].split("</select>")[0]
    assert f'value="{f.department().pk}" selected' in selected


def test_confirming_without_a_department_sends_it_to_the_usual_one(lift):
    form = ConfirmForm({"severity": "minor", "category": lift.pk, "validity": "valid"}, prefix=None)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["department"] == f.department()
    other = Category.objects.get(code="service-1")  # no usual department
    form = ConfirmForm({"severity": "minor", "category": other.pk, "validity": "valid"})
    assert not form.is_valid() and "department" in form.errors


def test_the_usual_department_is_editable_in_the_admin_list(admin_client, lift):
    page = admin_client.get(reverse("admin:complaints_category_changelist")).content.decode()
    assert 'name="form-0-default_department"' in page


def test_the_demo_gives_every_category_a_usual_department():
    from complaints.demo import seed_category_departments

    seed_category_departments()
    assert not Category.objects.filter(default_department__isnull=True).exists()
    assert Category.objects.get(code="equipment-3").default_department.code == "engineering"


# --- register and dispatch ------------------------------------------------------------------
def _create_fields(**extra):
    fields = dict(
        channel="phone",
        description="电梯困人",
        contact_name="王先生",
        contact_phone="+8613812345678",
        unit=f.unit(),
    )
    fields.update(extra)
    return fields


def test_register_and_dispatch_is_one_step(desk, lift):
    done = services.complaint_register(
        by=desk,
        dispatch=services.DispatchChoice(severity="important", department=f.department()),
        **_create_fields(category=lift),
    )
    c = Complaint.objects.get()
    assert done.created and c.state == Complaint.State.CONFIRMED
    assert c.severity == "important" and c.validity == "valid"
    assert done.work_order.department == f.department()
    kinds = list(c.events.values_list("kind", flat=True))
    assert kinds[0] == "created" and "classified" in kinds and "dispatched" in kinds


def test_register_and_dispatch_without_a_department_saves_nothing(desk, lift):
    with pytest.raises(ValidationError) as refused:
        services.complaint_register(
            by=desk,
            dispatch=services.DispatchChoice(severity="minor", department=None),
            **_create_fields(category=lift),
        )
    assert "department" in refused.value.message_dict
    assert not Complaint.objects.exists()


def test_register_and_dispatch_is_all_or_nothing(desk, lift, monkeypatch):
    def broken(**kwargs):
        raise ServiceError("the dispatch failed")

    monkeypatch.setattr("complaints.services.desk.complaint_confirm", broken)
    with pytest.raises(ServiceError):
        services.complaint_register(
            by=desk,
            dispatch=services.DispatchChoice(severity="minor", department=f.department()),
            **_create_fields(category=lift),
        )
    assert not Complaint.objects.exists() and not ComplaintEvent.objects.exists()
    assert not ComplaintSequence.objects.filter(last_value__gt=0).exists()


def test_only_those_who_dispatch_may_register_and_dispatch(lift):
    from django.contrib.auth.models import Permission

    clerk = f.staff("front_desk")
    clerk.groups.clear()
    clerk.user_permissions.add(Permission.objects.get(codename="add_complaint"))
    with pytest.raises(PermissionDenied):
        services.complaint_register(
            by=clerk,
            dispatch=services.DispatchChoice(severity="minor", department=f.department()),
            **_create_fields(category=lift),
        )
    assert not Complaint.objects.exists()


def test_register_and_dispatch_from_the_form(client, desk, lift):
    client.force_login(desk)
    response = client.post(
        reverse("complaint-intake"),
        form_data(category=lift.pk, intent="dispatch", severity="minor"),
        follow=True,
    )
    c = Complaint.objects.get()
    assert c.state == Complaint.State.CONFIRMED and c.department == f.department()
    assert WorkOrder.objects.filter(complaint=c, department=f.department()).exists()
    assert c.number in response.content.decode()


def test_register_and_dispatch_without_a_usual_department_asks_for_one(client, desk):
    client.force_login(desk)
    other = Category.objects.get(code="service-1")
    response = client.post(
        reverse("complaint-intake"),
        form_data(category=other.pk, intent="dispatch", severity="minor"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "invalid-feedback" in page and "电梯又停在半层" in page
    assert not Complaint.objects.exists()


def test_register_and_dispatch_without_a_category_asks_for_one(client, desk):
    client.force_login(desk)
    response = client.post(reverse("complaint-intake"), form_data(intent="dispatch"))
    assert response.status_code == 400 and not Complaint.objects.exists()


# --- the same form twice ------------------------------------------------------------------------
def test_the_same_form_sent_twice_registers_one_complaint(client, desk, lift):
    client.force_login(desk)
    data = form_data(category=lift.pk, intent="dispatch", severity="minor")
    first = client.post(reverse("complaint-intake"), data)
    second = client.post(reverse("complaint-intake"), data)
    c = Complaint.objects.get()
    assert first["Location"] == second["Location"] == reverse("complaint-detail", args=[c.pk])
    assert WorkOrder.objects.count() == 1


def test_the_service_gives_back_the_first_complaint_for_the_same_submission(desk):
    key = uuid.uuid4().hex
    first = services.complaint_register(by=desk, submission=key, **_create_fields())
    again = services.complaint_register(by=desk, submission=key, **_create_fields())
    assert first.created and not again.created and again.complaint == first.complaint
    other = services.complaint_register(by=desk, submission=uuid.uuid4().hex, **_create_fields())
    assert other.created and Complaint.objects.count() == 2


def test_another_persons_submission_key_is_not_theirs(desk, lift):
    key = uuid.uuid4().hex
    services.complaint_register(by=desk, submission=key, **_create_fields())
    colleague = f.staff("front_desk")
    assert services.complaint_register(by=colleague, submission=key, **_create_fields()).created


# --- possible duplicates --------------------------------------------------------------------
def _earlier(desk, lift, *, hours_ago=2, **kw):
    fields = dict(res=f.resident(), category=lift, at=NOW - dt.timedelta(hours=hours_ago))
    fields.update(kw)
    return f.complaint(desk, **fields)


def test_a_possible_duplicate_is_shown_before_saving(client, desk, lift):
    earlier = _earlier(desk, lift)
    client.force_login(desk)
    response = client.post(reverse("complaint-intake"), form_data(category=lift.pk))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="duplicates"' in page
    assert earlier.number in page and f'name="add_to" value="{earlier.pk}"' in page
    assert "电梯又停在半层" in page  # what was typed is kept
    assert Complaint.objects.count() == 1


def test_adding_the_call_to_the_duplicate_makes_no_second_complaint(client, desk, lift):
    earlier = _earlier(desk, lift)
    client.force_login(desk)
    data = form_data(category=lift.pk, contact_name="李太太", add_to=str(earlier.pk))
    response = client.post(reverse("complaint-intake"), data)
    assert response["Location"] == reverse("complaint-detail", args=[earlier.pk])
    assert Complaint.objects.count() == 1
    repeat = ComplaintEvent.objects.get(complaint=earlier, kind=ComplaintEvent.Kind.REPEAT)
    assert "李太太" in repeat.note and "电梯又停在半层" in repeat.note
    assert repeat.actor == desk and repeat.params["phone"] == "138****5678"
    client.post(reverse("complaint-intake"), data)  # sent again: still one report
    assert ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.REPEAT).count() == 1


def test_the_owner_hears_that_the_resident_called_again(client, desk, lift):
    earlier = _earlier(desk, lift)
    colleague = f.staff("front_desk", username="desk2")
    client.force_login(colleague)
    data = form_data(category=lift.pk, contact_name="李太太", add_to=str(earlier.pk))
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("complaint-intake"), data)
    told = Notification.objects.get(recipient=desk, complaint=earlier)
    assert told.event == "repeat" and told.params["said"]
    with translation.override("en"):
        assert f"{earlier.number}" in told.text and "reported again" in told.text
    assert not Notification.objects.filter(recipient=colleague).exists()


def test_register_anyway_registers_a_second_complaint(client, desk, lift):
    earlier = _earlier(desk, lift)
    client.force_login(desk)
    data = form_data(category=lift.pk, duplicates_seen=str(earlier.pk), intent="save")
    response = client.post(reverse("complaint-intake"), data)
    assert response.status_code == 302 and Complaint.objects.count() == 2


def test_the_same_phone_counts_as_a_duplicate_and_so_does_the_same_resident(desk, lift):
    earlier = _earlier(desk, lift)
    found = selectors.possible_duplicates(user=desk, category_id=lift.pk, phone="+8613812345678")
    assert found == [earlier]
    assert selectors.possible_duplicates(
        user=desk, category_id=lift.pk, resident_id=earlier.resident_id
    ) == [earlier]


def test_old_archived_or_other_matters_are_not_duplicates(desk, head, lift):
    _earlier(desk, lift, hours_ago=25)
    _earlier(desk, Category.objects.get(code="equipment-2"))
    closed = _earlier(desk, lift, hours_ago=3)
    Complaint.objects.filter(pk=closed.pk).update(state=Complaint.State.CLOSED)
    assert selectors.possible_duplicates(user=desk, category_id=lift.pk, unit_id=f.unit().pk) == []
    assert selectors.possible_duplicates(user=desk, category_id=None, unit_id=f.unit().pk) == []
    assert selectors.possible_duplicates(user=desk, category_id=lift.pk) == []


def test_adding_to_a_complaint_that_is_not_a_duplicate_is_refused(client, desk, lift):
    _earlier(desk, lift)
    elsewhere = f.complaint(
        desk, res=f.resident(name="赵芳", phone="+8613900001111", unit=f.unit("1202"))
    )
    client.force_login(desk)
    response = client.post(
        reverse("complaint-intake"), form_data(category=lift.pk, add_to=str(elsewhere.pk))
    )
    assert response.status_code == 400
    assert not ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.REPEAT).exists()
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize("add_to", ["999999", "1 OR 1=1", "-1", "../1"])
def test_adding_to_an_unknown_complaint_is_404(client, desk, lift, add_to):
    _earlier(desk, lift)
    client.force_login(desk)
    response = client.post(reverse("complaint-intake"), form_data(category=lift.pk, add_to=add_to))
    assert response.status_code == 404
    assert Complaint.objects.count() == 1


def test_a_report_on_an_archived_complaint_or_by_a_head_is_refused(desk, head, lift):
    earlier = _earlier(desk, lift)
    with pytest.raises(PermissionDenied):
        services.complaint_add_report(
            complaint=earlier, by=head, contact_name="x", contact_phone="", description="y"
        )
    with pytest.raises(ServiceError):
        services.complaint_add_report(
            complaint=earlier, by=desk, contact_name="x", contact_phone="", description="  "
        )
    Complaint.objects.filter(pk=earlier.pk).update(state=Complaint.State.CLOSED)
    earlier.refresh_from_db()
    with pytest.raises(ServiceError):
        services.complaint_add_report(
            complaint=earlier, by=desk, contact_name="x", contact_phone="", description="y"
        )
    assert not ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.REPEAT).exists()


# --- bad input --------------------------------------------------------------------------------
NAUGHTY = [
    "<script>alert(1)</script>",
    "'; DROP TABLE complaints_complaint; --",
    "𠜎𠜱𠝹 ‮RTL‭ \u200b",
    "9" * 500,
    "${{7*7}} {{ request }} {% debug %}",
]


@pytest.mark.parametrize("naughty", NAUGHTY)
def test_naughty_strings_never_give_an_error_page(client, desk, lift, naughty):
    client.force_login(desk)
    data = form_data(
        category=naughty,
        department=naughty,
        severity=naughty,
        intent=naughty,
        submission=naughty,
        duplicates_seen=naughty,
        q=naughty,
        instructions=naughty,
    )
    response = client.post(reverse("complaint-intake"), data)
    assert response.status_code in (200, 302, 400)
    data = form_data(description=naughty, contact_name=naughty[:50], category=lift.pk)
    response = client.post(reverse("complaint-intake"), {**data, "intent": "dispatch"})
    assert response.status_code in (302, 400)
    page = client.get(reverse("complaint-list"), {"q": naughty})
    assert page.status_code == 200 and b"<script>alert(1)" not in page.content
    search = client.get(reverse("residents:search"), {"q": naughty})
    assert search.status_code == 200 and b"<script>alert(1)" not in search.content


def test_an_inactive_or_unknown_department_is_a_form_error(client, desk, lift):
    from complaints.models import Department

    retired = Department.objects.create(code="old", name="旧部门", is_active=False)
    client.force_login(desk)
    for dept in (retired.pk, 999999):
        response = client.post(
            reverse("complaint-intake"),
            form_data(category=lift.pk, intent="dispatch", severity="minor", department=dept),
        )
        assert response.status_code == 400
    assert not Complaint.objects.exists()


# --- the room typed into the look-up -----------------------------------------------------------
def test_a_room_where_nobody_is_registered_is_carried_into_the_form(client, desk):
    empty = f.unit("1502")
    client.force_login(desk)
    page = client.get(reverse("residents:search"), {"q": "3-2-1502"}).content.decode()
    assert 'data-room="3-2-1502"' in page
    response = client.post(
        reverse("complaint-intake"), form_data(room="", q="3-2-1502", description="楼下噪音")
    )
    assert response.status_code == 302
    assert Complaint.objects.get().unit == empty


def test_a_lone_number_in_the_look_up_is_not_taken_for_a_room(client, desk):
    f.unit("5678")
    client.force_login(desk)
    client.post(reverse("complaint-intake"), form_data(room="", q="5678"))
    assert Complaint.objects.get().unit is None


# --- search by any part of a phone ---------------------------------------------------------
def test_the_desk_finds_a_phone_by_any_part_and_its_last_four_digits(client, desk):
    mine = f.complaint(desk)  # +86 138 1234 5678
    other = f.complaint(
        desk, res=f.resident(name="赵芳", phone="+8613900001111", unit=f.unit("1202"))
    )
    client.force_login(desk)
    for q in ("5678", "3812", "8123", "138 12"):
        page = client.get(reverse("complaint-list"), {"q": q}).content.decode()
        assert mine.number in page and other.number not in page, q


def test_a_head_who_sees_masked_phones_finds_only_by_the_digits_shown(client, desk, head):
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    client.force_login(head)
    found = client.get(reverse("complaint-list"), {"q": "5678"}).content.decode()
    hidden = client.get(reverse("complaint-list"), {"q": "1234"}).content.decode()
    assert c.number in found and c.number not in hidden
    assert "13812345678" not in found
