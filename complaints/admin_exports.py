"""Spreadsheet exports from the admin (django-import-export) that carry residents' data.

Mixed into the admins of complaints and residents, before the import-export mixin: roles
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

    def get_export_resource_kwargs(self, request, **kwargs):
        found = super().get_export_resource_kwargs(request, **kwargs)
        return {**found, "mask_phones": not perms.can_reveal_phone(request.user)}

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
