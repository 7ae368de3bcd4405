"""The five roles of the service centre, as Django groups, and the permissions each holds.

Groups are created and kept in step by data migrations that call :func:`sync_role_groups`
with the permissions of their time (the newest such migration is the current definition;
``sync_role_groups`` *sets* a group's permissions, so a new table must keep the reporting
app's, which its own migration adds: view_monthly_statistics and the corrective actions);
code asks "may this user…" through Django permissions, never through group names, except to
show a person's role in the header.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FRONT_DESK = "front_desk"
NIGHT_DUTY = "night_duty"
SUPERVISOR = "supervisor"
DEPARTMENT_HEAD = "department_head"
MANAGER = "manager"
GENERAL_MANAGER = "general_manager"

LABELS = {
    FRONT_DESK: _("Front desk"),
    NIGHT_DUTY: _("Night duty (monitoring centre)"),
    SUPERVISOR: _("Customer-service supervisor"),
    DEPARTMENT_HEAD: _("Department head"),
    MANAGER: _("Manager"),
    GENERAL_MANAGER: _("General manager"),
}

# Most senior first, so a person in several groups is shown by the highest.
ORDER = [GENERAL_MANAGER, MANAGER, SUPERVISOR, DEPARTMENT_HEAD, FRONT_DESK, NIGHT_DUTY]


def role_of(user) -> str | None:
    """The most senior role key of ``user`` (from its prefetched or queried groups)."""
    if not getattr(user, "is_authenticated", False):
        return None
    names = {g.name for g in user.groups.all()}
    return next((key for key in ORDER if key in names), None)


def sync_role_groups(apps, permissions: dict[str, list[str]]) -> None:
    """Create the role groups and give each exactly its permissions (idempotent).

    Takes a migration's ``apps`` so that it works on the historical models; permissions of
    apps migrated in the same run are created first.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for key, codes in permissions.items():
        group, _created = Group.objects.get_or_create(name=key)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def display_name(user) -> str:
    """A person's name as Chinese colleagues write it: family name first, no space."""
    if user is None:
        return ""
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()
