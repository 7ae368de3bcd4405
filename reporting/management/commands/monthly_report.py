"""``manage.py monthly_report --month 2026-10 [--output path] [--property code]``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from residents.models import Property

from ... import periods, services


class Command(BaseCommand):
    help = "Write the monthly complaint statistics of all complaints as an XLSX file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--month", help="the month as YYYY-MM (default: the previous month)", default=None
        )
        parser.add_argument(
            "--output",
            help="where to write the file (default: complaint-statistics-YYYY-MM.xlsx here)",
            default=None,
        )
        parser.add_argument(
            "--property", dest="property_code", help="only this property (its code)", default=None
        )

    def handle(self, *args, month, output, property_code, **options):
        with translation.override(settings.LANGUAGE_CODE):
            if month is None:
                chosen = periods.previous_month(timezone.localdate())
            else:
                try:
                    chosen = periods.parse_month(month)
                except ValueError:
                    raise CommandError(
                        _("“%(month)s” is not a month: give it as YYYY-MM, for example 2026-10.")
                        % {"month": month}
                    ) from None
            estate = None
            if property_code:
                estate = Property.objects.filter(code=property_code).first()
                if estate is None:
                    raise CommandError(
                        _("There is no property with the code “%(code)s”.")
                        % {"code": property_code}
                    )
            name, content = services.monthly_report_xlsx(month=chosen, estate=estate)
            path = Path(output) if output else Path(name)
            if path.is_dir():
                path = path / name
            try:
                path.write_bytes(content)
            except OSError as exc:
                raise CommandError(
                    _("Could not write %(path)s: %(error)s") % {"path": path, "error": exc}
                ) from exc
            self.stdout.write(_("Wrote %(path)s.") % {"path": path})
