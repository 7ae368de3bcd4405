from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from complaints.sla.sweep import sla_sweep


class Command(BaseCommand):
    help = "Escalate every deadline breach that is due now (for cron users; beat runs it too)."

    def handle(self, *args, **options):
        result = sla_sweep()
        self.stdout.write(
            _(
                "%(escalations)d escalations, %(notifications)d notifications, "
                "%(major)d made major, %(requeued)d re-queued."
            )
            % {
                "escalations": result.escalations,
                "notifications": result.notifications,
                "major": result.made_major,
                "requeued": result.requeued,
            }
        )
