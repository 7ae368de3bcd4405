"""Seed the four standard departments.  (The role groups and their permissions are applied
after every migrate from the table in complaints/roles.py.)"""

from django.db import migrations

DEPARTMENTS = [
    ("engineering", "工程部", 10),
    ("security", "保安部", 20),
    ("environment", "环境部（保洁绿化）", 30),
    ("service", "客服部", 40),
]


def seed(apps, schema_editor):
    Department = apps.get_model("complaints", "Department")
    for code, name, order in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("residents", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
