from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from complaints.demo import seed_staff
from residents.demo import seed_registry
from residents.models import Resident


class Command(BaseCommand):
    help = "Load the demo property, residents, staff and complaints (safe to run again)."

    def handle(self, *args, **options):
        prop = seed_registry()
        users = seed_staff()
        self.stdout.write(
            _("Demo data ready: %(property)s, %(residents)d residents, %(users)d users.")
            % {
                "property": prop.name,
                "residents": Resident.objects.filter(unit__building__property=prop).count(),
                "users": len(users),
            }
        )
