"""Notification channels. Each has ``send(notification)``; the list comes from the setting
``NOTIFICATION_CHANNELS`` so SMS or WeChat can be added without touching the sweep."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


class InAppChannel:
    """The notification row itself is the in-app message: nothing to send."""

    def send(self, notification) -> None:
        return None


class EmailChannel:
    """E-mail to the recipient's address, if they have one (console backend by default)."""

    def send(self, notification) -> None:
        address = notification.recipient.email
        if not address:
            return
        subject = _("[Complaint desk] %(number)s") % {
            "number": notification.complaint.number if notification.complaint else ""
        }
        send_mail(subject, notification.message, settings.DEFAULT_FROM_EMAIL, [address])


def channels():
    return [
        import_string(path)()
        for path in getattr(
            settings,
            "NOTIFICATION_CHANNELS",
            ["complaints.notify.InAppChannel", "complaints.notify.EmailChannel"],
        )
    ]
