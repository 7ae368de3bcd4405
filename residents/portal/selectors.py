"""Reads of the residents' side.  Everything a resident reads starts from
:meth:`ComplaintQuerySet.of_resident` (their phone), and the timeline they see is only the
rows meant for them, worded for them (:mod:`.timeline`)."""

from __future__ import annotations

from django.db.models import Max, Q

from complaints.models import Category, Complaint, ComplaintEvent

from ..models import Building, Property, Resident


def residents_of(phone: str):
    """The registry's current residents with this phone (a person with two units: two rows)."""
    if not phone:
        return Resident.objects.none()
    return (
        Resident.objects.current()
        .filter(Q(phone=phone) | Q(phone_alt=phone))
        .select_related("unit__building__property")
        .order_by("unit__building__property__name", "unit__building__number", "unit__room")
    )


def complaints_of(phone: str):
    """The resident's complaints, newest first."""
    return (
        Complaint.objects.of_resident(phone)
        .select_related("department", "category__parent", "estate")
        .order_by("-received_at", "-id")
    )


def complaint_of(phone: str, number: str) -> Complaint:
    """One of the resident's complaints by its number; ``Complaint.DoesNotExist`` otherwise."""
    return complaints_of(phone).get(number=number)


def withdrawal(complaint: Complaint) -> ComplaintEvent | None:
    """The resident's withdrawal, if they withdrew it since it was last (re)opened."""
    events = complaint.events.filter(code="resident_withdrew")
    reopened = complaint.events.filter(kind=ComplaintEvent.Kind.REOPENED).order_by("-at").first()
    if reopened is not None:
        events = events.filter(at__gt=reopened.at)
    return events.order_by("-at", "-id").first()


def withdrawn_among(complaints) -> set[int]:
    """The ids of ``complaints`` the resident withdrew since each was last (re)opened: what
    :func:`withdrawal` tells of one, for a whole list in two queries."""
    ids = [c.pk for c in complaints]
    if not ids:
        return set()
    reopened = dict(
        ComplaintEvent.objects.filter(complaint_id__in=ids, kind=ComplaintEvent.Kind.REOPENED)
        .order_by()
        .values("complaint_id")
        .annotate(last=Max("at"))
        .values_list("complaint_id", "last")
    )
    return {
        pk
        for pk, at in ComplaintEvent.objects.filter(
            complaint_id__in=ids, code="resident_withdrew"
        ).values_list("complaint_id", "at")
        if pk not in reopened or at > reopened[pk]
    }


def resident_events(complaint: Complaint):
    """The timeline rows a resident may see (see :mod:`.timeline` for how each is worded)."""
    from .timeline import SYSTEM_KINDS

    return (
        complaint.events.filter(
            Q(for_resident=True)
            | Q(kind__in=SYSTEM_KINDS)
            | Q(kind=ComplaintEvent.Kind.TRANSITION, to_state__in=["resolved", "closed"])
        )
        .select_related("actor__staff_profile__department", "work_order__department")
        .order_by("at", "id")
    )


def categories_for_residents():
    """The active categories, heading first then its children, for the residents' form."""
    return list(Category.objects.filter(is_active=True).order_by("sort_order", "name"))


def property_by_code(code: str) -> Property | None:
    return Property.objects.filter(code=code).first() if code else None


def building_of(estate: Property | None, number: str) -> Building | None:
    if estate is None or not number:
        return None
    return Building.objects.filter(property=estate, number=number).first()
