"""Admin for the group robots: a department's WeCom / DingTalk robots (an inline on the
department) and their outbox, with what went wrong and a way to send again."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import webhooks
from .models import DepartmentWebhook, NotificationEvent, WebhookMessage
from .sla.notifications import queue_after_commit


class DepartmentWebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("webhook address"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[c for c in NotificationEvent.choices if c[0] != NotificationEvent.OTHER],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: new work orders, reworks, work orders sent on, escalations."),
    )

    class Meta:
        model = DepartmentWebhook
        fields = ["kind", "url", "secret", "events", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}


class DepartmentWebhookInline(admin.StackedInline):
    model = DepartmentWebhook
    form = DepartmentWebhookForm
    extra = 0


@admin.register(WebhookMessage)
class WebhookMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "webhook",
        "event",
        "complaint",
        "send_after",
        "delivered_at",
        "attempts",
        "last_error",
    ]
    list_select_related = ["webhook__department", "complaint"]
    list_filter = ["event", ("delivered_at", admin.EmptyFieldListFilter), "webhook__department"]
    search_fields = ["complaint__number", "text"]
    readonly_fields = [*list_display, "text", "claimed_at"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again"), permissions=["view"])
    def send_again(self, request, queryset):
        with transaction.atomic():
            ids = list(queryset.filter(delivered_at__isnull=True).values_list("pk", flat=True))
            WebhookMessage.objects.filter(pk__in=ids).update(
                attempts=0, claimed_at=None, send_after=None
            )
            queue_after_commit(ids, queue=webhooks.queue_posts)
        self.message_user(
            request,
            gettext("%(count)d message(s) queued again.") % {"count": len(ids)},
            messages.SUCCESS,
        )
