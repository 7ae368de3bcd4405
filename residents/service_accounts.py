"""Accounts the residents' side acts as when it writes to a complaint.

The complaint services record who did what (``received_by``, a timeline row's actor, an
attachment's uploader, a revisit's ``by``) as a user.  Residents are not users, so what they
do goes in under a service account: one per kind of act, each holding only the permissions
that act needs, with no usable password, no staff flag and no role, so nobody can sign in as
it.  Which resident acted is kept in the facts of each row (their masked phone).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction


@transaction.atomic
def service_account(username: str, display_name: str, permissions: list[tuple[str, str]]):
    """The account ``username`` (created on first use) holding exactly ``permissions``."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"last_name": display_name, "is_staff": False, "is_superuser": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    held = set(user.user_permissions.values_list("content_type__app_label", "codename"))
    missing = [p for p in permissions if p not in held]
    for app_label, codename in missing:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    if missing:
        user = User.objects.get(pk=user.pk)  # forget the cached permissions
    return user
