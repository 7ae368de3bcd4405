"""Every write of the residents' side: sign-in codes, submitting, adding to and withdrawing a
complaint.  Complaints are written through the complaint services, acting as the residents'
side's service account (:mod:`.account`), so the desk's clocks and checks all apply."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintEvent
from complaints.services import ServiceError
from complaints.services.desk import submitted_before
from complaints.services.timeline import record_event

from ..models import Resident, SignInCode, mask_phone
from . import selectors
from .account import USERNAME, portal_account

CODE_DIGITS = 6
CODE_LIFETIME = dt.timedelta(minutes=5)
CODE_TRIES = 5
# Sending codes: at most one a minute and five an hour to one phone, twenty an hour from one
# client address (a building's shared Wi-Fi can hold several residents).
PHONE_GAP = dt.timedelta(minutes=1)
PHONE_PER_HOUR = 5
ADDRESS_PER_HOUR = 20
# Submitting: five complaints an hour and ten a day from one phone; files: six at a time and
# twenty an hour onto one phone's complaints.
SUBMIT_PER_HOUR = 5
SUBMIT_PER_DAY = 10
FILES_AT_ONCE = 6
FILES_PER_HOUR = 20


class TooMany(ServiceError):
    """A rate limit was reached: the sentence says how long to wait."""


# --- phones and codes --------------------------------------------------------------------------
def normalise_mobile(text: str) -> str | None:
    """A Chinese mobile number typed any usual way, as E.164; None if it is not one."""
    try:
        parsed = phonenumbers.parse((text or "").strip(), "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _hash(phone: str, code: str) -> str:
    message = f"resident-sign-in:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def code_send(*, phone: str, client_ip: str | None) -> SignInCode:
    """Send a new sign-in code to ``phone`` (E.164), within the limits; the code goes out
    once the row is saved.  Any earlier unused code of the phone stops working."""
    from residents import messaging

    now = timezone.now()
    sent = SignInCode.objects.filter(phone=phone)
    if sent.filter(created_at__gt=now - PHONE_GAP).exists():
        raise TooMany(_("A code was just sent to this phone. Wait a minute before asking again."))
    if sent.filter(created_at__gt=now - dt.timedelta(hours=1)).count() >= PHONE_PER_HOUR:
        raise TooMany(_("Too many codes were sent to this phone. Try again in an hour."))
    if (
        client_ip
        and SignInCode.objects.filter(
            client_ip=client_ip, created_at__gt=now - dt.timedelta(hours=1)
        ).count()
        >= ADDRESS_PER_HOUR
    ):
        raise TooMany(_("Too many codes were asked for from this network. Try again later."))
    sent.filter(used_at__isnull=True).update(used_at=now)  # superseded
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = SignInCode.objects.create(
        phone=phone,
        code_hash=_hash(phone, code),
        client_ip=client_ip,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    transaction.on_commit(lambda: messaging.send_code(phone, code))
    return row


@transaction.atomic
def code_check(*, phone: str, code: str) -> bool:
    """Whether ``code`` is the phone's live code (sent in the last five minutes, fewer than
    five wrong tries, not used); a right code is used up, a wrong one costs a try."""
    now = timezone.now()
    row = (
        SignInCode.objects.select_for_update()
        .filter(phone=phone, used_at__isnull=True, expires_at__gt=now, attempts__lt=CODE_TRIES)
        .order_by("-created_at", "-id")
        .first()
    )
    if row is None:
        return False
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) == CODE_DIGITS and constant_time_compare(row.code_hash, _hash(phone, code)):
        SignInCode.objects.filter(pk=row.pk).update(used_at=now, attempts=F("attempts") + 1)
        return True
    SignInCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    return False


# --- complaints --------------------------------------------------------------------------------
def _limit_submissions(phone: str) -> None:
    now = timezone.now()
    mine = Complaint.objects.filter(
        contact_phone=phone, channel=Complaint.Channel.ONLINE, received_by__username=USERNAME
    )
    if mine.filter(received_at__gt=now - dt.timedelta(hours=1)).count() >= SUBMIT_PER_HOUR:
        raise TooMany(_("You have sent several complaints in the last hour. Try again later."))
    if mine.filter(received_at__gt=now - dt.timedelta(days=1)).count() >= SUBMIT_PER_DAY:
        raise TooMany(_("You have sent many complaints today. Call the service centre instead."))


def _limit_files(phone: str, uploads) -> None:
    if len(uploads) > FILES_AT_ONCE:
        raise TooMany(_("Send at most %(n)d photos or videos at a time.") % {"n": FILES_AT_ONCE})
    recent = ComplaintEvent.objects.filter(
        kind=ComplaintEvent.Kind.ATTACHMENT,
        actor__username=USERNAME,
        complaint__contact_phone=phone,
        at__gt=timezone.now() - dt.timedelta(hours=1),
    ).count()
    if uploads and recent + len(uploads) > FILES_PER_HOUR:
        raise TooMany(_("You have sent many files in the last hour. Try again later."))


def _submission_key(phone: str, key: str) -> str:
    """The form's one-time key, tied to the phone (the service account is shared)."""
    try:
        key = str(uuid.UUID(key))
    except (TypeError, ValueError):
        return ""
    return f"{phone}:{key}"


