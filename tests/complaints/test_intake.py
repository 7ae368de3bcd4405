"""Receiving complaints: repeat level, group complaints, numbering under load, attachments,
and who may see what."""

import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from complaints import services
from complaints.models import Attachment, Complaint, DeskPolicy

from . import factories as f

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    """A real (tiny) picture: photos are decoded and re-encoded when attached."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
PDF = b"%PDF-1.4\n" + b"\x00" * 64


# --- repeat level -------------------------------------------------------------------------
def test_repeat_level_rises_with_each_complaint_about_the_same_thing(desk):
    res = f.resident()
    levels = [
        f.complaint(desk, res=res, at=f.at(d), category=f.category()).repeat_level
        for d in (1, 5, 9)
    ]
    assert levels == ["first", "intermediate", "advanced"]


def test_other_category_or_old_complaints_do_not_count_as_repeats(desk):
    res = f.resident()
    f.complaint(desk, res=res, at=f.at(1, month=6), category=f.category())  # > 90 days earlier
    f.complaint(desk, res=res, at=f.at(1), category=f.category("environment-1"))
    assert f.complaint(desk, res=res, at=f.at(2), category=f.category()).repeat_level == "first"


def test_repeat_window_is_configurable(desk):
    DeskPolicy.objects.update(repeat_window_days=200)
    res = f.resident()
    f.complaint(desk, res=res, at=f.at(1, month=6), category=f.category())
    assert f.complaint(desk, res=res, at=f.at(2), category=f.category()).repeat_level == (
        "intermediate"
    )


def test_anonymous_repeats_are_matched_by_phone(desk):
    kw = dict(
        resident=None, contact_name="匿名", contact_phone="+8613900001111", category=f.category()
    )
    f.complaint(desk, at=f.at(1), **kw)
    assert f.complaint(desk, at=f.at(2), **kw).repeat_level == "intermediate"


def test_special_complaint_is_major_and_special(desk):
    c = f.complaint(desk)
    services.complaint_confirm(
        complaint=c,
        by=desk,
        severity="minor",
        category=f.category(),
        validity="valid",
        department=f.department(),
        is_special=True,
    )
    c.refresh_from_db()
    assert c.severity == "major" and c.repeat_level == "special"


# --- group complaints ---------------------------------------------------------------------
def _household(n):
    return f.resident(name=f"住户{n}", phone=f"+86138000000{n:02d}", unit=f.unit(f"{n}01"))


def test_five_households_on_the_same_matter_make_a_group_complaint(desk):
    made = [
        f.complaint(desk, res=_household(n), at=f.at(20, 9 + n), category=f.category())
        for n in range(1, 6)
    ]
    assert not made[3].is_group  # when the fourth household called, it was not a group yet
    groups = Complaint.objects.filter(is_group=True)
    assert groups.count() == 5
    assert set(groups.values_list("group_lead", flat=True)) == {made[0].pk}
    assert made[4].is_group


def test_group_complaint_is_major_when_confirmed(desk):
    for n in range(1, 6):
        f.complaint(desk, res=_household(n), at=f.at(20, 9 + n), category=f.category())
    c = Complaint.objects.order_by("id").first()
    services.complaint_confirm(
        complaint=c,
        by=desk,
        severity="minor",
        category=f.category(),
        validity="valid",
        department=f.department(),
    )
    c.refresh_from_db()
    assert c.severity == "major"


def test_same_household_five_times_is_not_a_group(desk):
    res = _household(1)
    for hour in range(9, 14):
        f.complaint(desk, res=res, at=f.at(20, hour), category=f.category())
    assert not Complaint.objects.filter(is_group=True).exists()


def test_group_threshold_and_window_are_configurable(desk):
    DeskPolicy.objects.update(group_min_households=3, group_window_hours=1)
    f.complaint(desk, res=_household(1), at=f.at(20, 8), category=f.category())  # outside 1 h
    f.complaint(desk, res=_household(2), at=f.at(20, 10), category=f.category())
    f.complaint(desk, res=_household(3), at=f.at(20, 10, 20), category=f.category())
    assert not Complaint.objects.filter(is_group=True).exists()
    f.complaint(desk, res=_household(4), at=f.at(20, 10, 40), category=f.category())
    assert Complaint.objects.filter(is_group=True).count() == 3


# --- numbering under concurrency ----------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_complaint_numbers_stay_unique_when_desks_save_at_once():
    desk = f.staff("front_desk")
    res = f.resident()
    errors: list[Exception] = []

    def work():
        try:
            for _ in range(5):
                f.complaint(desk, res=res)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = list(Complaint.objects.values_list("number", flat=True))
    assert len(numbers) == 20 and len(set(numbers)) == 20


# --- attachments --------------------------------------------------------------------------
def test_photo_and_pdf_are_attached_outside_the_web_root(desk, settings):
    c = f.complaint(
        desk, attachments=[SimpleUploadedFile("灯.png", PNG), SimpleUploadedFile("信.PDF", PDF)]
    )
    names = sorted(a.original_name for a in c.attachments.all())
    assert names == ["信.PDF", "灯.png"]
    stored = c.attachments.first().file.path
    assert stored.startswith(str(settings.MEDIA_ROOT))
    assert "灯" not in stored
    assert c.events.filter(kind="attachment").count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ" + b"\x00" * 40, "not a photo"),
        ("clip.mp4", b"<html>not a video</html>", "does not contain"),
        ("clip.mov", PNG, "does not contain"),
        ("fake.jpg", b"<html>hello</html>", "does not contain"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a readable picture"),
        ("big.png", PNG + b"\x00" * (2 * 1024 * 1024), "largest allowed"),
    ],
)
def test_wrong_type_or_too_large_attachment_is_refused_and_nothing_saved(
    desk, name, content, message
):
    DeskPolicy.objects.update(attachment_max_mb=1)
    with pytest.raises(ValidationError) as exc:
        f.complaint(desk, attachments=[SimpleUploadedFile(name, content)])
    assert message in " ".join(exc.value.messages)
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 64
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 64


def test_short_videos_are_accepted_by_their_content(desk):
    c = f.complaint(
        desk,
        attachments=[
            SimpleUploadedFile("漏水.mp4", MP4),
            SimpleUploadedFile("IMG_0001.MOV", MOV),
            SimpleUploadedFile("clip.webm", WEBM),
        ],
    )
    types = sorted(c.attachments.values_list("content_type", flat=True))
    assert types == ["video/mp4", "video/quicktime", "video/webm"]
    assert all(a.is_video for a in c.attachments.all())


def test_videos_have_their_own_size_limit(desk):
    DeskPolicy.objects.update(attachment_max_mb=1, video_max_mb=2)
    big_photo = PNG + b"\x00" * (1024 * 1024 + 1)
    video = MP4 + b"\x00" * (1024 * 1024 + 1)  # over the photo limit, under the video one
    f.complaint(desk, attachments=[SimpleUploadedFile("ok.mp4", video)])
    with pytest.raises(ValidationError):
        f.complaint(desk, attachments=[SimpleUploadedFile("big.png", big_photo)])
    with pytest.raises(ValidationError) as exc:
        f.complaint(desk, attachments=[SimpleUploadedFile("long.mp4", MP4 + b"\x00" * 3 * 1048576)])
    assert "largest allowed is 2 MB" in " ".join(exc.value.messages)


# --- visibility ---------------------------------------------------------------------------
def test_department_head_sees_only_own_departments_complaints(desk):
    head = f.staff("department_head", department_code="engineering")
    mine = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    theirs = f.complaint(desk)
    services.complaint_confirm(
        complaint=theirs,
        by=desk,
        severity="minor",
        category=f.category(),
        validity="valid",
        department=f.department("security"),
    )
    unassigned = f.complaint(desk)
    visible = set(Complaint.objects.visible_to(head).values_list("pk", flat=True))
    assert visible == {mine.pk}
    assert unassigned.pk not in visible


def test_redispatched_complaint_stays_visible_to_the_first_department(desk):
    head = f.staff("department_head", department_code="engineering")
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    services.complaint_dispatch(complaint=c, department=f.department("security"), by=desk)
    assert Complaint.objects.visible_to(head).filter(pk=c.pk).exists()


def test_desk_and_managers_see_everything(desk):
    c = f.complaint(desk)
    for role in ("front_desk", "supervisor", "manager", "general_manager"):
        assert Complaint.objects.visible_to(f.staff(role)).filter(pk=c.pk).exists()


def test_user_without_role_sees_nothing(desk, django_user_model):
    f.complaint(desk)
    nobody = django_user_model.objects.create_user("nobody", password="pw")
    assert not Complaint.objects.visible_to(nobody).exists()


def test_archived_complaints_are_not_pulled_into_a_new_group(desk):
    head = f.staff("department_head", department_code="engineering")
    old = f.complaint(desk, res=_household(1), at=f.at(20, 9), category=f.category())
    f.advance(old, "closed", desk=desk, head=head)
    for n in range(2, 6):
        f.complaint(desk, res=_household(n), at=f.at(20, 9 + n), category=f.category())
    assert not Complaint.objects.filter(is_group=True).exists()  # four open households only
    old.refresh_from_db()
    assert old.severity == "minor"
