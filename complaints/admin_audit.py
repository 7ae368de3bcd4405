"""The audit trail in the admin: django-auditlog's own read-only admin, with its resource
filter reading only plausible ids (``?resource_type=abc`` or a 20-digit number is an empty
list, not a server error)."""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin

from .params import id_or_none


class SafeResourceTypeFilter(ResourceTypeFilter):
    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        content_type = id_or_none(self.value())
        if content_type is None:
            return queryset.none()
        return queryset.filter(content_type_id=content_type)


class AuditEntryAdmin(LogEntryAdmin):
    list_filter = ["action", SafeResourceTypeFilter, CIDFilter]


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditEntryAdmin)
