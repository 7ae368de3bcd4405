"""Tests: messages are kept in :data:`outbox`, like ``django.core.mail.outbox``."""

from __future__ import annotations

from . import DeliveryError, Outgoing, SmsBackend

outbox: list[Outgoing] = []
# Set to an exception to make the "provider" refuse every message (the outage tests).
failure: list[Exception] = []


class LocmemBackend(SmsBackend):
    def send(self, message: Outgoing) -> str:
        if failure:
            raise DeliveryError(str(failure[0]))
        outbox.append(message)
        return f"locmem-{len(outbox)}"
