from django.core.management.base import BaseCommand

from complaints.models import Complaint


def mermaid() -> str:
    """The complaint workflow as a Mermaid state diagram, read from the FSM transitions."""
    lines = ["stateDiagram-v2", f"    [*] --> {Complaint.State.RECEIVED.value}"]
    for t in sorted(
        Complaint().get_all_state_transitions(),
        key=lambda t: (list(Complaint.State).index(t.source), t.name),
    ):
        lines.append(f"    {t.source} --> {t.target}: {t.name}")
    lines.append(f"    {Complaint.State.CLOSED.value} --> [*]")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the complaint workflow as a Mermaid state diagram (kept in the README)."

    def handle(self, *args, **options):
        self.stdout.write(mermaid())
