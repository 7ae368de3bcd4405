"""Small builders for complaint tests: a registry, staff in every role, complaints in any state."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.utils import timezone
from model_bakery import baker

from complaints import services
from complaints.models import Category, Complaint, Department, Revisit, StaffProfile
from residents.models import Building, Property, Resident, Unit


def department(code="engineering") -> Department:
    return Department.objects.get(code=code)


def category(code="equipment-3") -> Category:
    return Category.objects.get(code=code)


def staff(role, *, department_code=None, username=None, **extra):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    n = User.objects.count() + 1
    user = User.objects.create_user(
        username=username or f"{role}{n}", password="pw", is_staff=role != "front_desk", **extra
    )
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(
        user=user, department=department(department_code) if department_code else None
    )
    return user


def estate(name="翠湖花园") -> Property:
    prop, _ = Property.objects.get_or_create(
        name=name, defaults={"code": f"p{Property.objects.count()}"}
    )
    return prop


def unit(room="1201", *, building="3", stairway="2", prop=None) -> Unit:
    prop = prop or estate()
    b, _ = Building.objects.get_or_create(property=prop, number=building)
    u, _ = Unit.objects.get_or_create(building=b, stairway=stairway, room=room)
    return u


def resident(name="李明", phone="+8613812345678", **kw) -> Resident:
    return baker.make(Resident, name=name, phone=phone, unit=kw.pop("unit", None) or unit(), **kw)


def complaint(by, *, res=None, at=None, **kw) -> Complaint:
    res = res if res is not None else resident()
    fields = dict(
        channel=Complaint.Channel.PHONE,
        description="楼道灯坏了三天",
        contact_name=res.name,
        contact_phone=res.phone,
        resident=res,
    )
    fields.update(kw)
    return services.complaint_create(by=by, received_at=at, **fields)


def reviewer():
    """A supervisor to review and archive (审核归档): the first one there is, or a new one."""
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(groups__name="supervisor", is_active=True).first()
    return found or staff("supervisor")


def advance(c: Complaint, to: str, *, desk, head, severity="minor", revisitor=None) -> Complaint:
    """Walk a complaint forward to state ``to`` through the real services."""
    order = ["received", "confirmed", "investigated", "resolved", "revisited", "closed"]
    for step in order[order.index(c.state) + 1 : order.index(to) + 1]:
        c = Complaint.objects.get(pk=c.pk)
        if step == "confirmed":
            services.complaint_confirm(
                complaint=c,
                by=desk,
                severity=severity,
                category=c.category or category(),
                validity="valid",
                responsibility="class1",
                department=department("engineering"),
            )
        elif step == "investigated":
            services.work_order_sign(work_order=c.active_work_order, by=head)
            services.complaint_investigate(complaint=c, by=head, plan="明天上午更换灯管")
        elif step == "resolved":
            services.complaint_resolve(complaint=c, by=head, result="已更换灯管")
        elif step == "revisited":
            services.complaint_revisit(
                complaint=c,
                by=revisitor or desk,
                method="phone",
                satisfaction=Revisit.Satisfaction.SATISFIED,
            )
        elif step == "closed":
            services.complaint_close(complaint=c, by=reviewer(), summary="已处理，业主满意")
    return Complaint.objects.get(pk=c.pk)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11, year: int = 2026):
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def grant(user, *codes: str):
    """Give ``user`` permissions beyond its role (``"app_label.codename"``), as a company may;
    returns the user afresh (permission caches emptied)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    for code in codes:
        app_label, codename = code.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return get_user_model().objects.get(pk=user.pk)
