"""Demo staff: one user for every role, all with the password in ``DEMO_PASSWORD``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q

from . import roles
from .models import Department, StaffProfile

DEMO_PASSWORD = "demo1234"

# username, full name (family, given), role, department code
DEMO_USERS = [
    ("frontdesk", ("王", "丽"), roles.FRONT_DESK, None),
    ("nightduty", ("钱", "刚"), roles.NIGHT_DUTY, None),
    ("supervisor", ("陈", "静"), roles.SUPERVISOR, "service"),
    ("eng_head", ("张", "伟"), roles.DEPARTMENT_HEAD, "engineering"),
    ("sec_head", ("刘", "强"), roles.DEPARTMENT_HEAD, "security"),
    ("env_head", ("赵", "敏"), roles.DEPARTMENT_HEAD, "environment"),
    ("svc_head", ("孙", "婷"), roles.DEPARTMENT_HEAD, "service"),
    ("manager", ("周", "建华"), roles.MANAGER, None),
    ("gm", ("吴", "志远"), roles.GENERAL_MANAGER, None),
]


@transaction.atomic
def seed_staff() -> dict[str, object]:
    """Create or refresh the demo users; return them by username. Idempotent."""
    User = get_user_model()
    users = {}
    for username, (last, first), role, dept_code in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.last_name, user.first_name = last, first
        user.is_staff = role in (
            roles.SUPERVISOR,
            roles.MANAGER,
            roles.GENERAL_MANAGER,
            roles.DEPARTMENT_HEAD,
        )
        user.email = f"{username}@example.com"
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        department = Department.objects.get(code=dept_code) if dept_code else None
        StaffProfile.objects.update_or_create(user=user, defaults={"department": department})
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "last_name": "管理员"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    users["admin"] = admin
    return users


# Headings added after the first five (complaints/migrations/0013) and the sub-categories that
# go elsewhere than their heading's department.
MORE_HEADINGS = {
    "neighbour": "service",
    "fees": "service",
    "emergency": "security",
    "community": "service",
}
LEAF_DEPARTMENTS = {("emergency", "电梯困人"): "engineering", ("emergency", "水浸"): "engineering"}


@transaction.atomic
def seed_category_departments() -> int:
    """Give the demo categories their usual department where none is set; return how many.

    A heading and its sub-categories get the heading's department (a few sub-categories
    another), so confirm and dispatch proposes one for every demo category.  An
    administrator's choice is kept.
    """
    from .demo_complaints import DEPARTMENT_OF
    from .models import Category

    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    unset = Category.objects.filter(default_department__isnull=True)
    changed = 0
    for (root_code, name), dept_code in LEAF_DEPARTMENTS.items():
        if dept_code in departments:
            changed += unset.filter(parent__code=root_code, name=name).update(
                default_department=departments[dept_code]
            )
    for root_code, dept_code in {**DEPARTMENT_OF, **MORE_HEADINGS}.items():
        if dept_code in departments:
            changed += unset.filter(Q(code=root_code) | Q(parent__code=root_code)).update(
                default_department=departments[dept_code]
            )
    return changed
