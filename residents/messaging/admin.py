"""The admin of the messages to residents: the wording (managers edit it) and the outbox
(read-only; phone numbers masked)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import MessageTemplate, ResidentMessage


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["event", "language", "text", "provider_template", "is_active"]
    list_filter = ["language", "is_active"]
    list_editable = ["is_active"]
    fields = ["event", "language", "text", "provider_template", "provider_params", "is_active"]
    readonly_fields = ["event", "language"]

    def has_add_permission(self, request):
        return False  # one row per event and language, seeded by a migration

    def has_delete_permission(self, request, obj=None):
        return False  # untick "send" instead


@admin.register(ResidentMessage)
class ResidentMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "masked_phone",
        "complaint",
        "send_after",
        "delivered_at",
        "attempts",
        "last_error",
    ]
    list_filter = ["event", ("delivered_at", admin.EmptyFieldListFilter)]
    list_select_related = ["complaint"]
    search_fields = ["complaint__number"]
    fields = [
        "created_at",
        "event",
        "language",
        "masked_phone",
        "complaint",
        "text",
        "send_after",
        "expires_at",
        "delivered_at",
        "attempts",
        "last_error",
        "provider_id",
    ]
    readonly_fields = fields

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: ResidentMessage) -> str:
        return obj.masked_phone

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
