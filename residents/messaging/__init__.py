"""Messages to residents.

A stand-in until the SMS outbox arrives: the sign-in code is written to the log (logger
``residents.sms``), which is what the console backend of ``make run`` shows.  The real module
keeps the signature of :func:`send_code`.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("residents.sms")


def send_code(phone: str, code: str) -> None:
    """Send the one-time sign-in ``code`` to ``phone`` (E.164)."""
    logger.info("Sign-in code for %s: %s", phone, code)
