from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.demo import seed_category_departments, seed_staff
from complaints.demo_complaints import seed_complaints
from complaints.models import Notification
from complaints.sla.notifications import held_deliveries
from complaints.sla.sweep import sla_sweep
from reporting.demo import seed_corrective_actions
from residents.demo import seed_registry
from residents.models import Resident


class Command(BaseCommand):
    help = "Load the demo property, residents, staff and complaints (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--complaints",
            type=int,
            default=300,
            help="how many demo complaints to create the first time",
        )

    def handle(self, *args, complaints, **options):
        if complaints < 0:
            self.stderr.write(_("--complaints cannot be negative."))
            raise SystemExit(2)
        # The history is written quietly: its notifications are marked delivered, never queued
        # (no e-mail for months-old events, and no backlog ahead of the first real sweep).
        before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with held_deliveries():
            prop = seed_registry()
            users = seed_staff()
            seed_category_departments()
            total = seed_complaints(users=users, estate=prop, count=complaints)
            seed_corrective_actions(manager=users["manager"])
            # Escalate the demo's history now, so that what the running beat escalates next
            # is what falls due after start-up.
            sla_sweep()
        # ... and read: the bell starts empty and counts what the running beat raises next
        # (only what this run wrote: a second `make run` leaves real messages unread).
        now = timezone.now()
        Notification.objects.filter(delivered_at__isnull=True).update(delivered_at=now)
        Notification.objects.filter(pk__gt=before, read_at__isnull=True).update(read_at=now)
        self.stdout.write(
            _(
                "Demo data ready: %(property)s, %(residents)d residents, %(users)d users, "
                "%(complaints)d complaints."
            )
            % {
                "property": prop.name,
                "residents": Resident.objects.filter(unit__building__property=prop).count(),
                "users": len(users),
                "complaints": total,
            }
        )
