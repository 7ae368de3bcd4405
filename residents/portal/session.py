"""A resident's session: the verified phone, kept under its own key with its own expiry.

Residents are not Django users: ``request.user`` stays anonymous, so no staff page (all of
them need a login) and no admin page is reachable with a resident session.  A staff login in
the same browser is not a resident session either: the residents' side reads its key only
when nobody is logged in.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

KEY = "resident_portal"
PENDING = "resident_portal_pending"  # the phone a code was sent to, before it is typed


def _now() -> float:
    return timezone.now().timestamp()


def sign_in(request, phone: str) -> None:
    """Start a resident session for the verified ``phone`` (E.164), on a new session key."""
    request.session.cycle_key()
    request.session.pop(PENDING, None)
    seconds = settings.RESIDENT_SESSION_DAYS * 86400
    request.session[KEY] = {"phone": phone, "until": _now() + seconds}
    request.session.set_expiry(seconds)


def sign_out(request) -> None:
    request.session.flush()


def current_phone(request) -> str | None:
    """The signed-in resident's phone, or None (also for a logged-in staff member)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    data = request.session.get(KEY)
    if not isinstance(data, dict) or not data.get("phone"):
        return None
    try:
        if float(data.get("until", 0)) <= _now():
            return None
    except (TypeError, ValueError):
        return None
    return str(data["phone"])


def resident_required(view):
    """The view runs for a signed-in resident (``request.resident_phone``); anyone else is
    sent to the sign-in page, which comes back here afterwards.  Never cached."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        phone = current_phone(request)
        if phone is None:
            target = reverse("portal:sign-in")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        request.resident_phone = phone
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapped
