"""Seed the four standard departments and the five role groups with their permissions."""

from django.db import migrations

DEPARTMENTS = [
    ("engineering", "工程部", 10),
    ("security", "保安部", 20),
    ("environment", "环境部（保洁绿化）", 30),
    ("service", "客服部", 40),
]


READ = ["residents.view_property", "residents.view_building", "residents.view_unit",
        "residents.view_resident"]
WRITE = ["residents.add_resident", "residents.change_resident", "residents.add_unit",
         "residents.change_unit"]
# Frozen here: later migrations re-sync the groups with the permissions of their time.
PERMISSIONS = {
    "front_desk": READ + WRITE,
    "supervisor": READ + WRITE,
    "department_head": READ,
    "manager": READ + WRITE,
    "general_manager": READ + WRITE,
}


def seed(apps, schema_editor):
    from complaints.roles import sync_role_groups

    Department = apps.get_model("complaints", "Department")
    for code, name, order in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    sync_role_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("residents", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
