"""Seed the deadline policy with the domain's defaults."""

from django.db import migrations

DEFAULTS = [
    # severity, dispatch min, notify role, notify within, answer h, resolve days, requested, approver
    ("minor", 10, "", None, None, 2, True, "manager"),
    ("important", 10, "manager", 60, None, 3, False, "general_manager"),
    ("major", 10, "general_manager", None, 48, 10, False, ""),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    for sev, dispatch, role, within, answer, days, requested, approver in DEFAULTS:
        SlaPolicy.objects.get_or_create(severity=sev, defaults=dict(
            dispatch_minutes=dispatch, notify_role=role, notify_within_minutes=within,
            answer_hours=answer, resolve_days=days, use_requested_deadline=requested,
            extension_approver=approver))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0006_sla")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
