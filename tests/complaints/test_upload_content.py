"""Uploads are judged by their content, not their name: a file whose bytes are not what its
name says is refused on the complaint page, with the reason shown, and nothing is kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Attachment

from . import factories as f
from .test_photos import camera_jpeg, png, stored_files

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
DISGUISED = {
    "html-as-jpg": ("photo.jpg", b"<html><script>alert(1)</script></html>"),
    "svg-as-png": ("photo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
    "pdf-as-png": ("scan.png", PDF),
    "png-as-pdf": ("letter.pdf", None),  # filled below: a real PNG's bytes
    "exe-as-pdf": ("letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),
    "empty-jpg": ("photo.jpg", b""),
}


@pytest.fixture
def confirmed(desk, head):
    import time_machine

    with time_machine.travel(f.at(2, 9), tick=False):
        return f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)


@pytest.mark.parametrize("case", sorted(DISGUISED))
def test_a_file_whose_content_is_not_what_its_name_says_is_refused_and_shown(
    client, head, confirmed, settings, case
):
    name, content = DISGUISED[case]
    content = png() if content is None else content
    client.force_login(head)
    response = client.post(
        reverse("complaint-attach", args=[confirmed.pk]),
        {"attachments": [SimpleUploadedFile(name, content)]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="attach-error"' in html
    assert Attachment.objects.count() == 0 and stored_files(settings) == []


def test_a_real_photo_and_a_real_pdf_are_taken(client, head, confirmed):
    client.force_login(head)
    response = client.post(
        reverse("complaint-attach", args=[confirmed.pk]),
        {
            "attachments": [
                SimpleUploadedFile("photo.jpg", camera_jpeg(400, 300)),
                SimpleUploadedFile("letter.pdf", PDF),
            ]
        },
    )
    assert response.status_code == 302
    assert Attachment.objects.count() == 2
