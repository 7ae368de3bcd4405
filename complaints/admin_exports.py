"""Spreadsheet exports from the admin (django-import-export) that carry residents' data.

Mixed into the admins of complaints and residents, before the import-export mixin: only
those who may export (:func:`complaints.permissions.can_export`) see the button; roles
that do not call residents (see :func:`complaints.permissions.can_reveal_phone`) get the
phone numbers masked, as on the pages; and every export is recorded as a
:class:`~complaints.models.DataAccess` row (who, what, how many rows, whether full numbers
left), through the public hooks of import-export.
"""

from __future__ import annotations

from . import permissions as perms


class PersonalDataExport:
    #: What the export is called in the record of personal-data access.
    export_what = ""

    def has_export_permission(self, request):
        # Its own permission (a supervisor and above), not the model's view permission: the
        # export button is gone for the others and the export URL answers 403.
        return perms.can_export(request.user)

    def get_export_resource_kwargs(self, request, **kwargs):
        found = super().get_export_resource_kwargs(request, **kwargs)
        return {**found, "mask_phones": not perms.can_reveal_phone(request.user)}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A change page showing a full number (to those who may see it) is a reveal: noted."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if (
            request.method == "GET"
            and response.status_code == 200
            and perms.can_reveal_phone(request.user)
        ):
            from django.contrib.admin.utils import unquote

            from .models import Complaint, DataAccess
            from .services.privacy import data_access_record

            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                data_access_record(
                    user=request.user,
                    kind=DataAccess.Kind.REVEAL,
                    what=f"{self.opts.verbose_name}: {obj}",
                    rows=1,
                    phones_included=True,
                    complaint=obj if isinstance(obj, Complaint) else None,
                )
        return response

    def get_data_for_export(self, request, queryset, **kwargs):
        from .models import DataAccess
        from .services.privacy import data_access_record

        data = super().get_data_for_export(request, queryset, **kwargs)
        data_access_record(
            user=request.user,
            kind=DataAccess.Kind.EXPORT,
            what=str(self.export_what or self.opts.verbose_name_plural),
            rows=len(data),
            phones_included=perms.can_reveal_phone(request.user),
            filters=request.GET.urlencode(),
        )
        return data
