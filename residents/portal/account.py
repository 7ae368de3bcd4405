"""The account the residents' side acts as when it writes to a complaint.

The complaint services record who did what (``received_by``, the timeline's actor, an
attachment's uploader) as a staff user.  Residents are not users, so whatever they do goes
in under one service account, "线上平台": it may register complaints and attach files, nothing
else; it has no usable password and no admin access, so nobody can sign in as it.  Which
resident acted is kept in the facts of each row (their masked phone).
"""

from __future__ import annotations

from ..service_accounts import service_account

USERNAME = "online-portal"
PERMISSIONS = [("complaints", "add_complaint"), ("complaints", "add_attachment")]


def portal_account():
    """The residents' side's service account for registering complaints and files."""
    return service_account(USERNAME, "线上平台", PERMISSIONS)


def is_portal_account(user) -> bool:
    return getattr(user, "username", None) == USERNAME
