"""Residents' phone numbers in the admin: masked for department heads, and every reveal and
every export recorded as personal-data access (PIPL)."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from complaints.models import DataAccess

from . import factories as f

pytestmark = pytest.mark.django_db

FULL = "13812345678"
MASKED = "138****5678"


def export_csv(client, url_name, resource_prefix, columns):
    response = client.post(
        reverse(url_name),
        {"format": "0", "resource": "0", **{f"{resource_prefix}_{k}": "on" for k in columns}},
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_head_exporting_complaints_gets_masked_phones_and_is_recorded(client, desk, head):
    # Exports are a supervisor's; a head granted them still gets the phones masked.
    head = f.grant(head, "complaints.export_personal_data")
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        client.force_login(head)
        rows = export_csv(
            client,
            "admin:complaints_complaint_export",
            "complaintresource",
            ["number", "contact_phone"],
        )
    assert rows[1] == [c.number, MASKED]
    access = DataAccess.objects.get()
    assert access.user == head and access.kind == "export"
    assert access.rows == 1 and access.phones_included is False


def test_the_desk_exporting_complaints_gets_full_numbers_and_is_recorded(client, desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        f.complaint(desk)
        client.force_login(f.staff("supervisor"))
        rows = export_csv(
            client, "admin:complaints_complaint_export", "complaintresource", ["contact_phone"]
        )
    assert FULL in rows[1][0].replace(" ", "")
    access = DataAccess.objects.get()
    assert access.phones_included is True and access.rows == 1


def test_a_head_exporting_residents_gets_masked_phones_and_is_recorded(client, head):
    f.resident(name="王伟", phone="+8613812345678", phone_alt="+8613912345678")
    head = f.grant(head, "complaints.export_personal_data")
    client.force_login(head)
    with time_machine.travel(f.at(2, 9), tick=False):
        rows = export_csv(
            client,
            "admin:residents_resident_export",
            "residentresource",
            ["name", "phone", "phone_alt"],
        )
    assert rows[1] == ["王伟", MASKED, "139****5678"]
    access = DataAccess.objects.get()
    assert access.user == head and access.kind == "export" and access.rows == 1
    assert access.phones_included is False


def test_the_reveal_view_records_the_access(client, desk):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk)
        client.force_login(desk)
        response = client.post(reverse("complaint-phone", args=[c.pk]))
    assert response.status_code == 200
    access = DataAccess.objects.get()
    assert access.kind == "reveal" and access.complaint == c and access.user == desk
    assert access.phones_included is True and access.rows == 1


def test_a_head_may_not_reveal_and_nothing_is_recorded(client, desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        client.force_login(head)
        response = client.post(reverse("complaint-phone", args=[c.pk]))
    assert response.status_code == 403
    assert not DataAccess.objects.exists()


def test_a_head_sees_masked_phones_on_the_admin_pages(client, desk, head):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
        client.force_login(head)
        pages = [
            reverse("admin:complaints_complaint_changelist"),
            reverse("admin:complaints_complaint_change", args=[c.pk]),
            reverse("admin:residents_resident_changelist"),
            reverse("admin:residents_resident_change", args=[c.resident_id]),
        ]
        for url in pages:
            html = client.get(url).content.decode()
            assert FULL not in html and "138 1234 5678" not in html, url


def test_the_record_is_read_only_and_for_management(client, desk):
    with time_machine.travel(f.at(2, 9), tick=False):
        c = f.complaint(desk)
        client.force_login(desk)
        client.post(reverse("complaint-phone", args=[c.pk]))
        access = DataAccess.objects.get()
        manager = f.staff("manager")
        client.force_login(manager)
        listing = client.get(reverse("admin:complaints_dataaccess_changelist"))
        assert listing.status_code == 200 and c.number in listing.content.decode()
        assert client.get(reverse("admin:complaints_dataaccess_add")).status_code == 403
        change = client.post(
            reverse("admin:complaints_dataaccess_change", args=[access.pk]), {"what": "x"}
        )
        assert change.status_code == 403
        delete = client.post(
            reverse("admin:complaints_dataaccess_delete", args=[access.pk]), {"post": "yes"}
        )
        assert delete.status_code == 403
        client.force_login(f.staff("supervisor"))
        assert client.get(reverse("admin:complaints_dataaccess_changelist")).status_code == 403
    assert DataAccess.objects.get().what == c.number
