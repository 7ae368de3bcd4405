"""The residents' side: sign-in by SMS code, submitting, following, adding, withdrawing, and
that one resident never reaches another's complaints (nor a staff page)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaints import services as cs
from complaints.models import Attachment, Complaint, ComplaintEvent
from residents.models import SignInCode
from residents.portal import services as ps
from residents.portal.account import portal_account
from residents.portal.selectors import resident_events
from residents.portal.timeline import timeline
from tests.complaints import factories as f

from .portal_helpers import Outbox, jpeg, sign_in

pytestmark = pytest.mark.django_db
NOW = f.at(3, 10)
LI = "+8613812345678"
WANG = "+8613900001111"
STRANGER = "+8613700002222"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def outbox(monkeypatch):
    return Outbox(monkeypatch)


@pytest.fixture
def li(db):
    return f.resident("李明", phone=LI, unit=f.unit("1201"))


@pytest.fixture
def wang(db):
    return f.resident("王伟", phone=WANG, unit=f.unit("0801", building="5", stairway="1"))


@pytest.fixture
def signed_in(client, outbox, django_capture_on_commit_callbacks, clock, li):
    sign_in(client, outbox, "13812345678", django_capture_on_commit_callbacks)
    return client


def submit(client, **extra):
    data = {
        "unit": extra.pop("unit", ""),
        "category": f.category().pk,
        "description": "3栋电梯又停了，困了十分钟",
        "location": "3栋电梯",
        "demand": "尽快修好",
        "contact_time": "evening",
        "submission": extra.pop("submission", "0" * 31 + "1"),
        **extra,
    }
    return client.post("/r/new/", data)


# --- sign-in ------------------------------------------------------------------------------------
def test_code_is_stored_hashed_and_signs_the_resident_in(
    client, outbox, clock, li, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/r/sign-in/", {"phone": "138 1234 5678"})
    code = outbox.last_code(LI)
    row = SignInCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64
    response = client.post("/r/sign-in/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/r/"
    assert client.get("/r/").status_code == 200
    assert "_auth_user_id" not in client.session  # never a Django user


def test_wrong_code_five_times_kills_the_code(
    client, outbox, clock, li, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/r/sign-in/", {"phone": LI})
    code = outbox.last_code(LI)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post("/r/sign-in/code/", {"code": wrong}).status_code == 400
    assert client.post("/r/sign-in/code/", {"code": code}).status_code == 400
    assert client.get("/r/").status_code == 302


def test_code_expires_after_five_minutes(
    client, outbox, clock, li, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/r/sign-in/", {"phone": LI})
    clock.shift(dt.timedelta(minutes=5, seconds=1))
    assert client.post("/r/sign-in/code/", {"code": outbox.last_code(LI)}).status_code == 400


def test_a_code_works_once(client, outbox, clock, li, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/r/sign-in/", {"phone": LI})
    code = outbox.last_code(LI)
    assert ps.code_check(phone=LI, code=code)
    assert not ps.code_check(phone=LI, code=code)


def test_sending_is_limited_per_phone(clock, db):
    ps.code_send(phone=LI, client_ip="192.0.2.1")
    with pytest.raises(ps.TooMany):
        ps.code_send(phone=LI, client_ip="192.0.2.1")  # within the minute
    for _ in range(4):
        clock.shift(dt.timedelta(minutes=2))
        ps.code_send(phone=LI, client_ip="192.0.2.1")
    clock.shift(dt.timedelta(minutes=2))
    with pytest.raises(ps.TooMany):
        ps.code_send(phone=LI, client_ip="192.0.2.1")  # the sixth in the hour


def test_sending_is_limited_per_client_address(clock, db):
    for n in range(ps.ADDRESS_PER_HOUR):
        ps.code_send(phone=f"+86139000{n:05d}", client_ip="192.0.2.9")
    with pytest.raises(ps.TooMany):
        ps.code_send(phone="+8613911112222", client_ip="192.0.2.9")
    ps.code_send(phone="+8613911112222", client_ip="192.0.2.10")


def test_the_limit_answers_429_on_the_page(client, clock, db):
    client.post("/r/sign-in/", {"phone": LI})
    response = Client().post("/r/sign-in/", {"phone": LI})
    assert response.status_code == 429


def test_not_a_mobile_number_is_refused(client, clock, db):
    assert client.post("/r/sign-in/", {"phone": "010-12345678"}).status_code == 400
    assert not SignInCode.objects.exists()


def test_resident_session_reaches_no_staff_page_or_admin(signed_in):
    for url in ["/", "/complaints/", "/complaints/new/", "/admin/", "/work-orders/"]:
        response = signed_in.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(("/login/", "/admin/login/")), url


def test_staff_session_is_not_a_resident_session(client, clock, db):
    client.force_login(f.staff("front_desk"))
    response = client.get("/r/")
    assert response.status_code == 302 and response["Location"].startswith("/r/sign-in/")
    assert client.post("/r/sign-in/", {"phone": LI}).status_code == 403


def test_portal_account_cannot_log_in(clock, db):
    account = portal_account()
    assert not account.has_usable_password() and not account.is_staff
    response = Client().post("/login/", {"username": account.username, "password": ""})
    assert response.status_code == 200  # the form again: nobody signs in as the account
    assert Client().get("/admin/login/").status_code == 200


def test_session_ends_after_its_own_expiry(signed_in, clock, settings):
    clock.shift(dt.timedelta(days=settings.RESIDENT_SESSION_DAYS, seconds=1))
    assert signed_in.get("/r/").status_code == 302


def test_sign_out(signed_in):
    signed_in.post("/r/sign-out/")
    assert signed_in.get("/r/").status_code == 302


# --- submit -------------------------------------------------------------------------------------
def test_submit_creates_an_online_complaint_in_the_desk_queue(signed_in, li):
    photo = SimpleUploadedFile("lift.jpg", jpeg(), content_type="image/jpeg")
    response = submit(signed_in, unit=li.pk, photos=[photo])
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/r/c/{complaint.number}/"
    assert complaint.channel == Complaint.Channel.ONLINE
    assert complaint.resident == li and complaint.unit == li.unit
    assert complaint.dispatch_due_at == NOW + dt.timedelta(minutes=10)
    assert complaint.owner is None and complaint.state == "received"
    assert "Best time to call" in complaint.demand or "方便" in complaint.demand
    assert Attachment.objects.filter(complaint=complaint).count() == 1
    page = signed_in.get(response["Location"]).content.decode()
    assert complaint.number in page


def test_double_submit_makes_one_complaint(signed_in, li):
    first = submit(signed_in, unit=li.pk)
    second = submit(signed_in, unit=li.pk)
    assert Complaint.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_submit_rate_limit(signed_in, li):
    for n in range(ps.SUBMIT_PER_HOUR):
        submit(signed_in, unit=li.pk, submission=f"{n:032x}")
    response = submit(signed_in, unit=li.pk, submission=f"{99:032x}")
    assert response.status_code == 429
    assert Complaint.objects.count() == ps.SUBMIT_PER_HOUR


def test_a_bad_file_saves_nothing(signed_in, li):
    fake = SimpleUploadedFile("lift.jpg", b"not a picture at all", content_type="image/jpeg")
    response = submit(signed_in, unit=li.pk, photos=[fake])
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_too_many_files_at_once_are_refused(signed_in, li):
    photos = [SimpleUploadedFile(f"p{n}.jpg", jpeg((40, 30))) for n in range(ps.FILES_AT_ONCE + 1)]
    assert submit(signed_in, unit=li.pk, photos=photos).status_code == 429
    assert not Complaint.objects.exists()


def test_a_unit_of_someone_else_is_refused(signed_in, wang):
    assert submit(signed_in, unit=wang.pk).status_code == 400
    assert not Complaint.objects.exists()


def test_phone_not_in_registry_submits_unverified(
    client, outbox, django_capture_on_commit_callbacks, clock, li
):
    sign_in(client, outbox, STRANGER[3:], django_capture_on_commit_callbacks)
    estate = li.unit.building.property
    response = submit(client, estate=estate.pk, room="3-2-1201", contact_name="新租客")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.resident is None and complaint.unit == li.unit
    assert complaint.contact_phone.as_e164 == STRANGER
    note = complaint.events.get(code="portal_unverified")
    assert note.params["room"] == "3-2-1201" and not note.for_resident
    assert complaint.events.get(kind="created").params["verified"] is False


def test_qr_link_preselects_the_property(
    client, outbox, django_capture_on_commit_callbacks, clock, li
):
    estate = li.unit.building.property
    url = f"/r/new/?p={estate.code}&b=3"
    response = client.get(url)
    assert response.status_code == 302 and "next=" in response["Location"]
    sign_in(client, outbox, STRANGER[3:], django_capture_on_commit_callbacks, next_url=url)
    page = client.get(url).content.decode()
    assert f'value="{estate.pk}" selected' in page and 'value="3-"' in page


# --- follow -------------------------------------------------------------------------------------
def _dispatched(signed_in, li):
    submit(signed_in, unit=li.pk)
    complaint = Complaint.objects.get()
    desk = f.staff("front_desk")
    cs.complaint_confirm(
        complaint=complaint,
        by=desk,
        severity="minor",
        category=f.category(),
        validity="valid",
        responsibility="class1",
        department=f.department("engineering"),
    )
    return Complaint.objects.get(pk=complaint.pk), desk


def test_resident_sees_replies_but_not_internal_notes_or_names(signed_in, li):
    complaint, desk = _dispatched(signed_in, li)
    desk.last_name, desk.first_name = "赵", "前台"
    desk.save()
    cs.complaint_progress(complaint=complaint, by=desk, note="内部：业主脾气急", for_resident=False)
    cs.complaint_progress(complaint=complaint, by=desk, note="师傅明天上午上门", for_resident=True)
    page = signed_in.get(f"/r/c/{complaint.number}/").content.decode()
    assert "师傅明天上午上门" in page
    assert "内部" not in page and "赵" not in page
    assert "工程" in page  # the department, not the person
    assert complaint.owner == desk  # whoever confirmed an online complaint owns it


def test_desk_writes_a_reply_through_the_progress_form(signed_in, li):
    complaint, desk = _dispatched(signed_in, li)
    staff = Client()
    staff.force_login(desk)
    staff.post(
        f"/complaints/{complaint.pk}/progress/",
        {"progress-note": "已联系电梯公司", "progress-for_resident": "1"},
    )
    staff.post(f"/complaints/{complaint.pk}/progress/", {"progress-note": "内部备注"})
    rows = dict(complaint.events.filter(kind="progress").values_list("note", "for_resident"))
    assert rows == {"已联系电梯公司": True, "内部备注": False}


def test_my_complaints_lists_only_mine(signed_in, li, wang):
    desk = f.staff("front_desk")
    mine = f.complaint(desk, res=li)
    theirs = f.complaint(desk, res=wang)
    page = signed_in.get("/r/").content.decode()
    assert mine.number in page and theirs.number not in page


def test_another_residents_complaint_is_404_on_every_url(signed_in, li, wang):
    desk = f.staff("front_desk")
    theirs = f.complaint(desk, res=wang)
    before = ComplaintEvent.objects.count()
    base = f"/r/c/{theirs.number}/"
    assert signed_in.get(base).status_code == 404
    assert signed_in.post(base + "add/", {"text": "x"}).status_code == 404
    assert signed_in.post(base + "withdraw/", {"reason": "x"}).status_code == 404
    assert ComplaintEvent.objects.count() == before


def test_add_information_and_photo_to_an_open_complaint(signed_in, li):
    complaint, _desk = _dispatched(signed_in, li)
    photo = SimpleUploadedFile("more.jpg", jpeg())
    response = signed_in.post(
        f"/r/c/{complaint.number}/add/",
        {"text": "今天又停了", "submission": "a" * 32, "photos": [photo]},
    )
    assert response.status_code == 302
    repeat = complaint.events.get(kind="repeat")
    assert repeat.for_resident and "今天又停了" in repeat.note
    assert complaint.attachments.count() == 1
    page = signed_in.get(f"/r/c/{complaint.number}/").content.decode()
    assert "今天又停了" in page


def test_withdraw_is_recorded_and_stops_additions(signed_in, li):
    complaint, _desk = _dispatched(signed_in, li)
    assert signed_in.post(f"/r/c/{complaint.number}/withdraw/", {"reason": ""}).status_code == 400
    response = signed_in.post(f"/r/c/{complaint.number}/withdraw/", {"reason": "自己修好了"})
    assert response.status_code == 302
    assert complaint.events.get(code="resident_withdrew").note == "自己修好了"
    assert signed_in.post(f"/r/c/{complaint.number}/add/", {"text": "x"}).status_code == 400
    page = signed_in.get(f"/r/c/{complaint.number}/").content.decode()
    assert "自己修好了" in page
    # The desk sees it in a queue of its own, to close it as invalid.
    from complaints.selectors import desk_queue

    _title, waiting = desk_queue(_desk, "residents")
    assert list(waiting) == [complaint]


def test_csrf_is_required_on_resident_forms(clock, li):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/r/sign-in/", {"phone": LI}).status_code == 403
    assert not SignInCode.objects.exists()


def test_resident_pages_are_not_cached(signed_in):
    assert "no-store" in signed_in.get("/r/")["Cache-Control"]


# --- QR posters ---------------------------------------------------------------------------------
def test_poster_png_encodes_the_submit_url(clock, li, settings):
    from residents.portal.posters import poster_url

    settings.SITE_URL = "https://wuye.example.com"
    estate = li.unit.building.property
    building = li.unit.building
    assert poster_url(estate, building) == (
        f"https://wuye.example.com/r/new/?p={estate.code}&b={building.number}"
    )
    admin = Client()
    admin.force_login(f.staff("supervisor"))
    png = admin.get(f"/admin/residents/building/{building.pk}/poster.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    page = admin.get(f"/admin/residents/property/{estate.pk}/poster/")
    assert page.status_code == 200 and "https://wuye.example.com/r/new/?p=" in page.content.decode()


def test_escalations_and_desk_rows_never_reach_the_resident(signed_in, li):
    from complaints.services.timeline import record_event

    complaint, desk = _dispatched(signed_in, li)
    record_event(
        complaint,
        ComplaintEvent.Kind.ESCALATED,
        code="escalated",
        params={"clock": "dispatch", "number": complaint.number, "level": 2},
    )
    record_event(complaint, ComplaintEvent.Kind.NOTE, by=desk, note="业主上次投诉过物业费")
    page = signed_in.get(f"/r/c/{complaint.number}/").content.decode()
    assert "物业费" not in page
    entries = timeline(complaint, resident_events(complaint))
    assert len(entries) == 2  # received, passed to the department


def test_progress_form_defaults_to_an_internal_note():
    from complaints.forms import ProgressForm

    form = ProgressForm({"progress-note": "在处理"}, prefix="progress")
    assert form.is_valid() and form.cleaned_data["for_resident"] is False


def test_my_complaints_costs_the_same_queries_for_one_or_many(signed_in, li):
    """The list says which were withdrawn without asking the timeline row by row; a withdrawal
    before a reopening no longer counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.services.timeline import record_event
    from residents.portal import selectors as portal_selectors

    desk = f.staff("front_desk")
    first = f.complaint(desk, res=li)

    def queries():
        signed_in.get("/r/")  # warm: the session's idle renewal writes once a minute
        with CaptureQueriesContext(connection) as ctx:
            assert signed_in.get("/r/").status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    made = [f.complaint(desk, res=li) for _ in range(4)]
    assert queries() == one
    record_event(made[0], ComplaintEvent.Kind.NOTE, by=None, code="resident_withdrew")
    record_event(made[1], ComplaintEvent.Kind.NOTE, by=None, code="resident_withdrew")
    record_event(made[1], ComplaintEvent.Kind.REOPENED, by=desk)
    everything = [first, *made]
    assert portal_selectors.withdrawn_among(everything) == {made[0].pk}
    assert {c.pk for c in everything if portal_selectors.withdrawal(c)} == {made[0].pk}
