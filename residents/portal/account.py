"""The account the residents' side acts as when it writes to a complaint.

The complaint services record who did what (``received_by``, the timeline's actor, an
attachment's uploader) as a staff user.  Residents are not users, so whatever they do goes
in under one service account, "线上平台": it may register complaints and attach files, nothing
else; it has no usable password and no admin access, so nobody can sign in as it.  Which
resident acted is kept in the facts of each row (their masked phone).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

USERNAME = "online-portal"
PERMISSIONS = [("complaints", "add_complaint"), ("complaints", "add_attachment")]


@transaction.atomic
def portal_account():
    """The residents' side's service account, created on first use."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=USERNAME,
        defaults={"last_name": "线上平台", "is_staff": False, "is_superuser": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        for app_label, codename in PERMISSIONS:
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return user


def is_portal_account(user) -> bool:
    return getattr(user, "username", None) == USERNAME
