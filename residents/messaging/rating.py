"""The revisit online: a single-use link sent by SMS when a complaint is resolved, with which
the resident rates the handling without signing in.

The token is 32 random bytes; only its SHA-256 is stored, so the table cannot be turned back
into working links.  A link is good for :data:`VALID_FOR`, once, while the complaint waits for
its revisit, and only the newest link of a complaint works.  The rating is recorded through
the same service as a phone revisit (complaints.services.workflow.complaint_revisit), with
method "online": unsatisfied sends the complaint back to the department exactly the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..service_accounts import service_account
from .models import RatingLink

VALID_FOR = dt.timedelta(days=7)
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100

# The account the online revisits are recorded by (Revisit.by cannot be empty); it cannot log
# in (no usable password, no role) and holds only the permission to record a revisit.
RATING_USERNAME = "online-rating"
RATING_DISPLAY_NAME = "住户在线评价"


class LinkProblem(Exception):
    """Why a link cannot be used: ``unknown``, ``expired``, ``used`` or ``replaced``."""

    def __init__(self, kind: str, link: RatingLink | None = None):
        super().__init__(kind)
        self.kind = kind
        self.link = link


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_create(complaint, *, language: str = "zh-hans", now: dt.datetime | None = None) -> str:
    """A new link for ``complaint`` (older unused ones stop working); returns the token."""
    now = now or timezone.now()
    RatingLink.objects.filter(
        complaint=complaint, used_at__isnull=True, voided_at__isnull=True
    ).update(voided_at=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    RatingLink.objects.create(
        complaint=complaint,
        token_hash=token_hash(token),
        language=language,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    return token


def link_url(token: str) -> str:
    base = (getattr(settings, "SITE_URL", "") or "http://localhost:8000").rstrip("/")
    return base + reverse("rating:rate", args=[token])


def _find(token: str, *, lock: bool = False) -> RatingLink:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkProblem("unknown")
    qs = RatingLink.objects.select_related("complaint")
    if lock:
        qs = qs.select_for_update(of=("self",))
    link = qs.filter(token_hash=token_hash(token)).first()
    if link is None:
        raise LinkProblem("unknown")
    return link


def link_check(token: str, *, now: dt.datetime | None = None, lock: bool = False) -> RatingLink:
    """The link, if it can be used now; else :class:`LinkProblem` says why."""
    from complaints.models import Complaint

    now = now or timezone.now()
    link = _find(token, lock=lock)
    if link.used_at is not None:
        raise LinkProblem("used", link)
    if link.voided_at is not None:
        raise LinkProblem("replaced", link)
    if link.complaint.state != Complaint.State.RESOLVED:
        raise LinkProblem("replaced", link)  # revisited another way, or back in handling
    if now >= link.expires_at:
        raise LinkProblem("expired", link)
    return link


def rating_user():
    """The account online revisits are recorded by (see residents.service_accounts)."""
    return service_account(
        RATING_USERNAME, RATING_DISPLAY_NAME, [("complaints", "revisit_complaint")]
    )


@transaction.atomic
def rating_record(
    *,
    token: str,
    satisfaction: str,
    comment: str = "",
    prevention: str = "",
    suggestions: str = "",
):
    """Record the resident's rating as a revisit with method "online"; the link is used up.

    Raises :class:`LinkProblem` for a link that cannot be used (a second submit finds it
    used), and the service's ServiceError or ValidationError for bad input (nothing saved).
    """
    from complaints.models import Complaint, Revisit
    from complaints.services import complaint_revisit

    now = timezone.now()
    link = link_check(token, now=now, lock=True)
    taken = RatingLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
    if not taken:
        raise LinkProblem("used", link)
    complaint = Complaint.objects.select_related("category", "department", "unit").get(
        pk=link.complaint_id
    )
    revisit = complaint_revisit(
        complaint=complaint,
        by=rating_user(),
        method=Revisit.Method.ONLINE,
        satisfaction=satisfaction,
        comment=comment,
        prevention=prevention,
        suggestions=suggestions,
    )
    RatingLink.objects.filter(pk=link.pk).update(revisit=revisit)
    return revisit
