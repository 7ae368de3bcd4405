"""Writing text messages to residents and getting them out.

A message is a :class:`~residents.messaging.models.ResidentMessage` row written in the same
transaction as the event it announces; after the commit a Celery task sends it through the
configured backend.  A save never waits for the provider: if the broker or the provider is
down the row stays unsent, and the beat task ``residents.requeue_messages`` queues it again
(a failed try waits a little longer each time).  Like the staff notifications, a worker
claims a row before sending it, so two workers given the same id send it once.

Messages about a complaint are held for the night (the office hours of complaints.sla.rules)
unless the complaint is urgent; a sign-in code goes at once.  A resident who opted out gets
no messages about complaints (sign-in codes still go: they asked for them).
"""

from __future__ import annotations

import datetime as dt
import logging

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import wording
from .backends import DeliveryError, Outgoing, get_backend
from .models import MessageEvent, MessageTemplate, ResidentMessage

log = logging.getLogger(__name__)
E = MessageEvent

CLAIM_EXPIRES = dt.timedelta(minutes=10)  # a worker that died gives its claim up after this
CODE_VALID_FOR = dt.timedelta(minutes=5)
REDACTED = "******"
REQUEUE_AFTER = dt.timedelta(minutes=1)  # rows older than this, unsent, are queued again
BATCH = 500


# --- who, and in which language ----------------------------------------------------------------
def is_mobile(phone) -> bool:
    """Only a mobile number can take a text message (a landline cannot)."""
    try:
        parsed = phonenumbers.parse(str(phone), "CN")
    except phonenumbers.NumberParseException:
        return False
    kind = phonenumbers.number_type(parsed)
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def residents_with(phone):
    from residents.models import Resident

    return Resident.objects.filter(Q(phone=phone) | Q(phone_alt=phone))


def opted_out(phone, resident=None) -> bool:
    """The resident (or anyone registered with this number) asked for no messages."""
    if resident is not None and resident.sms_opt_out:
        return True
    return residents_with(phone).filter(sms_opt_out=True).exists()


def language_of(resident) -> str:
    language = getattr(resident, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def template_for(event: str, language: str) -> MessageTemplate | None:
    """The active template of ``event`` in ``language``, or in the site's language."""
    rows = {
        t.language: t
        for t in MessageTemplate.objects.filter(event=event, is_active=True)
        if t.language in (language, settings.LANGUAGE_CODE)
    }
    found = rows.get(language) or rows.get(settings.LANGUAGE_CODE)
    if found is None and MessageTemplate.objects.filter(event=event).exists():
        return None  # switched off in the admin
    if found is None and (event, language) in wording.FALLBACK:
        found = MessageTemplate(
            event=event, language=language, text=wording.FALLBACK[event, language]
        )
    return found


# --- writing the outbox --------------------------------------------------------------------------
def _queue_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: queue(ids))


def queue(ids: list[int]) -> None:
    """Hand rows to the worker; if the broker is down, the beat task queues them later."""
    from residents.tasks import deliver_resident_messages

    try:
        deliver_resident_messages.delay(ids)
    except Exception:  # the broker is unreachable: the rows stay unsent and are queued again
        log.warning("could not queue %d resident messages; they are queued again later", len(ids))


def write(
    *,
    phone,
    event: str,
    values: dict,
    language: str,
    resident=None,
    complaint=None,
    now: dt.datetime,
    send_after: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
) -> ResidentMessage | None:
    """One row (queued after the commit unless held); None if the event's template is off."""
    template = template_for(event, language)
    if template is None:
        return None
    message = ResidentMessage.objects.create(
        phone=phone,
        resident=resident,
        complaint=complaint,
        event=event,
        language=template.language,
        text=wording.fill(template.text, values),
        params={k: str(v) for k, v in values.items()},
        provider_template=template.provider_template,
        provider_params=template.value_names(),
        created_at=now,
        send_after=send_after if send_after and send_after > now else None,
        expires_at=expires_at,
    )
    if message.send_after is None:
        _queue_after_commit([message.pk])
    return message


def send_code(phone, code: str, *, language: str | None = None, now=None) -> ResidentMessage | None:
    """Send a sign-in code at once (day or night, opted out or not: the resident asked).

    The code is written in the outbox only until it is sent (then it is blanked out), and is
    never sent once it is no longer valid.
    """
    now = now or timezone.now()
    resident = residents_with(phone).order_by("moved_out", "-pk").first()
    return write(
        phone=phone,
        event=E.SIGN_IN_CODE,
        values={"code": code},
        language=language or language_of(resident),
        resident=resident,
        now=now,
        expires_at=now + CODE_VALID_FOR,
    )


def _held() -> bool:
    """Inside complaints' held_deliveries() (the demo history): residents hear nothing."""
    from complaints.sla.notifications import deliveries_held

    return deliveries_held()


def quiet_until(complaint, now: dt.datetime) -> dt.datetime | None:
    from complaints.sla.notifications import is_urgent
    from complaints.sla.notifications import quiet_until as opens_at
    from complaints.sla.rules import Rules

    if is_urgent(complaint):
        return None
    return opens_at(now, Rules.load())


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def complaint_values(complaint, event: str) -> dict:
    due = {
        E.DISPATCHED: complaint.agreed_due_at or complaint.resolve_due_at,
        E.ANSWERED: complaint.agreed_due_at or complaint.resolve_due_at,
        E.HANDED_UP: complaint.resolve_due_at,
        E.RESOLVED: None,
    }.get(event)
    department = complaint.department.name if complaint.department_id else ""
    return {
        "number": complaint.number,
        "unit": complaint.unit.label if complaint.unit_id else "",
        "department": department,
        "due": local(due),
    }


