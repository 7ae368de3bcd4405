"""``manage.py rollup_rebuild``: rebuild the statistics' daily roll-up from the complaints."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ... import rollup


class Command(BaseCommand):
    help = (
        "Rebuild the statistics' daily roll-up from the complaints: after a bulk load, a "
        "restore or an upgrade that changes its figures (the beat otherwise keeps it current)."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        days = rollup.rebuild_all()
        self.stdout.write(
            _("Rebuilt the figures of %(days)d days in %(seconds).1f s.")
            % {"days": days, "seconds": time.perf_counter() - started}
        )
