"""Photos from a department head's phone: several at once, checked, shrunk, upright, without
their GPS position, with a thumbnail served through the same permission check as the file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from complaints import services
from complaints.models import Attachment, ComplaintEvent
from complaints.services import images

from . import factories as f

pytestmark = pytest.mark.django_db

ORIENTATION, GPS_IFD, MAKE = 0x0112, 0x8825, 0x010F


def camera_jpeg(width=3000, height=2000, orientation=6) -> bytes:
    """What a phone camera sends: big, sideways (EXIF orientation 6), with a GPS position."""
    image = Image.new("RGB", (width, height), (30, 120, 200))
    image.paste((250, 200, 0), (0, 0, width // 3, height // 3))  # a mark in the top-left
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def png(size=(40, 30), mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10)).save(
        buffer, "PNG"
    )
    return buffer.getvalue()


BROKEN_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"\x00" * 64


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def confirmed(desk, head):
    return f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)


# --- the service ------------------------------------------------------------------------------
def test_camera_photo_is_shrunk_turned_upright_and_loses_its_metadata(desk, confirmed):
    original = camera_jpeg()
    (a,) = services.attachments_add(
        complaint=confirmed, uploads=[SimpleUploadedFile("IMG_0042.JPG", original)], by=desk
    )
    assert a.content_type == "image/jpeg" and a.original_name == "IMG_0042.JPG"
    with a.file.open("rb") as handle:
        data = handle.read()
    assert a.size == len(data) < len(original)
    stored = Image.open(io.BytesIO(data))
    # Orientation 6 means "turn 90° clockwise to view": the 3000×2000 photo stands upright.
    assert stored.size == (1067, 1600)
    exif = stored.getexif()
    assert ORIENTATION not in exif and MAKE not in exif and not exif.get_ifd(GPS_IFD)
    assert b"PhoneMaker" not in data
    # The top-left mark of the sensor image is now at the top-right.
    assert stored.getpixel((1060, 5))[0] > 200 and stored.getpixel((5, 5))[0] < 100
    with a.thumbnail.open("rb") as handle:
        thumb = Image.open(io.BytesIO(handle.read()))
    assert thumb.format == "JPEG" and max(thumb.size) == images.THUMB_SIDE
    assert not thumb.getexif()


def test_small_png_keeps_its_size_format_and_transparency(desk, confirmed):
    (a,) = services.attachments_add(
        complaint=confirmed, uploads=[SimpleUploadedFile("图.png", png())], by=desk
    )
    with a.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert (stored.format, stored.mode, stored.size) == ("PNG", "RGBA", (40, 30))
    assert a.thumbnail


def test_several_at_once_all_or_nothing(desk, confirmed, settings):
    uploads = [
        SimpleUploadedFile("one.jpg", camera_jpeg(800, 600, 1)),
        SimpleUploadedFile("two.png", png()),
        SimpleUploadedFile("three.png", BROKEN_PNG),
    ]
    before = stored_files(settings)
    with pytest.raises(Exception, match="not a readable picture"):
        services.attachments_add(complaint=confirmed, uploads=uploads, by=desk)
    assert Attachment.objects.count() == 0
    assert stored_files(settings) == before
    assert not confirmed.events.filter(kind=ComplaintEvent.Kind.ATTACHMENT).exists()

    added = services.attachments_add(complaint=confirmed, uploads=uploads[:2], by=desk)
    assert [a.original_name for a in added] == ["one.jpg", "two.png"]
    assert confirmed.events.filter(kind=ComplaintEvent.Kind.ATTACHMENT).count() == 2


def test_pdf_and_video_are_stored_as_received_without_a_thumbnail(desk, confirmed):
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    pdf, video = services.attachments_add(
        complaint=confirmed,
        uploads=[SimpleUploadedFile("信.pdf", PDF), SimpleUploadedFile("漏水.mp4", mp4)],
        by=desk,
    )
    assert not pdf.thumbnail and not video.thumbnail
    with pdf.file.open("rb") as handle:
        assert handle.read() == PDF


def test_a_picture_too_big_in_pixels_is_refused_before_decoding(desk, confirmed):
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")  # 81 megapixels, a few kB of file
    with pytest.raises(Exception, match="not a readable picture"):
        services.attachments_add(
            complaint=confirmed,
            uploads=[SimpleUploadedFile("bomb.png", buffer.getvalue())],
            by=desk,
        )
    assert Attachment.objects.count() == 0


# --- the pages ---------------------------------------------------------------------------------
def test_head_uploads_several_photos_from_the_complaint_page(client, head, confirmed):
    client.force_login(head)
    page = client.get(reverse("complaint-detail", args=[confirmed.pk])).content.decode()
    assert 'accept="image/*' in page and " multiple " in page
    response = client.post(
        reverse("complaint-attach", args=[confirmed.pk]),
        {
            "attachments": [
                SimpleUploadedFile("a.jpg", camera_jpeg(1200, 900, 1)),
                SimpleUploadedFile("b.png", png()),
            ]
        },
        follow=True,
    )
    assert response.status_code == 200
    assert confirmed.attachments.count() == 2
    html = response.content.decode()
    assert html.count('data-testid="thumbnail"') == 2 and "?thumb=1" in html
    assert 'id="photo-viewer"' in html


def test_broken_picture_gives_a_form_error_and_saves_nothing(client, head, confirmed, settings):
    client.force_login(head)
    response = client.post(
        reverse("complaint-attach", args=[confirmed.pk]),
        {
            "attachments": [
                SimpleUploadedFile("good.png", png()),
                SimpleUploadedFile("photo.png", BROKEN_PNG),
            ]
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="attach-error"' in html and "photo.png" in html
    assert Attachment.objects.count() == 0 and stored_files(settings) == []


def test_nothing_chosen_says_so(client, head, confirmed):
    client.force_login(head)
    response = client.post(reverse("complaint-attach", args=[confirmed.pk]))
    assert response.status_code == 400 and 'data-testid="attach-error"' in response.content.decode()


def test_thumbnail_is_served_only_to_those_who_see_the_complaint(client, desk, head, confirmed):
    (photo, letter) = services.attachments_add(
        complaint=confirmed,
        uploads=[
            SimpleUploadedFile("a.jpg", camera_jpeg(900, 600, 1)),
            SimpleUploadedFile("l.pdf", PDF),
        ],
        by=desk,
    )
    url = reverse("attachment-download", args=[confirmed.pk, photo.pk])
    client.force_login(head)
    response = client.get(url, {"thumb": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert max(thumb.size) == images.THUMB_SIDE
    full = client.get(url)
    assert Image.open(io.BytesIO(b"".join(full.streaming_content))).size == (900, 600)
    letter_url = reverse("attachment-download", args=[confirmed.pk, letter.pk])
    assert client.get(letter_url, {"thumb": "1"}).status_code == 404  # a PDF has no preview

    other = f.staff("department_head", department_code="security")
    client.force_login(other)
    assert client.get(url, {"thumb": "1"}).status_code == 404
