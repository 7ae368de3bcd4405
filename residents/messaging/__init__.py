"""Messages to residents (SMS, or any channel with the same interface) and the revisit online.

The two calls the rest of the project makes:

* ``complaint_event(complaint, event)`` — from the complaint services, inside their
  transaction: tell the resident the complaint was received, dispatched, answered, resolved
  (with the rating link), handed to a superior or closed;
* ``send_code(phone, code)`` — from the residents' sign-in: send a one-time code at once.
"""

from __future__ import annotations


def complaint_event(complaint, event: str, **kwargs):
    from .outbox import complaint_event as write

    return write(complaint, event, **kwargs)


def send_code(phone, code: str, **kwargs):
    from .outbox import send_code as write

    return write(phone, code, **kwargs)
