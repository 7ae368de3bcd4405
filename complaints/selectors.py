"""Reads for the desk pages. Each starts from ``Complaint.objects.visible_to(user)``, joins what
the page shows and orders explicitly, so a page never issues a query per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.models import Unit
from residents.spreadsheet import normalise_phone

from . import permissions as perms
from .models import (
    Clock,
    Complaint,
    ComplaintEvent,
    DeadlineExtension,
    DeskPolicy,
    Escalation,
    Notification,
    Revisit,
    WorkOrder,
)

LIST_RELATED = ["category__parent", "department", "unit__building__property", "resident"]


def complaints_for_list(user) -> QuerySet[Complaint]:
    return Complaint.objects.visible_to(user).select_related(*LIST_RELATED)


def revisit_queue_of(user) -> QuerySet[Complaint]:
    """Resolved complaints waiting for their revisit: the user's own first (谁受理、谁回复 —
    the revisit is the owner's by default), then by the revisit deadline."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        complaints_for_list(user)
        .filter(state=Complaint.State.RESOLVED)
        .select_related("owner")
        .annotate(
            theirs=Case(
                When(owner_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("theirs", "revisit_due_at", "resolved_at", "id")
    )


@dataclass
class Queue:
    key: str
    title: str
    items: list
    count: int
    tone: str = "secondary"


def desk_queues(user, *, now: dt.datetime | None = None, limit: int = 15) -> list[Queue]:
    """What needs doing now, by what the user's role does, most urgent first."""
    now = now or timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=0)
    base = complaints_for_list(user)
    pending_order = WorkOrder.objects.filter(
        complaint=OuterRef("pk"), status=WorkOrder.Status.PENDING
    )
    rework = WorkOrder.objects.filter(
        complaint=OuterRef("pk"), is_rework=True, status__in=WorkOrder.ACTIVE_STATUSES
    )
    specs: list[tuple[str, str, QuerySet, str, str]] = []
    if perms.can_confirm(user):
        specs.append(
            (
                "confirm",
                _("To confirm and dispatch"),
                base.filter(state=Complaint.State.RECEIVED),
                "dispatch_due_at",
                "primary",
            )
        )
        specs.append(
            (
                "unsigned",
                _("Dispatched, not signed for"),
                base.filter(Exists(pending_order), state__in=["confirmed", "investigated"]),
                "dispatched_at",
                "info",
            )
        )
    if user.has_perm("complaints.handle_work_order") and not user.has_perm(
        "complaints.view_all_complaints"
    ):
        profile = getattr(user, "staff_profile", None)
        dept = getattr(profile, "department_id", None)

        mine = base.filter(
            work_orders__department_id=dept, work_orders__status__in=WorkOrder.ACTIVE_STATUSES
        ).distinct()
        specs.append(
            (
                "to_sign",
                _("New work orders to sign for"),
                mine.filter(
                    work_orders__status=WorkOrder.Status.PENDING, work_orders__department_id=dept
                ),
                "dispatched_at",
                "primary",
            )
        )
        specs.append(
            (
                "in_progress",
                _("In progress"),
                mine.filter(
                    work_orders__status=WorkOrder.Status.SIGNED, work_orders__department_id=dept
                ),
                "resolve_due_at",
                "info",
            )
        )
    specs.append(
        (
            "overdue",
            _("Overdue"),
            base.overdue_now(now),
            "resolve_due_at",
            "danger",
        )
    )
    specs.append(
        (
            "due_today",
            _("Due today"),
            base.due_between(now, end_of_day),
            "resolve_due_at",
            "warning",
        )
    )
    if perms.can_revisit(user):
        specs.append(
            (
                "revisit",
                _("Awaiting revisit"),
                base.filter(state=Complaint.State.RESOLVED),
                "revisit_due_at",
                "success",
            )
        )
        specs.append(
            (
                "close",
                _("Revisited, to archive"),
                base.filter(state=Complaint.State.REVISITED),
                "updated_at",
                "secondary",
            )
        )
    specs.append(
        (
            "rework",
            _("Unsatisfied, being reworked"),
            base.filter(Exists(rework), state=Complaint.State.INVESTIGATED),
            "resolve_due_at",
            "danger",
        )
    )
    if perms.can_decide_extensions(user):
        waiting = DeadlineExtension.objects.filter(complaint=OuterRef("pk"), status="pending")
        specs.insert(
            0,
            (
                "extensions",
                _("Extensions waiting for a decision"),
                base.filter(Exists(waiting)),
                "resolve_due_at",
                "warning",
            ),
        )
    queues = []
    for key, title, qs, order, tone in specs:
        ordered = qs.order_by(f"{order}" if order != "updated_at" else "-updated_at", "id")
        items = list(ordered[:limit])
        count = len(items) if len(items) < limit else qs.count()
        queues.append(Queue(key, title, items, count, tone))
    return queues


def complaint_detail(user, pk: int) -> Complaint:
    """One complaint with everything its page shows; raises DoesNotExist outside visibility."""
    return (
        Complaint.objects.visible_to(user)
        .select_related(*LIST_RELATED, "received_by", "group_lead")
        .prefetch_related(
            Prefetch(
                "work_orders",
                queryset=WorkOrder.objects.select_related(
                    "department", "dispatched_by", "signed_by"
                ).order_by("dispatched_at", "id"),
            ),
            Prefetch(
                "events",
                queryset=ComplaintEvent.objects.select_related(
                    "actor", "work_order__department"
                ).order_by("at", "id"),
            ),
            "attachments",
            Prefetch(
                "extensions",
                queryset=DeadlineExtension.objects.select_related(
                    "requested_by", "decided_by"
                ).order_by("-requested_at"),
            ),
            Prefetch("revisits", queryset=Revisit.objects.select_related("by").order_by("at")),
        )
        .get(pk=pk)
    )


def earlier_complaints_of(
    *, user, resident_id=None, phone: str = "", exclude_pk=None, limit: int = 10
) -> list[Complaint]:
    """A resident's earlier complaints (by registry link or phone), newest first."""
    if not resident_id and not phone:
        return []
    q = Q()
    if resident_id:
        q |= Q(resident_id=resident_id)
    if phone:
        q |= Q(contact_phone=phone)
    qs = complaints_for_list(user).filter(q)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("-received_at")[:limit])


