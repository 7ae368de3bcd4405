"""Complaints as a spreadsheet (django-import-export), for the admin.

Export: one row per complaint the user may see, Chinese headers, every text cell neutralised
against spreadsheet formulas (the residents registry's rules).

Import: for registering a batch of complaints that arrived on paper (suggestion-box slips,
letters, a night's phone log). Each row goes through ``complaint_create`` as if typed at the
desk, so numbering, repeat and group detection and the timeline are the same. A file is
imported whole or not at all; every bad row is reported with its number and reason.

=========  ============================================================================
column     on import
=========  ============================================================================
受理时间     optional; YYYY-MM-DD HH:MM (default: now)
投诉途径     required; the Chinese label (电话, 来访, 信函, 意见箱 …) or the stored value
联系人       required
联系电话     required; any usual spelling of a Chinese number
小区        optional; needed only when the room exists in more than one property
房号        optional; 3-2-1201 style
投诉类别     optional; "设备管理 / 照明", a sub-category's name, or a code
投诉内容     required
业主诉求     optional
=========  ============================================================================
Other columns of the export (编号, 状态 …) are ignored on import.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from residents import spreadsheet
from residents.models import Property, Unit, mask_phone
from residents.resources import PhoneWidget, TextWidget

from . import services
from .models import Category, Complaint

HEADERS = {
    "number": "编号",
    "state": "状态",
    "received_at": "受理时间",
    "channel": "投诉途径",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "estate": "小区",
    "room": "房号",
    "category": "投诉类别",
    "description": "投诉内容",
    "demand": "业主诉求",
    "severity": "投诉级别",
    "validity": "有效性",
    "department": "责任部门",
    "resolve_due_at": "处理时限",
    "resolved_at": "处理完成时间",
    "closed_at": "归档时间",
    "result_note": "处理结果",
}
IMPORTED = [
    "received_at",
    "channel",
    "contact_name",
    "contact_phone",
    "estate",
    "room",
    "category",
    "description",
    "demand",
]


def _choice(choices, text: str):
    """A choice from its stored value or its label in either language."""
    from django.utils import translation

    for value, label in choices.choices:
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        if text in (value, zh, en):
            return value
    return None


class LocalTimeWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class ComplaintResource(resources.ModelResource):
    #: A file without one of these columns is refused whole (see :mod:`residents.importing`).
    required_columns = tuple(
        HEADERS[key] for key in ("channel", "contact_name", "contact_phone", "description")
    )

    number = fields.Field(attribute="number", column_name=HEADERS["number"], readonly=True)
    state = fields.Field(column_name=HEADERS["state"], readonly=True)
    received_at = fields.Field(
        attribute="received_at", column_name=HEADERS["received_at"], widget=LocalTimeWidget()
    )
    channel = fields.Field(column_name=HEADERS["channel"])
    contact_name = fields.Field(
        attribute="contact_name", column_name=HEADERS["contact_name"], widget=TextWidget()
    )
    contact_phone = fields.Field(
        attribute="contact_phone", column_name=HEADERS["contact_phone"], widget=PhoneWidget()
    )
    estate = fields.Field(column_name=HEADERS["estate"])
    room = fields.Field(column_name=HEADERS["room"])
    category = fields.Field(column_name=HEADERS["category"])
    description = fields.Field(
        attribute="description", column_name=HEADERS["description"], widget=TextWidget()
    )
    demand = fields.Field(attribute="demand", column_name=HEADERS["demand"], widget=TextWidget())
    severity = fields.Field(column_name=HEADERS["severity"], readonly=True)
    validity = fields.Field(column_name=HEADERS["validity"], readonly=True)
    department = fields.Field(column_name=HEADERS["department"], readonly=True)
    resolve_due_at = fields.Field(
        attribute="resolve_due_at",
        column_name=HEADERS["resolve_due_at"],
        readonly=True,
        widget=LocalTimeWidget(),
    )
    resolved_at = fields.Field(
        attribute="resolved_at",
        column_name=HEADERS["resolved_at"],
        readonly=True,
        widget=LocalTimeWidget(),
    )
    closed_at = fields.Field(
        attribute="closed_at",
        column_name=HEADERS["closed_at"],
        readonly=True,
        widget=LocalTimeWidget(),
    )
    result_note = fields.Field(
        attribute="result_note", column_name=HEADERS["result_note"], readonly=True
    )

    def __init__(self, *, mask_phones: bool = False, **kwargs):
        # The admin masks the numbers for roles that do not call residents
        # (complaints.admin_exports); an import never masks anything.
        super().__init__(**kwargs)
        self.mask_phones = mask_phones

    class Meta:
        model = Complaint
        fields = list(HEADERS)
        export_order = list(HEADERS)
        import_id_fields = []
        use_bulk = False
        skip_diff = True

    # --- export --------------------------------------------------------------------------------
    def dehydrate_state(self, c):
        return c.get_state_display()

    def dehydrate_channel(self, c):
        return c.get_channel_display()

    def dehydrate_estate(self, c):
        return c.estate.name if c.estate_id else ""

    def dehydrate_room(self, c):
        return c.unit.label if c.unit_id else ""

    def dehydrate_category(self, c):
        return str(c.category) if c.category_id else ""

    def dehydrate_severity(self, c):
        return c.get_severity_display()

    def dehydrate_validity(self, c):
        return c.get_validity_display()

    def dehydrate_department(self, c):
        return c.department.name if c.department_id else ""

    def export_field(self, field, instance, **kwargs):
        if self.mask_phones and field.attribute == "contact_phone":
            return mask_phone(instance.contact_phone)
        return spreadsheet.neutralise(super().export_field(field, instance, **kwargs))

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("estate", "unit__building", "category__parent", "department")

    # --- import: every row through the intake service ------------------------------------------
    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def before_import(self, dataset, **kwargs):
        if dataset.headers:
            dataset.headers = [spreadsheet.cell_text(h) for h in dataset.headers]
        self._user = kwargs.get("user")

    def get_instance(self, instance_loader, row):
        return None  # every row is a new complaint

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return all(spreadsheet.cell_text(row.get(HEADERS[k])) == "" for k in IMPORTED)

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list[str]] = {}
        text = {k: spreadsheet.cell_text(row.get(HEADERS[k])) for k in IMPORTED}
        if not any(text.values()):
            return  # a blank row: skipped
        data = {
            "description": text["description"],
            "demand": text["demand"],
            "contact_name": text["contact_name"],
        }
        for key in ("description", "contact_name"):
            if not text[key]:
                errors.setdefault(HEADERS[key], []).append(_("This column must not be empty."))
        data["channel"] = _choice(Complaint.Channel, text["channel"])
        if not data["channel"]:
            errors.setdefault(HEADERS["channel"], []).append(
                _("“%(value)s” is not a channel.") % {"value": text["channel"]}
            )
        try:
            data["contact_phone"] = spreadsheet.normalise_phone(row.get(HEADERS["contact_phone"]))
        except ValueError:
            errors.setdefault(HEADERS["contact_phone"], []).append(
                _("“%(value)s” is not a valid phone number.") % {"value": text["contact_phone"]}
            )
        data["received_at"] = self._received_at(row.get(HEADERS["received_at"]), errors)
        data["unit"] = self._unit(text["estate"], text["room"], errors)
        data["category"] = self._category(text["category"], errors)
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                created = services.complaint_create(by=self._user, **data)
        except ValidationError as exc:
            raise ValidationError(" ".join(exc.messages)) from exc
        except (services.ServiceError, PermissionDenied) as exc:
            raise ValidationError(str(getattr(exc, "message", exc))) from exc
        instance.__dict__.update(
            {k: v for k, v in created.__dict__.items() if not k.startswith("_")}
        )

    def _received_at(self, value, errors):
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            moment = value
        else:
            text = spreadsheet.cell_text(value)
            for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d"):
                try:
                    moment = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                errors.setdefault(HEADERS["received_at"], []).append(
                    _("“%(value)s” is not a date and time; write YYYY-MM-DD HH:MM.")
                    % {"value": text}
                )
                return None
        moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        if moment > timezone.now():
            errors.setdefault(HEADERS["received_at"], []).append(
                _("The time of receipt is in the future.")
            )
        return moment

    def _unit(self, estate: str, room: str, errors):
        if not room:
            return None
        units = Unit.objects.matching_room(room)
        if estate:
            if not Property.objects.filter(name=estate).exists():
                errors.setdefault(HEADERS["estate"], []).append(
                    _("Property “%(name)s” does not exist.") % {"name": estate}
                )
                return None
            units = units.filter(building__property__name=estate)
        found = list(units.select_related("building__property")[:2])
        if len(found) != 1:
            errors.setdefault(HEADERS["room"], []).append(
                _("No room “%(room)s” in the registry.") % {"room": room}
                if not found
                else _("“%(room)s” exists in more than one place; write building-stairway-room.")
                % {"room": room}
            )
            return None
        return found[0]

    def _category(self, text: str, errors):
        if not text:
            return None
        parts = [p.strip() for p in text.replace("／", "/").split("/") if p.strip()]
        qs = Category.objects.filter(is_active=True)
        if len(parts) == 2:
            qs = qs.filter(parent__name=parts[0], name=parts[1])
        else:
            qs = qs.filter(name=text) | qs.filter(code=text)
        found = list(qs[:2])
        if len(found) != 1:
            errors.setdefault(HEADERS["category"], []).append(
                _("“%(value)s” is not a category.") % {"value": text}
            )
            return None
        return found[0]

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        return None  # saved by the intake service in import_instance
