"""Reporting in the admin: the monthly statistics page (with exports and a print view),
corrective actions, the reporting settings and the record of reports sent."""

from __future__ import annotations

from functools import partial, update_wrapper

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect

from complaints import form_tokens
from complaints.admin_people import person_field
from complaints.services import ServiceError

from . import services, views
from .models import (
    STATISTICS_PERMISSION,
    VERIFY_PERMISSION,
    CorrectiveAction,
    MonthlyReportDispatch,
    MonthlyStatistics,
    ReportingSettings,
)


@admin.register(MonthlyStatistics)
class MonthlyStatisticsAdmin(admin.ModelAdmin):
    """No list of rows: the "list" of this entry is the statistics page itself."""

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"

        def wrap(view):
            bound = partial(view, admin_site=self.admin_site)
            update_wrapper(bound, view)
            # Not admin_view(): a signed-in user without the permission gets 403, not the
            # admin's login page.
            return csrf_protect(views.statistics_required(bound))

        return [
            path("", wrap(views.statistics_page), name=f"{prefix}_changelist"),
            path("export.xlsx", wrap(views.export_xlsx), name=f"{prefix}_xlsx"),
            path("export.csv", wrap(views.export_csv), name=f"{prefix}_csv"),
            path("print/", wrap(views.print_view), name=f"{prefix}_print"),
        ]

    def has_module_permission(self, request):
        return request.user.has_perm(STATISTICS_PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(STATISTICS_PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CorrectiveActionForm(forms.ModelForm):
    verify_now = forms.BooleanField(
        label=_("verified: the action worked, close it"),
        required=False,
        help_text=_("Write the verification above first."),
    )

    class Meta:
        model = CorrectiveAction
        fields = [
            "title",
            "complaints",
            "cause_analysis",
            "action",
            "owner",
            "due_date",
            "verification_note",
        ]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(admin.ModelAdmin):
    form = CorrectiveActionForm
    list_display = ["title", "status", "owner_name", "due_date", "complaint_count", "verified_at"]
    list_filter = ["status", "due_date", ("complaints__estate", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["owner"]
    search_fields = ["title", "cause_analysis", "action", "complaints__number"]
    autocomplete_fields = ["complaints", "owner"]
    date_hierarchy = "due_date"
    readonly_fields = [
        "status",
        "verified_by_name",
        "verified_at",
        "created_by_name",
        "created_at",
    ]
    actions = ["verify"]
    # People by their names (王丽), not their user names.
    owner_name = person_field("owner", _("person responsible"))
    verified_by_name = person_field("verified_by", _("verified by"))
    created_by_name = person_field("created_by", _("recorded by"))

    def get_queryset(self, request):
        from django.db.models import Count

        # Only the actions whose complaints the user may see (the complaints' one rule).
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .annotate(n_complaints=Count("complaints"))
        )

    def get_object(self, request, object_id, from_field=None):
        # Outside the user's visible set an action is not there: 404, not a redirect.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    @admin.display(description=_("complaints"), ordering="n_complaints")
    def complaint_count(self, obj):
        return obj.n_complaints

    def get_fieldsets(self, request, obj=None):
        fields = [
            "title",
            "complaints",
            "cause_analysis",
            "action",
            "owner",
            "due_date",
        ]
        verification = ["verification_note"]
        if (obj is None or obj.status == CorrectiveAction.Status.OPEN) and request.user.has_perm(
            VERIFY_PERMISSION
        ):
            verification.append("verify_now")
        verification += ["status", "verified_by_name", "verified_at"]
        return [
            (None, {"fields": fields}),
            (_("Verification"), {"fields": verification}),
            (_("Record"), {"fields": ["created_by_name", "created_at"]}),
        ]

    def get_changeform_initial_data(self, request):
        # "?complaints=12,13" pre-selects the complaints (links on the statistics page).
        initial = super().get_changeform_initial_data(request)
        # Django has split the ids already; anything not a plain id (``?complaints=abc``) is
        # dropped rather than handed to the database.
        wanted = initial.get("complaints")
        if wanted is not None:
            if isinstance(wanted, str):
                wanted = wanted.split(",")
            initial["complaints"] = [
                pk for pk in wanted if isinstance(pk, str) and pk.isdigit() and len(pk) < 12
            ]
        return initial

    # A double click on "Save" adds one corrective action: the add form carries a one-time
    # token (templates/admin/reporting/correctiveaction/change_form.html), claimed in the
    # admin's transaction; a second sending is undone and told so.
    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except form_tokens.SentBefore:
            self.message_user(request, form_tokens.SENT_BEFORE, level=messages.INFO)
            return redirect("admin:reporting_correctiveaction_changelist")

    def save_model(self, request, obj, form, change):
        if not change and not form_tokens.claim(request, what="corrective action"):
            raise form_tokens.SentBefore
        services.corrective_action_save(action=obj, by=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.cleaned_data.get("verify_now"):
            try:
                services.corrective_action_verify(action=form.instance, by=request.user)
            except (ServiceError, PermissionDenied) as exc:
                self.message_user(request, str(exc), level=messages.WARNING)

    @admin.action(description=_("Mark as verified and done"), permissions=["verify"])
    def verify(self, request, queryset):
        done = 0
        for action in queryset:
            try:
                services.corrective_action_verify(action=action, by=request.user)
            except (ServiceError, PermissionDenied) as exc:
                self.message_user(request, str(exc), level=messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                _("%(count)d corrective action(s) verified and closed.") % {"count": done},
                level=messages.SUCCESS,
            )

    def has_verify_permission(self, request):
        return request.user.has_perm(VERIFY_PERMISSION)

    def has_delete_permission(self, request, obj=None):
        return False  # non-conformity records are kept


@admin.register(ReportingSettings)
class ReportingSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "economic_loss_threshold",
        "satisfaction_target",
        "revisit_target",
        "send_monthly_report",
        "report_day",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ReportingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonthlyReportDispatch)
class MonthlyReportDispatchAdmin(admin.ModelAdmin):
    list_display = ["month", "estate", "sent_at", "recipients"]
    list_select_related = ["estate"]
    readonly_fields = ["month", "estate", "claimed_at", "sent_at", "recipients"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
