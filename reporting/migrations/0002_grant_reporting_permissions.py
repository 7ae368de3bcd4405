"""Give the supervisor, manager and general-manager groups the reporting permissions, and
create the reporting settings row.

Only *adds* permissions to the existing groups: complaints.roles.sync_role_groups would set
each group's whole list and drop the permissions that complaint migrations gave them.
"""

from django.db import migrations

STATISTICS = ["view_monthly_statistics"]
ACTIONS_DRAFT = ["view_correctiveaction", "add_correctiveaction", "change_correctiveaction"]
MANAGEMENT = (
    STATISTICS
    + ACTIONS_DRAFT
    + [
        "verify_correctiveaction",
        "view_reportingsettings",
        "change_reportingsettings",
        "view_monthlyreportdispatch",
    ]
)
GRANTS = {
    "supervisor": STATISTICS + ACTIONS_DRAFT,
    "manager": MANAGEMENT,
    "general_manager": MANAGEMENT,
}


def _permissions(apps):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("reporting")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return {
        p.codename: p
        for p in Permission.objects.filter(content_type__app_label="reporting")
    }


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    ReportingSettings = apps.get_model("reporting", "ReportingSettings")
    permissions = _permissions(apps)
    for name, codenames in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*(permissions[code] for code in codenames))
    if not ReportingSettings.objects.exists():
        ReportingSettings.objects.create()


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="reporting", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("complaints", "0007_seed_sla_policy"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
