"""Seed the deadline policy with the domain's defaults; give management the SLA permissions."""

import importlib

from django.db import migrations

DEFAULTS = [
    # severity, dispatch min, notify role, notify within, answer h, resolve days, requested, approver
    ("minor", 10, "", None, None, 2, True, "manager"),
    ("important", 10, "manager", 60, None, 3, False, "general_manager"),
    ("major", 10, "general_manager", None, 48, 10, False, ""),
]

previous = importlib.import_module("complaints.migrations.0004_seed_categories_policy_roles")
SLA_VIEW = ["complaints.view_slapolicy", "complaints.view_escalation",
            "complaints.view_deadlineextension", "complaints.view_calendarday"]
SLA_MANAGE = SLA_VIEW + ["complaints.change_slapolicy", "complaints.add_calendarday",
                         "complaints.change_calendarday", "complaints.delete_calendarday"]
# Copied forward from 0004 and extended: the newest such table is the one in force.
PERMISSIONS = {
    "front_desk": previous.PERMISSIONS["front_desk"] + ["complaints.view_escalation"],
    "supervisor": previous.PERMISSIONS["supervisor"] + SLA_VIEW,
    "department_head": previous.PERMISSIONS["department_head"]
    + ["complaints.add_deadlineextension", "complaints.view_deadlineextension"],
    "manager": previous.PERMISSIONS["manager"] + SLA_MANAGE,
    "general_manager": previous.PERMISSIONS["general_manager"] + SLA_MANAGE,
}


def seed(apps, schema_editor):
    from complaints.roles import sync_role_groups

    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    for sev, dispatch, role, within, answer, days, requested, approver in DEFAULTS:
        SlaPolicy.objects.get_or_create(severity=sev, defaults=dict(
            dispatch_minutes=dispatch, notify_role=role, notify_within_minutes=within,
            answer_hours=answer, resolve_days=days, use_requested_deadline=requested,
            extension_approver=approver))
    sync_role_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0006_sla")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