def _mark_for_resident(complaint: Complaint, since_id: int) -> None:
    """The rows the resident's own action left are theirs to read back."""
    ComplaintEvent.objects.filter(
        complaint=complaint, pk__gt=since_id, kind__in=["attachment", "repeat", "note"]
    ).update(for_resident=True)


def _last_event_id() -> int:
    return ComplaintEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@transaction.atomic
def complaint_submit(
    *,
    phone: str,
    submission: str,
    category,
    description: str,
    location: str = "",
    demand: str = "",
    contact_name: str = "",
    contact_time: str = "",
    requested_deadline: dt.datetime | None = None,
    resident: Resident | None = None,
    unit=None,
    estate=None,
    room_typed: str = "",
    uploads=(),
) -> tuple[Complaint, bool]:
    """Register a resident's complaint (channel "online") once per form; returns it and
    whether this call made it.  ``resident`` must be one of the phone's own registry rows; a
    phone that is not in the registry submits with the unit it typed, and the desk is told
    on the timeline that the unit is the resident's word only (unverified)."""
    by = portal_account()
    key = _submission_key(phone, submission)
    if key:
        list(type(by).objects.select_for_update().filter(pk=by.pk).values_list("pk"))
        earlier = submitted_before(by=by, submission=key)
        if earlier is not None:
            return earlier.complaint, False
    if resident is not None and resident not in selectors.residents_of(phone):
        raise ServiceError(_("That unit is not registered to your phone."))
    _limit_submissions(phone)
    _limit_files(phone, uploads)
    demand = demand.strip()
    if contact_time.strip():
        demand = "\n".join(
            x
            for x in (demand, _("Best time to call: %(when)s") % {"when": contact_time.strip()})
            if x
        )
    complaint = complaint_services.complaint_create(
        by=by,
        owned=False,
        channel=Complaint.Channel.ONLINE,
        description=description,
        contact_name=contact_name or (resident.name if resident else "") or _("Resident"),
        contact_phone=phone,
        resident=resident,
        unit=None if resident else unit,
        estate=None if resident else estate,
        location=location,
        demand=demand,
        requested_deadline=requested_deadline,
        category=category,
        is_urgent=bool(category and category.is_urgent),
    )
    created = complaint.events.filter(kind=ComplaintEvent.Kind.CREATED).order_by("id").first()
    created.params = {
        **created.params,
        "submission": key,
        "phone": mask_phone(phone),
        "verified": resident is not None,
    }
    created.save(update_fields=["params"])
    if resident is None:
        record_event(
            complaint,
            ComplaintEvent.Kind.NOTE,
            by=by,
            code="portal_unverified",
            params={
                "property": str(estate) if estate else "",
                "room": room_typed.strip()[:40],
                "matched": unit.label if unit else "",
            },
        )
    if uploads:
        since = _last_event_id()
        complaint_services.attachments_add(complaint=complaint, uploads=list(uploads), by=by)
        _mark_for_resident(complaint, since)
    return complaint, True


@transaction.atomic
def complaint_add_information(
    *, phone: str, complaint: Complaint, text: str, submission: str = "", uploads=()
) -> ComplaintEvent | None:
    """The resident adds to their open complaint: a "reported again" row for the staff (and
    its owner is told), with any photos.  Refused once it is closed or withdrawn."""
    by = portal_account()
    _check_open(complaint)
    text = (text or "").strip()
    uploads = list(uploads)
    if not text and not uploads:
        raise ServiceError(_("Write something or add a photo."))
    _limit_files(phone, uploads)
    since = _last_event_id()
    event = None
    if text:
        event = complaint_services.complaint_add_report(
            complaint=complaint,
            by=by,
            contact_name=complaint.contact_name,
            contact_phone=phone,
            description=text,
            channel=Complaint.Channel.ONLINE,
            submission=_submission_key(phone, submission),
        )
        if event.pk <= since:  # the same form sent again
            return event
    if uploads:
        complaint_services.attachments_add(complaint=complaint, uploads=uploads, by=by)
    _mark_for_resident(complaint, since)
    return event


def withdrawn(complaint: Complaint) -> ComplaintEvent | None:
    """The resident's withdrawal of ``complaint``, if they withdrew it (since the last reopening)."""
    return selectors.withdrawal(complaint)


def _check_open(complaint: Complaint) -> None:
    if not complaint.is_open:
        raise ServiceError(_("This complaint is closed."))
    if withdrawn(complaint) is not None:
        raise ServiceError(_("You withdrew this complaint."))


@transaction.atomic
def complaint_withdraw(*, phone: str, complaint: Complaint, reason: str) -> ComplaintEvent:
    """The resident withdraws their complaint, giving a reason.

    The workflow decision: a withdrawal is recorded on the timeline (shown to the resident
    and to the staff) and the complaint stays with the desk, which closes it as invalid with
    the explanation "withdrawn by the resident" — closing is a staff decision (the revisit
    and statistics rules apply to it), and the department may already be on site.  Nothing
    more can be added to it from the residents' side."""
    by = portal_account()
    Complaint.objects.select_for_update().filter(pk=complaint.pk).values_list("pk").first()
    _check_open(complaint)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Tell us why you withdraw it."))
    return record_event(
        complaint,
        ComplaintEvent.Kind.NOTE,
        by=by,
        code="resident_withdrew",
        note=reason,
        params={"phone": mask_phone(phone)},
        for_resident=True,
    )
