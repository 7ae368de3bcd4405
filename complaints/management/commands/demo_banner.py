from django.core.management.base import BaseCommand

from complaints.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the address and demo logins (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        lines = [
            "",
            f"  Complaint desk: {url}",
            f"  Admin:          {url}admin/",
            f"  Demo logins (password for all: {DEMO_PASSWORD}):",
        ]
        for username, (last, first), role, dept in DEMO_USERS:
            lines.append(f"    {username:<11} {last}{first}  {role}{' / ' + dept if dept else ''}")
        lines.append("    admin       superuser")
        lines.append("  Ctrl-C stops the web server, the Celery worker and beat.")
        lines.append("")
        self.stdout.write("\n".join(lines))
