"""The residents registry in the admin: properties, buildings, units and residents.

Residents are imported and exported as CSV or XLSX (see :mod:`residents.resources`); the
list shows phone numbers masked, the export (an authorised download) in full.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

# Exports of residents' data: phones masked per role, each export recorded (PIPL).
from complaints.admin_exports import PersonalDataExport

from .importing import BoundedImportMixin
from .models import Building, Property, Resident, Unit, mask_phone
from .resources import ResidentResource
from .safetext import XmlSafeFormMixin
from .services import CSV_ENCODING

ROOM_SEARCH_HELP = _("Search by name, any part of a phone number, or a room such as 3-2-1201.")


class XmlSafeModelForm(XmlSafeFormMixin, forms.ModelForm):
    """The registry's admin forms: text loses the characters XML forbids before it is saved."""


class BuildingInline(admin.TabularInline):
    model = Building
    fields = ["number", "name"]
    extra = 0
    show_change_link = True


class PosterAdminMixin:
    """A QR poster for the residents' side on every row: a printable page and its PNG."""

    def get_urls(self):
        from django.urls import path

        from .portal import views_posters

        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/poster/",
                self.admin_site.admin_view(views_posters.poster_page(self)),
                name="{}_{}_poster".format(*info),
            ),
            path(
                "<path:object_id>/poster.png",
                self.admin_site.admin_view(views_posters.poster_png(self)),
                name="{}_{}_poster_png".format(*info),
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("QR poster"))
    def poster_link(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        info = self.opts.app_label, self.opts.model_name
        url = reverse("admin:{}_{}_poster".format(*info), args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Print"))


@admin.register(Property)
class PropertyAdmin(PosterAdminMixin, admin.ModelAdmin):
    form = XmlSafeModelForm
    list_display = ["name", "code", "address", "poster_link"]
    search_fields = ["name", "code", "address"]
    inlines = [BuildingInline]


@admin.register(Building)
class BuildingAdmin(PosterAdminMixin, admin.ModelAdmin):
    form = XmlSafeModelForm
    list_display = ["__str__", "property", "number", "name", "poster_link"]
    list_filter = ["property"]
    list_select_related = ["property"]
    search_fields = ["number", "name", "property__name"]
    autocomplete_fields = ["property"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("property")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = XmlSafeModelForm
    list_display = [
        "label",
        "property_name",
        "building_number",
        "stairway",
        "room",
        "floor",
        "area",
    ]
    list_filter = [("building__property", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["building__property"]
    search_fields = ["room", "building__number", "building__property__name"]
    search_help_text = _("Search by room, such as 3-2-1201, 3栋2单元1201 or 1201.")
    autocomplete_fields = ["building"]

    def get_queryset(self, request):
        # __str__ is the label, which reads the building: autocomplete and titles need it too.
        return super().get_queryset(request).select_related("building__property")

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results = results | queryset.matching_room(search_term)
        return results, may_have_duplicates

    @admin.display(description=_("unit"), ordering="building__number")
    def label(self, obj: Unit) -> str:
        return obj.label

    @admin.display(description=_("property"), ordering="building__property__name")
    def property_name(self, obj: Unit) -> str:
        return obj.building.property.name

    @admin.display(description=_("building number"), ordering="building__number")
    def building_number(self, obj: Unit) -> str:
        return obj.building.number


class MovedOutFilter(admin.SimpleListFilter):
    title = _("moved out")
    parameter_name = "moved_out"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(moved_out__isnull=False)
        if self.value() == "no":
            return queryset.filter(moved_out__isnull=True)
        return queryset


@admin.register(Resident)
class ResidentAdmin(PersonalDataExport, BoundedImportMixin, ImportExportModelAdmin):
    form = XmlSafeModelForm
    resource_classes = [ResidentResource]
    formats = [base_formats.CSV, base_formats.XLSX]
    to_encoding = CSV_ENCODING  # a BOM, so that Excel reads the Chinese of a CSV export

    list_display = [
        "name",
        "unit_label",
        "property_name",
        "relation",
        "masked_phone",
        "moved_in",
        "moved_out",
    ]
    list_select_related = ["unit__building__property"]
    list_filter = [
        ("unit__building__property", admin.RelatedOnlyFieldListFilter),
        "relation",
        MovedOutFilter,
        "sms_opt_out",
    ]
    search_fields = ["name"]
    search_help_text = ROOM_SEARCH_HELP
    autocomplete_fields = ["unit"]
    fieldsets = [
        (None, {"fields": ["unit", "name", "relation"]}),
        (_("Contact"), {"fields": ["phone", "phone_alt"]}),
        (_("Text messages"), {"fields": ["language", "sms_opt_out"]}),
        (_("Dates"), {"fields": ["moved_in", "moved_out"]}),
        (None, {"fields": ["notes"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit__building__property")

    def get_fieldsets(self, request, obj=None):
        """People who may only look (department heads) see phone numbers masked here too."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [
                (
                    title,
                    {
                        **opts,
                        "fields": [
                            {"phone": "masked_phone", "phone_alt": "masked_phone_alt"}.get(f, f)
                            for f in opts["fields"]
                        ],
                    },
                )
                for title, opts in fieldsets
            ]
        return fieldsets

    @admin.display(description=_("other phone"))
    def masked_phone_alt(self, obj: Resident) -> str:
        return mask_phone(obj.phone_alt)

    def get_search_results(self, request, queryset, search_term):
        """Django's search on the name, plus the registry's own: phone fragments and rooms."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results = results | queryset.search(search_term)
        return results, may_have_duplicates

    @admin.display(description=_("unit"), ordering="unit__building__number")
    def unit_label(self, obj: Resident) -> str:
        return obj.unit.label

    @admin.display(description=_("property"), ordering="unit__building__property__name")
    def property_name(self, obj: Resident) -> str:
        return obj.unit.building.property.name

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Resident) -> str:
        return mask_phone(obj.phone)


from .messaging import admin as messaging_admin  # noqa: E402,F401  (registers its models)
