"""Which events reach a user by which channel, and whether quiet hours hold them.

Without a saved preference every event shows in the app and goes by e-mail, except a
department signing for a work order (the owner sees it in the app; an e-mail for each
signature is noise).  A saved preference lists, per event, the channels chosen; an event
missing from it keeps its default.
"""

from __future__ import annotations

from django.db import transaction

from .models import NotificationEvent, NotificationPreference

E = NotificationEvent
Channel = NotificationPreference.Channel

# The events a user can choose about, in the order the preference page lists them.
EVENTS = [
    E.WORK_ORDER,
    E.REWORK,
    E.REDISPATCHED,
    E.SIGNED,
    E.RESOLVED,
    E.EXTENSION_REQUESTED,
    E.EXTENSION_DECIDED,
    E.HANDED_UP,
    E.ESCALATION,
    E.REMINDER,
    E.ARCHIVE_REVIEW,
    E.ASSIGNED,
    E.REPEAT,
    E.OTHER,
]
CHANNELS = [Channel.APP, Channel.EMAIL]
DEFAULT_OFF = {Channel.APP: set(), Channel.EMAIL: {E.SIGNED}}


def default_channels(event: str) -> list[str]:
    return [c for c in CHANNELS if event not in DEFAULT_OFF[c]]


def channels_for(pref: NotificationPreference | None, event: str) -> list[str]:
    chosen = (pref.channels or {}).get(event) if pref is not None else None
    if not isinstance(chosen, list):
        return default_channels(event)
    return [c for c in CHANNELS if c in chosen]


def wants(pref: NotificationPreference | None, event: str, channel: str) -> bool:
    return channel in channels_for(pref, event)


def quiet_hours_on(pref: NotificationPreference | None) -> bool:
    return True if pref is None else pref.quiet_hours


def preferences_of(user_ids) -> dict[int, NotificationPreference]:
    """The saved preferences of many users, in one query."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=ids)}


def preference_of(user) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user=user).first()


@transaction.atomic
def preference_save(*, user, channels: dict[str, list[str]], quiet_hours: bool):
    """Keep the user's choice (saving the same twice changes nothing)."""
    clean = {
        str(event): [c for c in CHANNELS if c in (channels.get(event) or [])] for event in EVENTS
    }
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"channels": clean, "quiet_hours": bool(quiet_hours)}
    )
    return pref