def group_candidates(
    *,
    user,
    estate_id,
    category_id,
    at: dt.datetime,
    policy: DeskPolicy | None = None,
    exclude_pk=None,
):
    """Open complaints of the same property and category within the group window (archived
    ones are done and are not pulled into a new group).

    ``user=None`` is the system deciding a fact (the intake service marking a group
    complaint counts every household, whoever registers it); a page passes its user.
    """
    policy = policy or DeskPolicy.current()
    window = dt.timedelta(hours=policy.group_window_hours)
    base = Complaint.objects.all() if user is None else Complaint.objects.visible_to(user)
    qs = (
        base.filter(
            estate_id=estate_id,
            category_id=category_id,
            received_at__gte=at - window,
            received_at__lte=at + window,
        )
        .exclude(validity=Complaint.Validity.INVALID)
        .exclude(state=Complaint.State.CLOSED)
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def group_hint(
    *, user, estate_id, category_id, at: dt.datetime | None = None, exclude_unit_id=None
) -> list[Complaint]:
    """Recent complaints of other households of the property about the same category."""
    if not (estate_id and category_id):
        return []
    qs = group_candidates(
        user=user, estate_id=estate_id, category_id=category_id, at=at or timezone.now()
    )
    if exclude_unit_id:
        qs = qs.exclude(unit_id=exclude_unit_id)
    return list(qs.select_related("unit__building").order_by("received_at")[:10])


@dataclass
class SearchParams:
    q: str = ""
    state: str = ""
    severity: str = ""
    category: int | None = None
    department: int | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    overdue: bool = False


def complaints_search(user, params: SearchParams) -> QuerySet[Complaint]:
    """Search by number, phone, room, resident or text, with filters; newest first.

    A number or phone goes to its index; only free text falls back to a scan of descriptions.
    """
    qs = complaints_for_list(user)
    text = params.q.strip()
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        if text.upper().startswith("TS"):
            # A range, not LIKE: it uses the number's index on every engine.
            prefix = text.upper()
            qs = qs.filter(number__gte=prefix, number__lt=prefix + "\uffff")
        elif (
            digits
            and len(digits) >= 7
            and len(digits) == len(text.replace(" ", "").replace("-", ""))
        ):
            full = e164_or_empty(text)
            # A complete number goes to the index; a fragment has to be looked for.
            qs = (
                qs.filter(contact_phone=full) if full else qs.filter(contact_phone__contains=digits)
            )
        else:
            units = Unit.objects.matching_room(text)
            q = (
                Q(contact_name__icontains=text)
                | Q(resident__name__icontains=text)
                | Q(description__icontains=text)
                | Q(location__icontains=text)
            )
            if digits and digits == text:
                # A few digits: a phone's last digits (尾号), a number's sequence ("0065"), or
                # a room — all three are offered.
                q |= Q(contact_phone__endswith=digits) | Q(number__endswith=digits)
            qs = qs.filter(q | Q(unit__in=units))
    if params.state:
        qs = qs.filter(state=params.state)
    if params.severity:
        qs = qs.filter(severity=params.severity)
    if params.category:
        qs = qs.filter(Q(category_id=params.category) | Q(category__parent_id=params.category))
    if params.department:
        qs = qs.filter(department_id=params.department)
    if params.received_from:
        qs = qs.filter(received_at__gte=_day_start(params.received_from))
    if params.received_to:
        qs = qs.filter(received_at__lt=_day_start(params.received_to + dt.timedelta(days=1)))
    if params.overdue:
        qs = qs.overdue_now(timezone.now())
    return qs.order_by("-received_at", "-id")


def e164_or_empty(text: str) -> str:
    """A complete, valid phone number in E.164, or "" for anything else."""
    try:
        return normalise_phone(text) if text else ""
    except ValueError:
        return ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def work_orders_of(user, *, status: str = "") -> QuerySet[WorkOrder]:
    """The work orders of the user's department (all departments for management), among
    those the user may see at all (``WorkOrder.objects.visible_to``)."""
    qs = WorkOrder.objects.visible_to(user).select_related(
        "complaint__category__parent", "complaint__unit__building", "department", "signed_by"
    )
    if not user.has_perm("complaints.handle_any_work_order"):
        profile = getattr(user, "staff_profile", None)
        qs = qs.filter(department_id=getattr(profile, "department_id", None))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "complaint__resolve_due_at", "dispatched_at")


