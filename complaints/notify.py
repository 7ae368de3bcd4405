"""Notification channels. Each has ``send(notification)``; the list comes from the setting
``NOTIFICATION_CHANNELS`` so SMS or WeChat can be added without touching the sweep.

A channel asks the recipient's preference (complaints.preferences) whether this event goes
its way.  Group robots are not a channel: they speak once per event to a whole department,
not once per person (see complaints.webhooks).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import messages as texts
from . import preferences as prefs

_UNKNOWN = object()


def preference_of(notification):
    """The preference deliver() attached to the row, or read now."""
    pref = getattr(notification, "preference", _UNKNOWN)
    if pref is _UNKNOWN:
        pref = prefs.preference_of(notification.recipient)
    return pref


class InAppChannel:
    """The notification row itself is the in-app message: nothing to send."""

    def send(self, notification) -> None:
        return None


class EmailChannel:
    """E-mail to the recipient's address, if they have one and want this event by e-mail
    (console backend by default).  Written in the site's language."""

    def send(self, notification) -> None:
        address = notification.recipient.email
        if not address:
            return
        if not notification.is_urgent and not prefs.wants(
            preference_of(notification), notification.event, prefs.Channel.EMAIL
        ):
            return
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = email_of(notification)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])


def email_of(notification) -> tuple[str, str]:
    """Subject (the number and the event) and body (the message, the facts, the link)."""
    params = dict(notification.params or {})
    number = params.get("number") or (
        notification.complaint.number if notification.complaint_id else ""
    )
    subject = _("[Complaint desk] %(number)s %(event)s") % {
        "number": number,
        "event": texts.event_label(notification.event),
    }
    lines = [notification.text, ""]
    lines += [f"{label}: {value}" for label, value in texts.fact_lines(params)]
    url = texts.complaint_url(notification.complaint_id)
    if url:
        lines += ["", _("Open the complaint: %(url)s") % {"url": url}]
    return " ".join(subject.split()), "\n".join(lines).strip() + "\n"


def channels():
    return [
        import_string(path)()
        for path in getattr(
            settings,
            "NOTIFICATION_CHANNELS",
            ["complaints.notify.InAppChannel", "complaints.notify.EmailChannel"],
        )
    ]
