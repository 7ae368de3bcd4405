"""Template context every page needs: the user's role for the header and navigation."""

from . import roles


def desk(request):
    user = getattr(request, "user", None)
    key = roles.role_of(user) if user is not None else None
    unread = 0
    if key is not None:
        from .selectors import unread_notifications_count

        unread = unread_notifications_count(user)
    return {"user_role": key, "user_role_label": roles.LABELS.get(key, ""), "unread": unread}