def complaint_event(complaint, event: str, *, now: dt.datetime | None = None):
    """Tell the complaint's contact what happened (``event``: a MessageEvent value).

    Called by the complaint services inside their transaction; writes at most one outbox row
    and, when the complaint is resolved, its rating link.  Nothing is written for a contact
    without a mobile number, a resident who opted out, or an event switched off.
    """
    if _held():
        return None
    phone = complaint.contact_phone
    if not phone or not is_mobile(phone):
        return None
    resident = complaint.resident if complaint.resident_id else None
    if opted_out(phone, resident):
        return None
    now = now or timezone.now()
    language = language_of(resident or residents_with(phone).first())
    values = complaint_values(complaint, event)
    if event == E.RESOLVED:
        if template_for(event, language) is None:
            return None
        from .rating import link_create, link_url

        values["link"] = link_url(link_create(complaint, language=language, now=now))
    return write(
        phone=phone,
        event=event,
        values=values,
        language=language,
        resident=resident,
        complaint=complaint,
        now=now,
        send_after=quiet_until(complaint, now),
    )


# --- sending -------------------------------------------------------------------------------------
def _claimable(now: dt.datetime) -> Q:
    """Not sent, not being sent by a live worker, not held any more, not given up."""
    return (
        Q(delivered_at__isnull=True)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES))
        & (Q(send_after__isnull=True) | Q(send_after__lte=now))
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )


def backoff(attempts: int) -> dt.timedelta:
    """How long a failed message waits before its next try: 1, 2, 4 … minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def e164(phone) -> str:
    as_e164 = getattr(phone, "as_e164", None)
    if as_e164:
        return as_e164
    parsed = phonenumbers.parse(str(phone), "CN")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def outgoing(message: ResidentMessage) -> Outgoing:
    return Outgoing(
        phone=e164(message.phone),
        text=message.text,
        event=message.event,
        language=message.language,
        params=dict(message.params or {}),
        template=message.provider_template,
        template_params=tuple(message.provider_params or ()),
        reference=str(message.pk),
    )


def _redacted(message: ResidentMessage) -> dict:
    """A sent sign-in code leaves no trace of the code in the outbox."""
    if message.event != E.SIGN_IN_CODE:
        return {}
    code = str((message.params or {}).get("code", ""))
    text = message.text.replace(code, REDACTED) if code else message.text
    return {"text": text, "params": {"code": REDACTED}}


def _not_wanted_any_more(message: ResidentMessage) -> str:
    """Why a message written earlier (held for the night, or failed) should not go now."""
    if message.event == E.SIGN_IN_CODE:
        return ""
    if opted_out(message.phone, message.resident):
        return "opted out"
    if message.event == E.RESOLVED and message.complaint_id:
        from complaints.models import Complaint

        state = Complaint.objects.filter(pk=message.complaint_id).values_list("state", flat=True)
        if state.first() != Complaint.State.RESOLVED:
            return "already revisited"
    return ""


def deliver(ids: list[int], *, backend=None) -> tuple[int, list[int]]:
    """Send the given rows; returns (sent, ids that failed and wait for another try)."""
    backend = backend or get_backend()
    sent, failed = 0, []
    for message in ResidentMessage.objects.filter(pk__in=ids, delivered_at__isnull=True):
        now = timezone.now()
        claimed = ResidentMessage.objects.filter(_claimable(now), pk=message.pk).update(
            claimed_at=now, attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another worker has it, or it was sent, held, or given up
        why_not = _not_wanted_any_more(message)
        if why_not:
            ResidentMessage.objects.filter(pk=message.pk).update(
                claimed_at=None, expires_at=now, last_error=why_not
            )
            continue
        try:
            provider_id = backend.send(outgoing(message))
        except Exception as exc:  # DeliveryError, or a backend's own bug: keep the row
            if not isinstance(exc, DeliveryError):
                log.exception("SMS backend failed on resident message %s", message.pk)
            else:
                log.warning("resident message %s not sent: %s", message.pk, exc)
            ResidentMessage.objects.filter(pk=message.pk).update(
                claimed_at=None,
                last_error=str(exc)[:300],
                send_after=now + backoff(message.attempts + 1),
            )
            failed.append(message.pk)
            continue
        ResidentMessage.objects.filter(pk=message.pk).update(
            delivered_at=timezone.now(),
            last_error="",
            provider_id=str(provider_id or "")[:100],
            **_redacted(message),
        )
        sent += 1
    return sent, failed


def requeue_undelivered(*, now: dt.datetime | None = None) -> int:
    """Queue again what the broker never received, what failed and waited, and what the
    night held till now (level-triggered: each run finds everything due)."""
    now = now or timezone.now()
    ids = list(
        ResidentMessage.objects.filter(_claimable(now), created_at__lte=now - REQUEUE_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    if ids:
        queue(ids)
    return len(ids)


def forget_expired_codes(*, now: dt.datetime | None = None) -> int:
    """Blank out sign-in codes that were never sent and are no longer valid."""
    now = now or timezone.now()
    return (
        ResidentMessage.objects.filter(
            event=E.SIGN_IN_CODE, delivered_at__isnull=True, expires_at__lte=now
        )
        .exclude(params={"code": REDACTED})
        .update(text=REDACTED, params={"code": REDACTED})
    )
