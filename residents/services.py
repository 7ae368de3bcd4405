"""Writes to the residents registry: units found or created, spreadsheet imports and exports."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from .models import Building, Property, Resident, Unit

#: The spreadsheet formats the registry reads and writes.  CSV is read as UTF-8 (a BOM is
#: allowed) or GBK / GB18030 (detected, see :mod:`residents.importing`) and written with a
#: BOM, so that Excel shows the Chinese text correctly.
FILE_FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}
CSV_ENCODING = "utf-8-sig"


@transaction.atomic
def unit_get_or_create(
    *, property: Property, building_number: str, stairway: str, room: str
) -> Unit:
    """The unit ``building_number-stairway-room`` of ``property``; its building and the unit
    itself are created when missing.  Raises ``ValidationError`` for values the model refuses
    (keyed ``number`` for the building, ``stairway`` / ``room`` for the unit)."""
    building = Building.objects.filter(property=property, number=building_number).first()
    if building is None:
        building = Building(property=property, number=building_number)
        building.full_clean()
        building.save()
    unit = Unit.objects.filter(building=building, stairway=stairway, room=room).first()
    if unit is None:
        unit = Unit(building=building, stairway=stairway, room=room)
        unit.full_clean()
        unit.save()
    return unit


def residents_import(*, data: bytes | str, file_format: str, dry_run: bool = False, user=None):
    """Import a CSV or XLSX file of residents, all rows or none.

    Returns import-export's ``Result``; when it has errors (see :func:`import_problems`)
    nothing of the file has been saved.  Raises :class:`residents.importing.ImportRefused`
    when the file is refused whole (too large, too many rows, unreadable, a required column
    missing); CSV text may be UTF-8 or GBK / GB18030 (detected).
    """
    from .importing import load_dataset
    from .resources import ResidentResource  # the resource calls back into this module

    if isinstance(data, str):
        data = data.encode("utf-8")
    resource = ResidentResource()
    dataset = load_dataset(data, FILE_FORMATS[file_format](), resource)
    return resource.import_data(dataset, dry_run=dry_run, user=user)


def import_problems(result) -> list[str]:
    """Every problem of an import result as one line a person can act on.

    Rows are numbered as the admin numbers them: the first row under the header is row 1.
    """
    lines = [_("File: %(message)s") % {"message": error.error} for error in result.base_errors]
    for error_row in result.error_rows:
        for error in error_row.errors:
            lines.append(
                _("Row %(number)s: %(message)s")
                % {"number": error_row.number, "message": error.error}
            )
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            for message in messages:
                if column == NON_FIELD_ERRORS:
                    lines.append(
                        _("Row %(number)s: %(message)s")
                        % {"number": invalid.number, "message": message}
                    )
                else:
                    lines.append(
                        _("Row %(number)s, %(column)s: %(message)s")
                        % {"number": invalid.number, "column": column, "message": message}
                    )
    return lines


def residents_export(*, file_format: str, queryset: QuerySet[Resident] | None = None) -> bytes:
    """The residents of ``queryset`` (all by default) as a CSV or XLSX file."""
    from .resources import ResidentResource

    fmt = FILE_FORMATS[file_format]()
    dataset = ResidentResource().export(queryset=queryset, force_native_type=fmt.is_binary())
    data = fmt.export_data(dataset)
    return data if isinstance(data, bytes) else data.encode(CSV_ENCODING)
