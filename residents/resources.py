"""The residents registry as a spreadsheet (django-import-export): one row per resident.

The column headers are the Chinese names people use in their own spreadsheets.  They are part
of the file format, so they stay the same whatever the language of the interface:

=========  ====================  ==========================================================
column     resident attribute    on import
=========  ====================  ==========================================================
小区        property name          must exist (looked up by name)
楼栋        building number        created when missing ("3", "3栋" and "3号楼" are the same)
单元        unit stairway          may be empty ("2" and "2单元" are the same)
房号        unit room              required; the unit is created when missing
姓名        name                   required
电话        phone                  stored as E.164 (+8613812345678); must be a valid number
其他电话     phone_alt              as 电话
关系        relation               业主 / 租户 / 家庭成员, or owner / tenant / family
入住日期     moved_in               YYYY-MM-DD, YYYY/MM/DD or a date cell
迁出日期     moved_out              as 入住日期
备注        notes
=========  ====================  ==========================================================

A resident is recognised by 小区 + 楼栋 + 单元 + 房号 + 姓名: importing the same row again
updates that resident.  A file is imported whole or not at all: one bad row and nothing is
saved, whichever way :meth:`ResidentResource.import_data` is called.

On export every text cell starting with ``= + - @``, a tab, a carriage return or a line feed
is written with a leading ``'`` so that no spreadsheet runs it as a formula; import takes it off
again.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from . import spreadsheet
from .models import Property, Resident, mask_phone
from .services import unit_get_or_create

COLUMNS = {
    "property": "小区",
    "building": "楼栋",
    "stairway": "单元",
    "room": "房号",
    "name": "姓名",
    "phone": "电话",
    "phone_alt": "其他电话",
    "relation": "关系",
    "moved_in": "入住日期",
    "moved_out": "迁出日期",
    "notes": "备注",
}

#: The relation as written in the export, and every spelling accepted on import.
RELATION_LABELS = {
    Resident.Relation.OWNER: "业主",
    Resident.Relation.TENANT: "租户",
    Resident.Relation.FAMILY: "家庭成员",
}
RELATION_ALIASES = {
    **{label: value for value, label in RELATION_LABELS.items()},
    **{value.value: value for value in Resident.Relation},
    "family member": Resident.Relation.FAMILY,
    "家属": Resident.Relation.FAMILY,
}

LOCATION_FIELDS = ("property", "building", "stairway", "room")
# Suffixes people add to the numbers: 3栋 / 3幢 / 3号楼, 2单元, 1201室.
_SUFFIXES = {
    "building": ("号楼", "栋", "幢", "楼"),
    "stairway": ("单元",),
    "room": ("室",),
}


class TextWidget(widgets.CharWidget):
    """Text cells: numbers read back as typed, spaces and the export's formula quote removed."""

    def clean(self, value, row=None, **kwargs):
        return spreadsheet.cell_text(value)


