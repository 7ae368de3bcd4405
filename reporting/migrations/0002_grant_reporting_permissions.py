"""Create the reporting settings row.  (The role groups' reporting permissions are applied
after every migrate from the table in complaints/roles.py.)"""

from django.db import migrations


def create_settings(apps, schema_editor):
    ReportingSettings = apps.get_model("reporting", "ReportingSettings")
    if not ReportingSettings.objects.exists():
        ReportingSettings.objects.create()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("complaints", "0007_seed_sla_policy"),
    ]

    operations = [migrations.RunPython(create_settings, migrations.RunPython.noop)]