def work_order_groups(user, *, now: dt.datetime):
    """The active work orders of the user's department by what they need, each group a
    queryset (new; overdue; due within 24 hours; in progress), "overdue" as everywhere."""
    active = work_orders_of(user).filter(status__in=WorkOrder.ACTIVE_STATUSES)
    signed = active.filter(status=WorkOrder.Status.SIGNED)
    soon = now + dt.timedelta(hours=24)
    overdue = Complaint.objects.overdue_now(now)
    due_soon = Complaint.objects.due_between(now, soon)
    return [
        ("new", _("New: to sign for"), active.filter(status=WorkOrder.Status.PENDING)),
        ("overdue", _("Overdue"), signed.filter(complaint__in=overdue)),
        ("soon", _("Due within 24 hours"), signed.filter(complaint__in=due_soon)),
        (
            "progress",
            _("In progress"),
            signed.exclude(complaint__in=overdue).exclude(complaint__in=due_soon),
        ),
    ]


def overdue_by_department_and_level(user, *, now: dt.datetime):
    """The complaints the user may see that are overdue at ``now``, per department, by the
    level their resolution clock has reached (level 1 includes those the sweep has not
    raised yet)."""
    overdue = Complaint.objects.visible_to(user).overdue_now(now)
    levels = Clock.objects.visible_to(user).filter(kind=Clock.Kind.RESOLVE, complaint__in=overdue)
    return (
        levels.values("complaint__department__name")
        .annotate(
            total=Count("id"),
            level1=Count("id", filter=Q(level__lte=1)),
            level2=Count("id", filter=Q(level=2)),
            level3=Count("id", filter=Q(level__gte=3)),
        )
        .order_by("-total", "complaint__department__name")
    )


def unread_notifications_count(user) -> int:
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()


def notifications_of(user, *, limit: int = 100) -> list[Notification]:
    """The user's own notifications, newest first."""
    return list(
        Notification.objects.visible_to(user)
        .select_related("complaint")
        .order_by("-created_at", "-id")[:limit]
    )


def notifications_by_complaint(user, *, limit: int = 200) -> list[dict]:
    """The user's latest notifications grouped by complaint, the group with the newest first:
    ``{"complaint", "items", "unread", "ids", "unread_ids"}`` (complaint None: not about one)."""
    groups: dict = {}
    for note in (
        Notification.objects.visible_to(user)
        .select_related("complaint__unit__building")
        .order_by("-created_at", "-id")[:limit]
    ):
        group = groups.setdefault(
            note.complaint_id,
            {"complaint": note.complaint, "items": [], "ids": [], "unread_ids": []},
        )
        group["items"].append(note)
        group["ids"].append(note.pk)
        if note.read_at is None:
            group["unread_ids"].append(note.pk)
    for group in groups.values():
        group["unread"] = len(group["unread_ids"])
    return list(groups.values())


def escalation_history(user, *, limit: int = 100) -> list[Escalation]:
    """The latest escalations (not the reminders) of the complaints the user may see."""
    return list(
        Escalation.objects.visible_to(user)
        .exclude(clock=Escalation.Clock.REMINDER)
        .select_related("complaint__department")
        .order_by("-escalated_at", "-id")[:limit]
    )


def pending_extensions(user) -> list[DeadlineExtension]:
    """Extension requests waiting for a decision, of the complaints the user may see."""
    return list(
        DeadlineExtension.objects.visible_to(user)
        .filter(status=DeadlineExtension.Status.PENDING)
        .select_related("complaint", "requested_by")
        .order_by("requested_at", "id")
    )


def state_counts(user) -> dict[str, int]:
    rows = complaints_for_list(user).values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}
