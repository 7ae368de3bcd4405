"""Admin for managers and administrators. Every change to a complaint goes through a service;
the transition buttons come from django-fsm-2's admin mixin, routed to complaints.actions."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin, FSMObjectTransition, FSMTransitionContext
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

# The monthly statistics link every figure to this list; the figure's definition lives there.
from reporting.admin_filters import ReceivedPeriodFilter, StatisticsFigureFilter
from residents.importing import BoundedImportMixin

from . import admin_audit  # noqa: F401  (the audit trail's admin, re-registered)
from . import permissions as perms
from .actions import ACTIONS, available_actions
from .admin_exports import PersonalDataExport
from .admin_notify import DepartmentWebhookInline
from .admin_paging import EstimatedCountPaginator
from .admin_people import person_field
from .models import (
    Attachment,
    CalendarDay,
    Category,
    Clock,
    Complaint,
    ComplaintEvent,
    DataAccess,
    DeadlineExtension,
    Department,
    DeskPolicy,
    Escalation,
    OfficeHours,
    Revisit,
    SlaPolicy,
    StaffProfile,
    WorkOrder,
)
from .resources import ComplaintResource
from .services import ServiceError
from .timeline_text import event_text


def _reschedule_open_complaints() -> None:
    """Recompute the open complaints' deadlines in the background; with the broker
    unreachable, here and now (a policy saved during a Redis outage still takes effect)."""
    from .sla import deadlines
    from .tasks import sla_reschedule

    try:
        sla_reschedule.delay()
    except Exception:
        logging.getLogger(__name__).warning("broker unreachable: rescheduling in the request")
        deadlines.reschedule_open()


class ReschedulesOpenComplaints:
    """Saving the policy recomputes every open complaint's deadlines, in the background, so
    a new rule applies to all of them at once rather than to each at its next step."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._queue_reschedule(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._queue_reschedule(request)

    def _queue_reschedule(self, request):
        from django.db import transaction

        if getattr(request, "_reschedule_queued", False):
            return  # once per request (a list of office hours saves row by row)
        request._reschedule_queued = True
        transaction.on_commit(_reschedule_open_complaints)
        self.message_user(request, _("The deadlines of open complaints are being recomputed."))


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    inlines = [DepartmentWebhookInline]
    list_display = ["name", "code", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["name", "code"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "user_name", "department", "phone"]
    user_name = person_field("user", _("name"))
    list_select_related = ["user", "department"]
    list_filter = ["department"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "code", "is_active", "is_urgent", "default_department", "sort_order"]
    list_editable = ["is_urgent", "default_department"]
    list_select_related = ["parent", "default_department"]
    list_filter = ["is_active", "is_urgent", "parent"]
    search_fields = ["name", "code"]


@admin.register(DeskPolicy)
class DeskPolicyAdmin(ReschedulesOpenComplaints, admin.ModelAdmin):
    list_display = [
        "__str__",
        "repeat_window_days",
        "group_window_hours",
        "group_min_households",
        "attachment_max_mb",
        "revisit_within_hours",
        "progress_every_hours",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not DeskPolicy.objects.exists()


@admin.register(OfficeHours)
class OfficeHoursAdmin(ReschedulesOpenComplaints, admin.ModelAdmin):
    """The day shift; outside it the night duty takes complaints (see the model)."""

    list_display = ["day", "opens", "closes"]
    list_editable = ["opens", "closes"]
    ordering = ["day"]

    def has_delete_permission(self, request, obj=None):
        return False


class VisibleToAdmin:
    """The admin of rows that belong to a complaint: only those the user may see (the
    model's ``visible_to``, the one rule pages use too); any other id is not there: 404,
    not the admin's redirect to its index."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(
                gettext("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?")
                % {"name": self.opts.verbose_name, "key": object_id}
            )
        return obj


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = ComplaintEvent
    fields = ["at", "kind", "actor_name", "from_state", "to_state", "text"]
    readonly_fields = fields
    actor_name = person_field("actor", _("by"))
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("note"))
    def text(self, obj):
        """The system's sentence in the reader's language, with what a person typed."""
        return event_text(obj)


class ClockInline(ReadOnlyInline):
    model = Clock
    fields = ["kind", "started_at", "due_at", "level", "next_at"]
    readonly_fields = fields
    verbose_name_plural = _("running deadlines")


class WorkOrderInline(ReadOnlyInline):
    model = WorkOrder
    fields = [
        "department",
        "status",
        "is_rework",
        "dispatched_at",
        "dispatched_by_name",
        "signed_at",
        "signed_by_name",
        "finished_at",
        "instructions",
    ]
    readonly_fields = fields
    dispatched_by_name = person_field("dispatched_by", _("dispatched by"))
    signed_by_name = person_field("signed_by", _("signed by"))

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("department", "dispatched_by", "signed_by")
        )


class RevisitInline(ReadOnlyInline):
    model = Revisit
    fields = ["at", "method", "satisfaction", "comment", "by_name"]
    readonly_fields = fields
    by_name = person_field("by", _("revisited by"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_by_name", "uploaded_at"]
    readonly_fields = fields
    uploaded_by_name = person_field("uploaded_by", _("uploaded by"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class DueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), ("today", _("due today"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.overdue_now(now)
        if self.value() == "today":
            end = timezone.localtime(now).replace(hour=23, minute=59, second=59)
            return queryset.due_between(now, end)
        return queryset


@admin.register(Complaint)
class ComplaintAdmin(
    PersonalDataExport, BoundedImportMixin, ImportExportMixin, FSMAdminMixin, admin.ModelAdmin
):
    fsm_fields = ["state"]
    resource_classes = [ComplaintResource]
    formats = [base_formats.CSV, base_formats.XLSX]
    to_encoding = "utf-8-sig"  # a BOM, so that Excel reads the Chinese of a CSV export
    list_display = [
        "number",
        "state",
        "severity",
        "category",
        "department",
        "who",
        "received_at",
        "due_state",
    ]
    list_select_related = ["category__parent", "department", "resident", "unit__building"]
    list_filter = [
        "state",
        "severity",
        DueFilter,
        "category",
        "department",
        "channel",
        "validity",
        "is_group",
        "repeat_level",
        ReceivedPeriodFilter,
        StatisticsFigureFilter,
    ]
    search_fields = [
        "number",
        "contact_name",
        "contact_phone",
        "description",
        "location",
        "resident__name",
    ]
    date_hierarchy = "received_at"
    ordering = ["-received_at"]
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator  # no COUNT(*) of a million unfiltered rows
    inlines = [WorkOrderInline, RevisitInline, AttachmentInline, ClockInline, EventInline]
    readonly_fields = [
        *(f.name for f in Complaint._meta.fields if f.name != "id"),
        "contact_phone_masked",
        "received_by_name",
        "owner_name",
        "agreed_by_name",
    ]
    received_by_name = person_field("received_by", _("received by"))
    owner_name = person_field("owner", _("follow-up owner"))
    agreed_by_name = person_field("agreed_by", _("deadline agreed by"))
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "state",
                    "channel",
                    "received_at",
                    "received_by_name",
                    "owner_name",
                ]
            },
        ),
        (
            _("Complainant"),
            {
                "fields": [
                    "resident",
                    "unit",
                    "estate",
                    "is_anonymous",
                    "contact_name",
                    "contact_phone",
                ]
            },
        ),
        (
            _("What happened"),
            {
                "fields": [
                    "occurred_at",
                    "location",
                    "complained_about",
                    "description",
                    "demand",
                    "requested_deadline",
                    "economic_loss",
                ]
            },
        ),
        (
            _("Classification"),
            {
                "fields": [
                    "severity",
                    "category",
                    "responsibility",
                    "validity",
                    "repeat_level",
                    "is_special",
                    "is_group",
                    "is_urgent",
                    "group_lead",
                    "department",
                ]
            },
        ),
        (_("Handling"), {"fields": ["explanation", "investigation_plan", "result_note"]}),
        (
            _("Milestones"),
            {
                "fields": [
                    "confirmed_at",
                    "dispatched_at",
                    "dispatch_due_at",
                    "answer_due_at",
                    "answered_at",
                    "resolve_due_at",
                    "agreed_due_at",
                    "agreed_by_name",
                    "agreed_at",
                    "resolved_at",
                    "revisit_due_at",
                    "revisit_appointment_at",
                    "closed_at",
                    "clocks_started_at",
                ]
            },
        ),
    ]

    # --- residents' phone numbers (PIPL) ------------------------------------------------------
    def get_fieldsets(self, request, obj=None):
        """Roles that do not call residents see the number masked here, as on the pages."""
        fieldsets = super().get_fieldsets(request, obj)
        if perms.can_reveal_phone(request.user, obj):
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        "contact_phone_masked" if f == "contact_phone" else f
                        for f in options["fields"]
                    ],
                },
            )
            for name, options in fieldsets
        ]

    @admin.display(description=_("contact phone"))
    def contact_phone_masked(self, obj):
        from residents.models import mask_phone

        return mask_phone(obj.contact_phone)

    # --- who sees what -----------------------------------------------------------------
    def get_queryset(self, request):
        return Complaint.objects.visible_to(request.user).select_related(
            "category__parent", "department", "resident", "unit__building"
        )

    def get_object(self, request, object_id, from_field=None):
        # Outside the user's visible set a complaint is simply not there: 404, not a redirect.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such complaint is visible to you."))
        return obj

    def get_search_results(self, request, queryset, search_term):
        from residents.models import Unit

        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        units = Unit.objects.matching_room(search_term)
        if units.exists():
            results = results | queryset.filter(unit__in=units)
        return results, may_have_duplicates

    def has_add_permission(self, request):
        return False  # complaints are registered at the desk (intake form), not here

    def has_delete_permission(self, request, obj=None):
        return False  # complaints are archived, never deleted

    # --- columns -----------------------------------------------------------------------
    @admin.display(description=_("resident / unit"))
    def who(self, obj):
        unit = obj.unit.label if obj.unit_id else ""
        return f"{obj.contact_name} {unit}".strip()

    @admin.display(description=_("deadline"))
    def due_state(self, obj):
        if not obj.is_open or obj.resolved_at or not obj.resolve_due_at:
            return "—"
        if obj.is_overdue(timezone.now()):
            return format_html('<span style="color:#c00;font-weight:bold">{}</span>', _("overdue"))
        return timezone.localtime(obj.resolve_due_at).strftime("%m-%d %H:%M")

    # --- transitions through the services -------------------------------------------------
    # django-fsm-2's public hooks choose labels and forms; two private ones are overridden on
    # purpose, because its public path does not serve here: it lists only transitions whose
    # conditions already hold (but "record the investigation" holds only once the form's plan
    # is typed), and it calls the model's transition method and saves, which would skip the
    # service (permission sentence, timeline, clocks).  Both go to complaints.actions, the
    # same table the desk pages use.
    def get_fsm_block_label(self, fsm_field_name):
        return _("Actions")

    def _get_fsm_extra_context(self, *, request, obj):
        if obj is None:
            return
        actions = available_actions(obj, request.user)
        if actions:
            yield FSMObjectTransition(
                fsm_field="state",
                block_label=self.get_fsm_block_label("state"),
                available_transitions=[
                    FSMTransitionContext(name=a.name, label=a.label) for a in actions
                ],
            )

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        # Only the actions of the table, each a transition of the model: any other name in
        # the address (``/transition/delete/``) is a page that does not exist.
        method = getattr(self.model, transition_name, None)
        if transition_name not in ACTIONS or not hasattr(method, "_django_fsm"):
            raise Http404(_("No such action."))
        return super().fsm_transition_view(request, object_id, transition_name, **kwargs)

    def get_fsm_transition_form(self, transition):
        action = ACTIONS.get(transition.name)
        return action.form if action else None

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        action = ACTIONS.get(transition_name)
        if action is None:
            self.message_user(request, _("Unknown action."), level=messages.ERROR)
            return False
        try:
            action.run(obj, request.user, dict(kwargs or {}))
        except (ServiceError, PermissionDenied) as exc:
            self.message_user(
                request, getattr(exc, "message", None) or str(exc), level=messages.ERROR
            )
            return False
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
            return False
        self.message_user(
            request,
            _("%(number)s: %(action)s — done.") % {"number": obj.number, "action": action.label},
            level=messages.SUCCESS,
        )
        return True


@admin.register(WorkOrder)
class WorkOrderAdmin(VisibleToAdmin, admin.ModelAdmin):
    list_display = [
        "complaint",
        "department",
        "status",
        "is_rework",
        "dispatched_at",
        "signed_at",
        "finished_at",
    ]
    list_select_related = ["complaint", "department"]
    list_filter = ["status", "department", "is_rework"]
    search_fields = ["complaint__number"]
    readonly_fields = [
        *(
            f.name
            for f in WorkOrder._meta.fields
            if f.name not in ("id", "dispatched_by", "signed_by")
        ),
        "dispatched_by_name",
        "signed_by_name",
    ]
    dispatched_by_name = person_field("dispatched_by", _("dispatched by"))
    signed_by_name = person_field("signed_by", _("signed by"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReschedulesOpenComplaints, admin.ModelAdmin):
    list_display = [
        "__str__",
        "dispatch_minutes",
        "notify_role",
        "notify_within_minutes",
        "answer_minutes",
        "resolve_days",
        "resolve_hours",
        "resolve_in_working_days",
        "extension_approver",
    ]
    fieldsets = [
        (None, {"fields": ["severity"]}),
        (_("Dispatch"), {"fields": ["dispatch_minutes", "dispatch_escalation_minutes"]}),
        (_("Management"), {"fields": ["notify_role", "notify_within_minutes", "answer_minutes"]}),
        (
            _("Resolution"),
            {
                "fields": [
                    "resolve_days",
                    "resolve_hours",
                    "resolve_in_working_days",
                    "use_requested_deadline",
                    "resolve_escalation_hours",
                    "reminder_fractions",
                    "extension_approver",
                ]
            },
        ),
    ]

    actions = ["use_standard_limits", "use_short_limits"]

    def get_readonly_fields(self, request, obj=None):
        return ["severity"] if obj else []

    def _apply(self, request, queryset, variant: str, label) -> None:
        changed = 0
        for policy in queryset:
            for name, value in SLA_VARIANTS[variant].get(policy.severity, {}).items():
                setattr(policy, name, value)
            policy.full_clean()
            policy.save()
            changed += 1
        self._queue_reschedule(request)
        self.message_user(
            request,
            _("%(count)d deadline policies now follow: %(variant)s")
            % {"count": changed, "variant": label},
        )

    @admin.action(
        description=_("Standard limits: resolve in 2 / 3 / 10 days, major answered in 2 days"),
        permissions=["change"],
    )
    def use_standard_limits(self, request, queryset):
        self._apply(request, queryset, "standard", self.use_standard_limits.short_description)

    @admin.action(
        description=_(
            "Short limits: minor answered in 1 hour and resolved in 12 hours, important "
            "answered in 3 hours, major answered in 24 hours and resolved in a week"
        ),
        permissions=["change"],
    )
    def use_short_limits(self, request, queryset):
        self._apply(request, queryset, "short", self.use_short_limits.short_description)

    def has_delete_permission(self, request, obj=None):
        return False


# The variants the procedures name, chosen per class with the actions above; every number
# stays editable on the policy itself afterwards.
SLA_VARIANTS = {
    "standard": {
        "minor": {"answer_minutes": None, "resolve_days": 2, "resolve_hours": None},
        "important": {"answer_minutes": None, "resolve_days": 3, "resolve_hours": None},
        "major": {"answer_minutes": 48 * 60, "resolve_days": 10, "resolve_hours": None},
    },
    "short": {
        "minor": {"answer_minutes": 60, "resolve_days": 1, "resolve_hours": 12},
        "important": {"answer_minutes": 3 * 60, "resolve_days": 3, "resolve_hours": None},
        "major": {"answer_minutes": 24 * 60, "resolve_days": 7, "resolve_hours": None},
    },
}


@admin.register(CalendarDay)
class CalendarDayAdmin(ReschedulesOpenComplaints, admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(VisibleToAdmin, ReadOnlyAdmin):
    list_display = [
        "complaint",
        "status",
        "old_due_at",
        "new_due_at",
        "requested_by_name",
        "requested_at",
        "decided_by_name",
        "decided_at",
    ]
    requested_by_name = person_field("requested_by", _("requested by"))
    decided_by_name = person_field("decided_by", _("decided by"))
    list_select_related = ["complaint", "requested_by", "decided_by"]
    list_filter = ["status"]
    search_fields = ["complaint__number", "reason"]


@admin.register(Escalation)
class EscalationAdmin(VisibleToAdmin, ReadOnlyAdmin):
    list_display = ["complaint", "clock", "level", "role", "due_at", "escalated_at"]
    list_select_related = ["complaint"]
    list_filter = ["clock", "level", "role"]
    search_fields = ["complaint__number"]
    date_hierarchy = "escalated_at"


@admin.register(DataAccess)
class DataAccessAdmin(ReadOnlyAdmin):
    """The record of personal data leaving the masked view: read only, for management."""

    list_display = ["at", "user_name", "kind", "what", "rows", "phones_included", "complaint"]
    list_select_related = ["user", "complaint"]
    list_filter = ["kind", "phones_included"]
    search_fields = ["what", "user__username", "user__first_name", "user__last_name"]
    date_hierarchy = "at"
    readonly_fields = [
        "at",
        "user_name",
        "kind",
        "what",
        "rows",
        "phones_included",
        "complaint",
        "filters",
    ]
    fields = readonly_fields
    user_name = person_field("user", _("user"))
