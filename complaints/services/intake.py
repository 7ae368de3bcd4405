"""Receiving complaints: numbering, the record itself, attachments, repeat and group detection."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.messaging import complaint_event as tell_resident

from .. import permissions as perms
from .. import policies
from ..models import (
    Attachment,
    Complaint,
    ComplaintEvent,
    ComplaintSequence,
    DeskPolicy,
)
from ..selectors import group_candidates
from . import images
from .errors import ServiceError
from .timeline import record_event

# Extension → (content type, magic-byte check).  What the paper and phone cameras produce.
ALLOWED_UPLOADS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
}
# ISO base media brands: what an MP4 (or a phone's MOV) says it is in its first box.
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"3gp4",
    b"3gp5",
    b"dash",
}


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "video/mp4"
    if head[4:8] == b"ftyp" and head[8:12] == b"qt  ":
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM (Matroska)
        return "video/webm"
    return None


def validate_upload(upload, *, max_bytes: int | None = None, decode: bool = True) -> str:
    """Check an uploaded file's type (by name and content) and size; return its content type.
    A picture is also decoded (unless ``decode`` is false: the caller decodes it next)."""
    name = getattr(upload, "name", "") or ""
    suffix = PurePath(name).suffix.lower()
    if max_bytes is None:
        policy = DeskPolicy.current()
        is_video = ALLOWED_UPLOADS.get(suffix, "").startswith("video/")
        max_bytes = (policy.video_max_mb if is_video else policy.attachment_max_mb) * 1024 * 1024
    if suffix not in ALLOWED_UPLOADS:
        raise ValidationError(
            _(
                "“%(name)s” is not a photo, PDF or video. "
                "Allowed: JPG, PNG, GIF, WEBP, HEIC, PDF, MP4, MOV, WEBM."
            ),
            code="file_type",
            params={"name": name},
        )
    if upload.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; the largest allowed is %(max)d MB."),
            code="file_size",
            params={"name": name, "size": upload.size / 1048576, "max": max_bytes // 1048576},
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = _sniff(head)
    if sniffed != ALLOWED_UPLOADS[suffix]:
        raise ValidationError(
            _("“%(name)s” does not contain what its name says; it cannot be attached."),
            code="file_content",
            params={"name": name},
        )
    if decode:
        images.check(upload, sniffed)
    return sniffed


def _next_number(received_at: dt.datetime) -> str:
    """Take the next number of the month of receipt; safe when many desks save at once."""
    period = timezone.localtime(received_at).strftime("%Y%m")
    for _attempt in range(3):
        updated = ComplaintSequence.objects.filter(period=period).update(
            last_value=F("last_value") + 1
        )
        if updated:
            value = ComplaintSequence.objects.values_list("last_value", flat=True).get(
                period=period
            )
            return policies.complaint_number(period, value)
        try:
            with transaction.atomic():
                ComplaintSequence.objects.create(period=period, last_value=1)
            return policies.complaint_number(period, 1)
        except IntegrityError:
            continue  # another desk created the month's row first: take the next value
    raise ServiceError(_("Could not allocate a complaint number; please try again."))


def _same_complainant(complaint: Complaint) -> Q:
    if complaint.resident_id:
        return Q(resident_id=complaint.resident_id)
    return Q(contact_phone=complaint.contact_phone)


def earlier_complaints(complaint: Complaint, *, policy: DeskPolicy | None = None):
    """Earlier complaints of the same resident (or phone) about the same category."""
    policy = policy or DeskPolicy.current()
    since = complaint.received_at - dt.timedelta(days=policy.repeat_window_days)
    return (
        Complaint.objects.filter(
            _same_complainant(complaint),
            category_id=complaint.category_id,
            received_at__gte=since,
            received_at__lt=complaint.received_at,
        )
        .exclude(pk=complaint.pk)
        .exclude(validity=Complaint.Validity.INVALID)
    )


def refresh_repeat_level(complaint: Complaint, *, policy: DeskPolicy | None = None) -> None:
    """Set the repeat level from the earlier complaints (not saved here)."""
    if complaint.is_special:
        complaint.repeat_level = Complaint.RepeatLevel.SPECIAL
        return
    count = earlier_complaints(complaint, policy=policy).count() if complaint.category_id else 0
    level = policies.repeat_level(count)
    if complaint.forwarded_by:  # passed down by the group company, a government body, the media
        level = Complaint.RepeatLevel.ADVANCED
    if complaint.handed_up_to:  # raised when handed to a superior: it never falls back
        ladder = list(Complaint.RepeatLevel.values)
        level = max(level, complaint.repeat_level, key=ladder.index)
    complaint.repeat_level = level


def detect_group(complaint: Complaint, *, by, policy: DeskPolicy | None = None) -> bool:
    """Mark the complaint and its companions a group complaint once enough households joined.

    Households are counted by unit (or by contact phone where no unit is known); the
    complaint itself counts with what it holds now, saved or not (its category may be the
    one being chosen at confirm).  Companions that become major go through
    :func:`~.classify.complaint_reclassify`, so their deadlines follow.  Returns whether the
    complaint is (now) part of a group.
    """
    if not (complaint.estate_id and complaint.category_id):
        return complaint.is_group
    policy = policy or DeskPolicy.current()
    others = group_candidates(
        user=None,
        estate_id=complaint.estate_id,
        category_id=complaint.category_id,
        at=complaint.received_at,
        policy=policy,
        exclude_pk=complaint.pk,
    )
    rows = list(others.values_list("pk", "unit_id", "contact_phone", "received_at", "is_group"))

    def household(unit_id, phone):
        return ("unit", unit_id) if unit_id else ("phone", str(phone))

    households = {household(u, p) for _pk, u, p, _at, _g in rows}
    households.add(household(complaint.unit_id, complaint.contact_phone))
    if len(households) < policy.group_min_households:
        return complaint.is_group
    first = min([(at, pk) for pk, _u, _p, at, _g in rows] + [(complaint.received_at, complaint.pk)])
    lead = complaint if first[1] == complaint.pk else Complaint.objects.get(pk=first[1])
    newly = [pk for pk, _u, _p, _at, is_group in rows if not is_group]
    Complaint.objects.filter(pk__in=[r[0] for r in rows]).update(is_group=True, group_lead=lead)
    from .classify import complaint_reclassify

    for other in Complaint.objects.filter(pk__in=newly).select_related("category"):
        record_event(
            other,
            ComplaintEvent.Kind.GROUP,
            by=by,
            code="group_member",
            params={"number": lead.number},
        )
    upgrade = Complaint.objects.filter(
        pk__in=[r[0] for r in rows], severity__in=["minor", "important"]
    ).exclude(state=Complaint.State.CLOSED)
    for other in upgrade.select_related("category"):
        other.is_group, other.group_lead = True, lead
        complaint_reclassify(
            complaint=other,
            severity=Complaint.Severity.MAJOR,
            by=None,
            why="group",
            facts={"households": len(households)},
        )
    complaint.is_group = True
    complaint.group_lead = lead
    if complaint.severity:
        complaint.severity = Complaint.Severity.MAJOR
    return True


@transaction.atomic
def complaint_create(
    *,
    by,
    channel: str,
    description: str,
    contact_name: str,
    contact_phone,
    resident=None,
    unit=None,
    estate=None,
    is_anonymous: bool = False,
    occurred_at: dt.datetime | None = None,
    location: str = "",
    complained_about: str = "",
    demand: str = "",
    requested_deadline: dt.datetime | None = None,
    category=None,
    economic_loss=None,
    received_at: dt.datetime | None = None,
    group_lead: Complaint | None = None,
    attachments=(),
    is_urgent: bool = False,
    forwarded_by: str = "",
    reached_government: bool = False,
    owned: bool = True,
) -> Complaint:
    """Register a complaint as received; nothing is saved if any part of it is invalid.

    ``owned=False`` leaves it without a follow-up owner (a complaint the residents' side
    received: nobody at the desk has taken it yet; the supervisors stand in)."""
    if not perms.can_register(by):
        raise PermissionDenied(_("You may not register complaints."))
    received_at = received_at or timezone.now()
    if resident is not None:
        unit = unit or resident.unit
    if unit is not None and estate is None:
        estate = unit.building.property
    complaint = Complaint(
        channel=channel,
        description=description.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone,
        resident=None if is_anonymous else resident,
        unit=unit,
        estate=estate,
        is_anonymous=is_anonymous,
        occurred_at=occurred_at or received_at,
        location=location.strip(),
        complained_about=complained_about.strip(),
        demand=demand.strip(),
        requested_deadline=requested_deadline,
        category=category,
        economic_loss=economic_loss,
        received_by=by,
        received_at=received_at,
        clocks_started_at=received_at,
        is_urgent=is_urgent,
        owner=by if owned else None,  # 首问负责: whoever receives it owns it
        forwarded_by=forwarded_by if channel == Complaint.Channel.FORWARDED else "",
        reached_government=reached_government or forwarded_by == Complaint.Forwarder.GOVERNMENT,
    )
    complaint.full_clean(exclude=["number", "state"])
    for upload in attachments:
        validate_upload(upload)
    complaint.number = _next_number(received_at)
    policy = DeskPolicy.current()
    refresh_repeat_level(complaint, policy=policy)
    if group_lead is not None:
        complaint.group_lead = group_lead.group_lead or group_lead
    complaint.save()
    record_event(
        complaint,
        ComplaintEvent.Kind.CREATED,
        by=by,
        to_state=complaint.state,
        code="received",
        params={"channel": complaint.channel},
        at=received_at,
    )
    detect_group(complaint, by=by, policy=policy)
    if complaint.is_group:
        complaint.save(update_fields=["is_group", "group_lead", "severity"])
    from ..sla import deadlines

    deadlines.schedule(complaint)
    tell_resident(complaint, "received")
    if complaint.economic_loss is not None:
        # The reporting app owns corrective actions and the loss threshold; imported here,
        # at run time, because it builds on this app.
        from reporting.services import corrective_action_for_loss

        corrective_action_for_loss(complaint=complaint, by=by)
    if attachments:
        attachments_add(complaint=complaint, uploads=attachments, by=by)
    return complaint


def attachment_add(*, complaint: Complaint, upload, by) -> Attachment:
    """Attach one checked photo, PDF or video to the complaint (see :func:`attachments_add`)."""
    return attachments_add(complaint=complaint, uploads=[upload], by=by)[0]


@transaction.atomic
def attachments_add(*, complaint: Complaint, uploads, by) -> list[Attachment]:
    """Attach several files at once, all or none: every file is checked (a picture decoded,
    shrunk and stripped of its metadata, with a thumbnail made) before any is stored; each
    is noted on the timeline."""
    if not perms.can_attach(by, complaint):
        raise PermissionDenied(_("You may not add attachments."))
    checked = []
    for upload in uploads:
        content_type = validate_upload(upload, decode=False)
        checked.append((upload, content_type, images.prepare(upload, content_type)))
    stored: list[Attachment] = []
    try:
        for upload, content_type, prepared in checked:
            content = prepared.file if prepared and prepared.file else upload
            attachment = Attachment(
                complaint=complaint,
                original_name=PurePath(upload.name).name[:200],
                content_type=content_type,
                size=content.size,
                uploaded_by=by,
                uploaded_at=timezone.now(),
            )
            stored.append(attachment)
            attachment.file.save(upload.name, content, save=False)
            if prepared:
                attachment.thumbnail.save(prepared.thumbnail.name, prepared.thumbnail, save=False)
            attachment.save()
            record_event(
                complaint,
                ComplaintEvent.Kind.ATTACHMENT,
                by=by,
                code="attachment",
                params={"name": attachment.original_name},
            )
    except BaseException:
        for attachment in stored:  # the rows roll back; the files written so far go too
            for field in (attachment.file, attachment.thumbnail):
                if field:
                    field.delete(save=False)
        raise
    return stored
