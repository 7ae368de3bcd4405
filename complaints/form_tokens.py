"""A form acted on once, however often it is sent.

Each create form of a complaint's page carries a one-time token (``{% form_token %}`` from
:mod:`complaints.templatetags.form_tokens`, a fresh one every time the page is drawn).  The
view claims the token in the transaction that does the work (:func:`claim`): the first
sending inserts it and goes on; a second sending of the same form, whether it comes after
the first or at the same moment (it waits on the first's row, then finds it), is told the
form was already saved, and nothing is written twice.  If the work is refused, the
transaction is undone with the token, so the corrected form can be sent again.

The intake form has its own key, remembered on the complaint's timeline
(:func:`complaints.services.desk.submitted_before`), because its answer must name the
complaint the first sending made.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FIELD = "form_token"
MEMORY = dt.timedelta(days=1)
_SHAPE = re.compile(r"^[0-9a-f]{32}$")

SENT_BEFORE = _("This form was already sent and saved once; nothing was added the second time.")


class SentBefore(Exception):
    """Raised inside the work's transaction when :func:`claim` says the form was acted on
    already: the transaction is undone and the caller answers with :data:`SENT_BEFORE`."""


def new_token() -> str:
    return uuid.uuid4().hex


def token_of(request) -> str:
    """The token the form came with, or ``""`` (no token: an old page, a script)."""
    token = request.POST.get(FIELD, "").strip().lower()
    return token if _SHAPE.match(token) else ""


def claim(request, what: str = "") -> bool:
    """Claim the form's token for ``request.user``, in the caller's transaction.

    True: first sending (or no token), go on.  False: this form was acted on already."""
    from .models import UsedFormToken

    token = token_of(request)
    if not token:
        return True
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim() belongs inside the transaction that does the work")
    user = request.user
    UsedFormToken.objects.filter(user=user, at__lt=timezone.now() - MEMORY).delete()
    try:
        with transaction.atomic():
            UsedFormToken.objects.create(user=user, token=token, what=str(what)[:100])
    except IntegrityError:
        return False
    return True
