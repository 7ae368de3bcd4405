from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from complaints.sla.deadlines import reschedule_open


class Command(BaseCommand):
    help = (
        "Recompute the deadlines of every open complaint from the policy in force "
        "(run once after an upgrade; the admin runs it after a change of policy)."
    )

    def handle(self, *args, **options):
        count = reschedule_open()
        self.stdout.write(
            _("Deadlines recomputed for %(count)d open complaints.") % {"count": count}
        )