class PhoneWidget(widgets.Widget):
    """Phone cells: read in any usual spelling and stored as E.164; written the national way."""

    def clean(self, value, row=None, **kwargs):
        try:
            return spreadsheet.normalise_phone(value)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a valid phone number.")
                % {"value": spreadsheet.cell_text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return spreadsheet.format_phone(value)


class RelationWidget(widgets.Widget):
    """业主 / 租户 / 家庭成员 (or the stored values); an empty cell keeps the current relation."""

    def clean(self, value, row=None, **kwargs):
        text = spreadsheet.cell_text(value)
        if not text:
            return None
        relation = RELATION_ALIASES.get(text) or RELATION_ALIASES.get(text.lower())
        if relation is None:
            # The label in the language of the interface is understood too.
            relation = next((v for v, label in Resident.Relation.choices if label == text), None)
        if relation is None:
            raise ValueError(
                _("“%(value)s” is not a relation; write 业主, 租户 or 家庭成员.") % {"value": text}
            )
        return relation

    def render(self, value, obj=None, **kwargs):
        return RELATION_LABELS.get(value, value or "")


class SpreadsheetDateWidget(widgets.Widget):
    """Dates as YYYY-MM-DD text (CSV) or date cells (XLSX); Excel day numbers are read too."""

    def clean(self, value, row=None, **kwargs):
        try:
            return spreadsheet.parse_date(value)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a date; write it as YYYY-MM-DD.")
                % {"value": spreadsheet.cell_text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else value.isoformat()


def _location_text(key: str, value) -> str:
    text = spreadsheet.cell_text(value)
    for suffix in _SUFFIXES.get(key, ()):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].strip()
    return text


class ResidentResource(resources.ModelResource):
    #: A file without one of these columns is refused whole (see :mod:`residents.importing`).
    required_columns = (
        COLUMNS["property"],
        COLUMNS["building"],
        COLUMNS["stairway"],
        COLUMNS["room"],
        COLUMNS["name"],
    )

    property = fields.Field(
        attribute="unit__building__property__name",
        column_name=COLUMNS["property"],
        widget=TextWidget(),
    )
    building = fields.Field(
        attribute="unit__building__number", column_name=COLUMNS["building"], widget=TextWidget()
    )
    stairway = fields.Field(
        attribute="unit__stairway", column_name=COLUMNS["stairway"], widget=TextWidget()
    )
    room = fields.Field(attribute="unit__room", column_name=COLUMNS["room"], widget=TextWidget())
    name = fields.Field(attribute="name", column_name=COLUMNS["name"], widget=TextWidget())
    phone = fields.Field(attribute="phone", column_name=COLUMNS["phone"], widget=PhoneWidget())
    phone_alt = fields.Field(
        attribute="phone_alt", column_name=COLUMNS["phone_alt"], widget=PhoneWidget()
    )
    relation = fields.Field(
        attribute="relation",
        column_name=COLUMNS["relation"],
        widget=RelationWidget(),
        saves_null_values=False,
    )
    moved_in = fields.Field(
        attribute="moved_in", column_name=COLUMNS["moved_in"], widget=SpreadsheetDateWidget()
    )
    moved_out = fields.Field(
        attribute="moved_out", column_name=COLUMNS["moved_out"], widget=SpreadsheetDateWidget()
    )
    notes = fields.Field(attribute="notes", column_name=COLUMNS["notes"], widget=TextWidget())

    def __init__(self, *, mask_phones: bool = False, **kwargs):
        # The admin masks the numbers for roles that do not call residents; import never.
        super().__init__(**kwargs)
        self.mask_phones = mask_phones

    class Meta:
        model = Resident
        name = gettext_lazy("Residents")
        fields = tuple(COLUMNS)
        import_order = tuple(COLUMNS)
        export_order = tuple(COLUMNS)
        import_id_fields = ("property", "building", "stairway", "room", "name")
        use_transactions = True
        use_bulk = False
        skip_unchanged = True
        clean_model_instances = True

    # --- import -------------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """All or nothing: inside one transaction, rolled back on any row error or invalid row.

        import-export only rolls back on validation errors when asked to; the admin's confirm
        step does not ask, so the resource insists whatever the caller passes.
        """
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def before_import(self, dataset, **kwargs):
        if dataset.headers:
            dataset.headers = [spreadsheet.cell_text(h) for h in dataset.headers]

    def _location(self, row) -> dict[str, str]:
        return {key: _location_text(key, row.get(COLUMNS[key])) for key in LOCATION_FIELDS} | {
            "name": spreadsheet.cell_text(row.get(COLUMNS["name"]))
        }

    @staticmethod
    def _is_blank(row) -> bool:
        return all(spreadsheet.cell_text(v) == "" for v in row.values())

    def get_instance(self, instance_loader, row):
        """The resident with the row's property, building, stairway, room and name, if any."""
        key = self._location(row)
        if not (key["property"] and key["building"] and key["room"] and key["name"]):
            return None
        matches = list(
            Resident.objects.filter(
                unit__building__property__name=key["property"],
                unit__building__number=key["building"],
                unit__stairway=key["stairway"],
                unit__room=key["room"],
                name=key["name"],
            ).select_related("unit__building__property")[:2]
        )
        if len(matches) > 1:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _(
                        "More than one resident named “%(name)s” is registered in %(unit)s; "
                        "merge them in the registry before importing."
                    )
                    % {"name": key["name"], "unit": matches[0].unit.label}
                }
            )
        return matches[0] if matches else None

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute and field.attribute.startswith("unit__"):
            return  # the unit is resolved as a whole in import_instance()
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Set the row's values, then find (or create) its unit if the row is otherwise valid."""
        if self._is_blank(row):
            return
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)

        key = self._location(row)
        required = _("This column must not be empty.")
        for name in ("property", "building", "room"):
            if not key[name]:
                errors.setdefault(self.fields[name].attribute, []).append(required)
        prop = None
        if key["property"]:
            prop = Property.objects.filter(name=key["property"]).first()
            if prop is None:
                errors.setdefault(self.fields["property"].attribute, []).append(
                    _("Property “%(name)s” does not exist.") % {"name": key["property"]}
                )
        if not errors:
            try:
                instance.unit = unit_get_or_create(
                    property=prop,
                    building_number=key["building"],
                    stairway=key["stairway"],
                    room=key["room"],
                )
            except ValidationError as exc:
                attribute = {
                    "number": self.fields["building"].attribute,
                    "stairway": self.fields["stairway"].attribute,
                    "room": self.fields["room"].attribute,
                }
                for field_name, messages in exc.message_dict.items():
                    errors.setdefault(attribute.get(field_name, NON_FIELD_ERRORS), []).extend(
                        messages
                    )
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if self._is_blank(row):
            return True
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model validation on top of the row's own errors, reported by spreadsheet column."""
        errors = dict(import_validation_errors or {})
        exclude = set(errors)
        if instance.unit_id is None:
            exclude.add("unit")  # the row's location was already reported
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            by_column = {f.attribute: f.column_name for f in self.fields.values()}
            raise ValidationError({by_column.get(k, k): v for k, v in errors.items()})

    # --- export -------------------------------------------------------------------------

    def get_queryset(self):
        return Resident.objects.select_related("unit__building__property")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("unit__building__property")

    def export_field(self, field, instance, **kwargs):
        if self.mask_phones and field.attribute in ("phone", "phone_alt"):
            return mask_phone(getattr(instance, field.attribute))
        return spreadsheet.neutralise(super().export_field(field, instance, **kwargs))
