"""The admin's lists answer bad addresses with 400, not a server error.

Django's change list turns most unreadable filters into its "incorrect lookup" page, but a
date drill-down beyond the calendar (``?received_at__year=99999999999999999999``, or the
year 9999, whose next year does not exist) overflows while the bounds are computed.
"""

from __future__ import annotations

from django.contrib.admin import ModelAdmin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import BadRequest
from django.utils.translation import gettext


class SafeChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as exc:
            raise BadRequest(gettext("This list cannot be filtered by that date.")) from exc


def protect_change_lists(site) -> None:
    """Give every admin of ``site`` that keeps Django's change list (the project's and the
    libraries' alike: django-axes, django-auditlog) the safe one.  Called once the admin
    modules are loaded (:meth:`complaints.apps.ComplaintsConfig.ready`)."""
    for model_admin in site._registry.values():
        if type(model_admin).get_changelist is ModelAdmin.get_changelist:
            model_admin.get_changelist = _safe_change_list


def _safe_change_list(request, **kwargs):
    return SafeChangeList
