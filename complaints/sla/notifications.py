"""Who hears of what, and getting the messages out.

Notification rows are the outbox: the sweep and the services write them in their own
transaction, a Celery task delivers them through every channel after the commit, and a row
the broker never received (an outage, a killed worker) is queued again by the next sweep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import messages as texts
from .. import preferences as prefs
from .. import roles
from ..models import Notification, NotificationEvent, NotificationPreference

log = logging.getLogger(__name__)


def users_in_role(role: str):
    return get_user_model().objects.filter(groups__name=role, is_active=True).distinct()


def department_heads(department_id):
    return users_in_role(roles.DEPARTMENT_HEAD).filter(staff_profile__department_id=department_id)


class Recipients:
    """The members of each role and the heads of each department, read once per sweep."""

    def __init__(self) -> None:
        self._roles: dict[str, list] = {}
        self._heads: dict[int, list] = {}

    def role(self, role: str) -> list:
        if role not in self._roles:
            self._roles[role] = list(users_in_role(role))
        return self._roles[role]

    def heads(self, department_id) -> list:
        if not department_id:
            return []
        if department_id not in self._heads:
            self.load_heads([department_id])
        return self._heads[department_id]

    def load_heads(self, department_ids) -> None:
        """The heads of many departments in one query."""
        wanted = {d for d in department_ids if d and d not in self._heads}
        if not wanted:
            return
        for d in wanted:
            self._heads[d] = []
        for user in (
            users_in_role(roles.DEPARTMENT_HEAD)
            .filter(staff_profile__department_id__in=wanted)
            .select_related("staff_profile")
        ):
            self._heads[user.staff_profile.department_id].append(user)


def queue_delivery(ids: list[int]) -> None:
    """Hand notifications to the worker; if the broker is down the sweep tries again later."""
    from ..tasks import deliver_notifications

    try:
        deliver_notifications.delay(ids)
    except Exception:  # the broker is unreachable: the rows stay undelivered and are re-queued
        log.warning("could not queue %d notifications; the next sweep re-queues them", len(ids))


# Set by held_deliveries(): rows are written but not handed to the broker (the demo loader
# writes months of history whose notifications nobody should receive, and would otherwise
# queue hundreds of tasks ahead of the first real sweep).
_held: ContextVar[bool] = ContextVar("notification_deliveries_held", default=False)


@contextlib.contextmanager
def held_deliveries():
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def deliveries_held() -> bool:
    """Inside :func:`held_deliveries` (other outboxes ask, e.g. the residents' messages)."""
    return _held.get()


def queue_after_commit(ids: list[int], queue=None) -> None:
    """After the commit, hand ``ids`` to ``queue`` (the notifications' by default)."""
    if ids and not _held.get():
        queue = queue or queue_delivery
        transaction.on_commit(lambda: queue(ids))


# A worker that claimed a notification and died gives it up after this long.
CLAIM_EXPIRES = dt.timedelta(minutes=10)


def _claimable(now: dt.datetime) -> Q:
    """Not sent, not being sent by a live worker, and not held for quiet hours any more."""
    return (
        Q(delivered_at__isnull=True)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES))
        & (Q(send_after__isnull=True) | Q(send_after__lte=now))
    )


def requeue_undelivered(
    *, now: dt.datetime, older_than=dt.timedelta(minutes=5), max_attempts: int = 5
) -> int:
    ids = list(
        Notification.objects.filter(
            _claimable(now),
            created_at__lte=now - older_than,
            attempts__lt=max_attempts,
        ).values_list("pk", flat=True)[:500]
    )
    queue_after_commit(ids)
    return len(ids)


def deliver(ids: list[int]) -> int:
    """Send the given notifications through every channel; idempotent (delivered ones skip)."""
    from ..notify import channels

    sent = 0
    notes = list(
        Notification.objects.filter(pk__in=ids, delivered_at__isnull=True).select_related(
            "recipient", "complaint"
        )
    )
    saved = prefs.preferences_of(n.recipient_id for n in notes)
    for note in notes:
        note.preference = saved.get(note.recipient_id)  # read by the channels
        # Claim it: of two workers given the same id (a re-queue while the first copy was
        # still waiting in the broker), the conditional update lets exactly one through.
        now = timezone.now()
        claimed = Notification.objects.filter(_claimable(now), pk=note.pk).update(
            claimed_at=now, attempts=F("attempts") + 1
        )
        if not claimed:
            continue
        try:
            for channel in channels():
                channel.send(note)
        except Exception:
            log.exception("delivery of notification %s failed", note.pk)
            Notification.objects.filter(pk=note.pk).update(claimed_at=None)  # try again later
            continue
        Notification.objects.filter(pk=note.pk).update(delivered_at=timezone.now())
        sent += 1
    return sent


def is_urgent(complaint) -> bool:
    """Urgent complaints (lift entrapment, flooding…) are never held for quiet hours."""
    if complaint is None:
        return False
    return bool(complaint.is_urgent or (complaint.category_id and complaint.category.is_urgent))


def quiet_until(now: dt.datetime, rules) -> dt.datetime | None:
    """Outside office hours: when the next day shift starts; in office hours: None."""
    opens = rules.day_shift_start(now)
    return opens if opens > now else None


def build_notes(
    users,
    *,
    complaint,
    event: str,
    params: dict,
    message: str,
    now: dt.datetime,
    urgent: bool,
    held_until: dt.datetime | None,
    saved: dict[int, NotificationPreference],
    escalation_id=None,
) -> list[Notification]:
    """One unsaved notification per user: the in-app message at once (read already if the
    user switched the app off for this event), the other channels after quiet hours."""
    notes = []
    for user in users:
        pref = saved.get(user.pk)
        muted = not urgent and not prefs.wants(pref, event, prefs.Channel.APP)
        hold = held_until if held_until and prefs.quiet_hours_on(pref) else None
        notes.append(
            Notification(
                recipient=user,
                complaint=complaint,
                escalation_id=escalation_id,
                event=event,
                params=params,
                message=message,
                is_urgent=urgent,
                send_after=hold,
                read_at=now if muted else None,
                created_at=now,
            )
        )
    return notes


def due_now(notes: list[Notification], now: dt.datetime) -> list[int]:
    """The ids to hand to the worker now (held ones wait for the sweep)."""
    return [n.pk for n in notes if n.pk and (n.send_after is None or n.send_after <= now)]


def notify(
    users,
    *,
    complaint,
    event: str = NotificationEvent.OTHER,
    params: dict | None = None,
    message: str = "",
    now: dt.datetime | None = None,
    urgent: bool | None = None,
) -> list[int]:
    """Write one notification per user (not tied to an escalation) and queue them.

    ``event`` and ``params`` say what happened (rendered in each reader's language, see
    complaints.messages); ``message`` alone still works for a one-off text.
    """
    from .rules import Rules

    now = now or timezone.now()
    users = list(users)
    if not users:
        return []
    params = params or {}
    message = texts.render_stored(event, params) or message or texts.event_label(event)
    urgent = is_urgent(complaint) if urgent is None else urgent
    held_until = None if urgent else quiet_until(now, Rules.load())
    notes = Notification.objects.bulk_create(
        build_notes(
            users,
            complaint=complaint,
            event=event,
            params=params,
            message=message,
            now=now,
            urgent=urgent,
            held_until=held_until,
            saved=prefs.preferences_of(u.pk for u in users),
        )
    )
    ids = [n.pk for n in notes if n.pk]
    queue_after_commit(due_now(notes, now))
    return ids


def notification_mark_read(*, user, ids=None) -> int:
    qs = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""
