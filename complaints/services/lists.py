"""Writes behind the list pages: a record of every export (personal data leaving the masked
view), and saved views (a user's named sets of filters on a list)."""

from __future__ import annotations

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from ..models import DataAccess, SavedView
from .errors import ServiceError

MAX_SAVED_VIEWS = 30  # per user and list

# The parameters each list reads; anything else in a saved query string is dropped.
SCOPE_PARAMETERS: dict[str, tuple[str, ...]] = {
    SavedView.Scope.COMPLAINTS: (
        "q",
        "state",
        "severity",
        "category",
        "department",
        "received_from",
        "received_to",
        "overdue",
    ),
    SavedView.Scope.WORK_ORDERS: ("group",),
    SavedView.Scope.REVISITS: ("mine", "department"),
    SavedView.Scope.ESCALATIONS: ("level", "clock", "department", "acknowledged", "overdue"),
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_query(scope: str, query: str) -> str:
    """The query string with only the list's own, non-empty filters, in a stable order."""
    allowed = SCOPE_PARAMETERS.get(scope, ())
    given = QueryDict(query or "", mutable=False)
    kept = QueryDict(mutable=True)
    for key in allowed:
        for value in given.getlist(key):
            value = _CONTROL.sub("", value).strip()[:200]
            if value:
                kept.appendlist(key, value)
    return kept.urlencode()


def clean_name(name: str) -> str:
    """A view's name as shown: normalised, without control or direction characters, single
    spaces."""
    text = unicodedata.normalize("NFC", name or "")
    text = _CONTROL.sub("", text)
    return " ".join(text.split())


@transaction.atomic
def export_record(*, by, what: str, rows: int, filters: str, phones_included: bool) -> DataAccess:
    """Note who exported what, with which filters, how many rows, and whether whole phone
    numbers were in it (PIPL)."""
    record = DataAccess(
        user=by,
        kind=DataAccess.Kind.EXPORT,
        what=what[:200],
        rows=rows,
        filters=filters[:1000],
        phones_included=phones_included,
    )
    record.full_clean()
    record.save()
    return record


def saved_view_create(*, user, scope: str, name: str, query: str) -> SavedView:
    """Save the list's current filters under ``name``.  Saving the same name with the same
    filters again (a double click) returns the view already saved."""
    if scope not in SCOPE_PARAMETERS:
        raise ServiceError(_("There is no such list."))
    name = clean_name(name)
    if not name:
        raise ServiceError(_("Give the view a name."))
    longest = SavedView._meta.get_field("name").max_length
    if len(name) > longest:
        raise ServiceError(_("Give the view a name of at most %(n)d characters.") % {"n": longest})
    query = clean_query(scope, query)
    if len(query) > SavedView._meta.get_field("query").max_length:
        raise ServiceError(_("These filters are too long to save."))
    existing = SavedView.objects.filter(user=user, scope=scope, name=name).first()
    if existing is not None:
        if existing.query == query:
            return existing
        raise ServiceError(
            _("You already have a view named “%(name)s” on this list; choose another name.")
            % {"name": name}
        )
    if SavedView.objects.filter(user=user, scope=scope).count() >= MAX_SAVED_VIEWS:
        raise ServiceError(
            _("You have %(n)d views on this list already; delete one first.")
            % {"n": MAX_SAVED_VIEWS}
        )
    view = SavedView(user=user, scope=scope, name=name, query=query)
    view.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        # The same name saved a moment ago in another request.
        existing = SavedView.objects.filter(user=user, scope=scope, name=name).first()
        if existing is not None and existing.query == query:
            return existing
        raise ServiceError(
            _("You already have a view named “%(name)s” on this list; choose another name.")
            % {"name": name}
        ) from None
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, by) -> None:
    if view.user_id != by.pk:
        raise ServiceError(_("That view is not yours."))
    SavedView.objects.filter(pk=view.pk).delete()
