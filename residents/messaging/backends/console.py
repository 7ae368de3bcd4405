"""Development: the message is written to the log (and nowhere else)."""

from __future__ import annotations

import logging

from . import Outgoing, SmsBackend

log = logging.getLogger("residents.sms")


class ConsoleBackend(SmsBackend):
    def send(self, message: Outgoing) -> str:
        log.info("SMS to %s (%s): %s", message.phone, message.event, message.text)
        return ""
