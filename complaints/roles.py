"""The roles of the service centre, as Django groups, and the permissions each holds.

:data:`PERMISSIONS` is the one table of who may do what.  After every ``migrate`` (the
``post_migrate`` signal, see :mod:`complaints.apps`) :func:`apply_role_permissions` creates the
groups and gives each exactly the permissions listed here, so changing a role is changing
this table; no migration builds roles.  Code asks "may this user…" through Django
permissions (:mod:`complaints.permissions`), never through group names, except to show a
person's role in the header and to find who is told at each escalation level.
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

# --- the table ---------------------------------------------------------------------------------
_REGISTRY_READ = [
    "residents.view_property",
    "residents.view_building",
    "residents.view_unit",
    "residents.view_resident",
]
_REGISTRY_WRITE = [
    "residents.add_resident",
    "residents.change_resident",
    "residents.add_unit",
    "residents.change_unit",
]
_DESK = [
    *_REGISTRY_READ,
    *_REGISTRY_WRITE,
    "complaints.view_complaint",
    "complaints.add_complaint",
    "complaints.view_all_complaints",
    "complaints.confirm_complaint",
    "complaints.revisit_complaint",
    "complaints.close_complaint",
    "complaints.view_workorder",
    "complaints.view_revisit",
    "complaints.view_attachment",
    "complaints.add_attachment",
    "complaints.view_complaintevent",
    "complaints.view_category",
    "complaints.view_department",
    "complaints.view_escalation",
]
_HEAD = [
    *_REGISTRY_READ,
    "complaints.view_complaint",
    "complaints.handle_work_order",
    "complaints.view_workorder",
    "complaints.view_revisit",
    "complaints.view_attachment",
    "complaints.add_attachment",
    "complaints.view_complaintevent",
    "complaints.add_deadlineextension",
    "complaints.view_deadlineextension",
]
_SUPERVISOR = [
    *_DESK,
    "complaints.change_complaint",
    "complaints.view_slapolicy",
    "complaints.view_deadlineextension",
    "complaints.view_calendarday",
    "complaints.view_officehours",
    "complaints.view_clock",
    "complaints.decide_supervisor_extensions",
    "complaints.archive_complaint",
    # Lists of complaints and residents as spreadsheets (personal data leaving the system):
    # a supervisor and above; every export is recorded (complaints.models.DataAccess).
    "complaints.export_personal_data",
    "reporting.view_monthly_statistics",
    "reporting.view_correctiveaction",
    "reporting.add_correctiveaction",
    "reporting.change_correctiveaction",
]
_MANAGEMENT = [
    *_SUPERVISOR,
    "complaints.reopen_complaint",
    "complaints.handle_any_work_order",
    "complaints.view_deskpolicy",
    "complaints.change_deskpolicy",
    "complaints.add_category",
    "complaints.change_category",
    "complaints.change_slapolicy",
    "complaints.add_calendarday",
    "complaints.change_calendarday",
    "complaints.delete_calendarday",
    "complaints.change_officehours",
    "complaints.view_dataaccess",
    "complaints.decide_manager_extensions",
    # The wording of the text messages to residents.
    "residents.view_messagetemplate",
    "residents.change_messagetemplate",
    "reporting.verify_correctiveaction",
    "reporting.view_reportingsettings",
    "reporting.change_reportingsettings",
    "reporting.view_monthlyreportdispatch",
    # Who changed what, old and new values (django-auditlog, see complaints.audit), read-only.
    "auditlog.view_logentry",
    # Failed logins and lockouts (django-axes), read-only.
    "axes.view_accessattempt",
    "axes.view_accessfailurelog",
    "axes.view_accesslog",
]

PERMISSIONS: dict[str, list[str]] = {
    FRONT_DESK: _DESK,
    NIGHT_DUTY: _DESK,
    SUPERVISOR: _SUPERVISOR,
    DEPARTMENT_HEAD: _HEAD,
    MANAGER: _MANAGEMENT,
    GENERAL_MANAGER: [*_MANAGEMENT, "complaints.decide_general_manager_extensions"],
}


def apply_role_permissions(*, using: str = "default", **_signal) -> None:
    """Create the role groups and give each exactly its permissions (idempotent).

    Connected to ``post_migrate``; creates the permissions of every app first, so it does
    not depend on the order in which apps are migrated.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    wanted = {code for codes in PERMISSIONS.values() for code in codes}
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.using(using).select_related("content_type")
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise LookupError(f"complaints.roles.PERMISSIONS names unknown permissions: {missing}")
    for role, codes in PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([found[code] for code in codes])


def role_of(user) -> str | None:
    """The most senior role key of ``user`` (from its prefetched or queried groups)."""
    if not getattr(user, "is_authenticated", False):
        return None
    names = {g.name for g in user.groups.all()}
    return next((key for key in ORDER if key in names), None)


def display_name(user) -> str:
    """A person's name as Chinese colleagues write it: family name first, no space."""
    if user is None:
        return ""
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()
