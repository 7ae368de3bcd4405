"""Reads for the desk pages. Each starts from ``Complaint.objects.visible_to(user)``, joins what
the page shows and orders explicitly, so a page never issues a query per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.models import Resident, Unit
from residents.spreadsheet import normalise_phone

from . import permissions as perms
from . import search
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


def revisit_queue_filtered(user, *, mine: bool = False, department: int | None = None):
    """The revisit queue with the page's filters: only the user's own, one department."""
    qs = revisit_queue_of(user)
    if mine:
        qs = qs.filter(owner_id=user.pk)
    if department:
        qs = qs.filter(department_id=department)
    return qs


def revisit_next_call(user, after: list[int]) -> Complaint | None:
    """The next complaint to call: the first of ``after`` (the queue as the caller saw it,
    past the one just saved) still waiting for its revisit and visible to the user."""
    if not after:
        return None
    waiting = {
        c.pk: c
        for c in complaints_for_list(user).filter(pk__in=after, state=Complaint.State.RESOLVED)
    }
    return next((waiting[pk] for pk in after if pk in waiting), None)


# A desk counts a queue up to here and shows "99+" beyond: counting a hundred thousand open
# complaints on every visit says nothing more than "a lot", and costs a scan.
COUNT_CAP = 99


@dataclass
class Queue:
    key: str
    title: str
    items: list
    count: int  # exact up to COUNT_CAP, COUNT_CAP + 1 for "more"
    tone: str = "secondary"

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)


def desk_queues(user, *, now: dt.datetime | None = None, limit: int = 15) -> list[Queue]:
    """What needs doing now, by what the user's role does, most urgent first."""
    queues = []
    for key, title, qs, tone in _queue_specs(user, now or timezone.now()):
        # The queue's rows alone, and their related rows for every queue at once below: a
        # query joining seven tables costs PostgreSQL more to plan (5-10 ms, for each of
        # eight queues) than to run once the queue's index gives its page.
        items = list(qs.select_related(None)[:limit])
        if len(items) < limit:
            count = len(items)
        else:
            # COUNT(*) over a LIMIT: the index is read for at most COUNT_CAP + 1 rows.
            count = qs.order_by()[: COUNT_CAP + 1].count()
        queues.append(Queue(key, title, items, count, tone))
    prefetch_related_objects([c for q in queues for c in q.items], *LIST_RELATED)
    return queues


def desk_queue(user, key: str, *, now: dt.datetime | None = None):
    """One of the user's desk queues in full, ``(title, ordered queryset)``; None if the user
    has no queue of that name."""
    for found, title, qs, _tone in _queue_specs(user, now or timezone.now()):
        if found == key:
            return title, qs
    return None


def _queue_specs(user, now: dt.datetime):
    """(key, title, ordered queryset, tone) of each queue the user's role has."""
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
                base.filter(Exists(pending_order), state__in=Complaint.HANDLING_STATES),
                "dispatched_at",
                "info",
            )
        )
        # From the residents' side: a withdrawal, or a unit not found in the registry, waits
        # for the desk's decision (close as invalid, or correct the unit).
        from_residents = ComplaintEvent.objects.filter(
            complaint=OuterRef("pk"), code__in=["resident_withdrew", "portal_unverified"]
        )
        specs.append(
            (
                "residents",
                _("From residents: withdrawn or unverified"),
                base.open().filter(Exists(from_residents)),
                "received_at",
                "warning",
            )
        )
    if user.has_perm("complaints.handle_work_order") and not user.has_perm(
        "complaints.view_all_complaints"
    ):
        profile = getattr(user, "staff_profile", None)
        dept = getattr(profile, "department_id", None)

        # A work order of the department makes its complaint visible to the head, so these
        # two queues need not repeat the visibility rule (an OR over every complaint the
        # department ever had).  An open work order belongs to a complaint being handled
        # (confirmed or investigated): the partial indexes of those states give the order.
        handled = Complaint.objects.select_related(*LIST_RELATED).filter(
            state__in=Complaint.HANDLING_STATES
        )

        def orders_of_dept(status):
            orders = WorkOrder.objects.filter(department_id=dept, status=status)
            if connection.vendor == "postgresql":
                # Walk the queue's partial index in its order and probe each complaint's
                # orders (workorder_complaint_dept): a page after a few dozen rows.
                return Exists(orders.filter(complaint=OuterRef("pk")))
            # SQLite: the complaints of the department's orders in that status, read from the
            # orders' index (a few thousand ids) rather than tested complaint by complaint;
            # SQLite then fetches those complaints by id instead of walking all of them.
            return Q(pk__in=orders.values("complaint_id"))

        specs.append(
            (
                "to_sign",
                _("New work orders to sign for"),
                handled.filter(orders_of_dept(WorkOrder.Status.PENDING)),
                "dispatched_at",
                "primary",
            )
        )
        specs.append(
            (
                "in_progress",
                _("In progress"),
                handled.filter(orders_of_dept(WorkOrder.Status.SIGNED)),
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
    return [
        (key, title, qs.order_by(order if order != "updated_at" else "-updated_at", "id"), tone)
        for key, title, qs, order, tone in specs
    ]


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


@dataclass
class Round:
    """One round of handling: from the receipt, or from a reopening, to the next reopening."""

    number: int
    started_at: dt.datetime
    is_current: bool
    work_orders: list
    revisits: list
    events: list


def complaint_rounds(complaint: Complaint) -> list[Round]:
    """The complaint's rounds of handling, oldest first; the last is the current one.

    A reopening starts a new round: the work orders, revisits and timeline rows from before
    it belong to an earlier round.  Reads what :func:`complaint_detail` prefetched."""
    reopenings = [e.at for e in complaint.events.all() if e.kind == ComplaintEvent.Kind.REOPENED]
    starts = [complaint.received_at, *reopenings]

    def number(moment) -> int:
        return 1 + sum(1 for at in reopenings if at <= moment)

    rounds = [Round(n, at, n == len(starts), [], [], []) for n, at in enumerate(starts, start=1)]
    for order in complaint.work_orders.all():
        rounds[number(order.dispatched_at) - 1].work_orders.append(order)
    for revisit in complaint.revisits.all():
        rounds[number(revisit.at) - 1].revisits.append(revisit)
    for event in complaint.events.all():
        rounds[number(event.at) - 1].events.append(event)
    return rounds


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


DUPLICATE_WINDOW = dt.timedelta(hours=24)


def possible_duplicates(
    *,
    user,
    category_id,
    unit_id=None,
    resident_id=None,
    phone: str = "",
    at: dt.datetime | None = None,
    limit: int = 5,
) -> list[Complaint]:
    """Complaints not yet archived, received in the 24 hours before ``at``, about the same
    category from the same unit, resident or phone: what a new call may be a repeat of."""
    who = Q()
    if unit_id:
        who |= Q(unit_id=unit_id)
    if resident_id:
        who |= Q(resident_id=resident_id)
    if phone:
        who |= Q(contact_phone=phone)
    if not (category_id and who):
        return []
    at = at or timezone.now()
    return list(
        complaints_for_list(user)
        .filter(who, category_id=category_id, received_at__gte=at - DUPLICATE_WINDOW)
        .exclude(state=Complaint.State.CLOSED)
        .order_by("-received_at", "-id")[:limit]
    )


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
            # "+86 139…" is a phone as much as "139…": the plus is part of E.164.
            and digits == text.replace(" ", "").replace("-", "").removeprefix("+")
        ):
            full = e164_or_empty(text)
            # A complete number goes to the index; a fragment has to be looked for.
            qs = (
                qs.filter(contact_phone=full)
                if full
                else qs.filter(_few_by_id(_phone_part(user, digits)))
            )
        else:
            # The text from its index (complaints.search); the resident's name and the room
            # from their own tables, as short lists of ids where they are short, so that each
            # branch of the OR is an index the database can combine.
            q = search.text_match(text) | _ids_or_subquery(
                "resident_id", Resident.objects.filter(name__icontains=text)
            )
            fragment = digits and digits == text.replace(" ", "").replace("-", "")
            if fragment:
                # A few digits: a phone's last digits (尾号) or any part of it, a number's
                # sequence ("0065"), or a room — all are offered.
                q |= _few_by_id(_phone_part(user, digits)) | _few_by_id(Q(number__endswith=digits))
            units, few_units = _ids_or_subquery_few("unit_id", Unit.objects.matching_room(text))
            qs = qs.filter(q | units)
            if fragment and few_units:  # a room in many buildings ("1201") keeps the walk
                qs = _matches_first(qs)
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


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def cursor_of(complaint: Complaint) -> str:
    """Where a newest-first list stopped: the row's receipt (whole microseconds since the
    epoch, exact) and id."""
    return f"{(complaint.received_at - _EPOCH) // _MICROSECOND}_{complaint.pk}"


def parse_cursor(text: str) -> tuple[dt.datetime, int] | None:
    """The (received_at, id) of :func:`cursor_of`'s text; None for anything else."""
    stamp, _sep, pk = text.partition("_")
    if not (stamp.lstrip("-").isdigit() and pk.isdigit()) or len(stamp) > 20:
        return None
    try:
        return _EPOCH + int(stamp) * _MICROSECOND, int(pk)
    except OverflowError:
        return None


def after_cursor(results: QuerySet[Complaint], cursor: tuple[dt.datetime, int]):
    """The rows of a newest-first list (``-received_at, -id``) after the cursor."""
    moment, pk = cursor
    return results.filter(Q(received_at__lt=moment) | Q(received_at=moment, pk__lt=pk))


ID_LIST_LIMIT = 500


def _ids_or_subquery(field: str, qs: QuerySet) -> Q:
    """``field`` in the ids of ``qs``: the ids themselves when there are few (an index lookup
    the database can OR with others), the subquery otherwise."""
    return _ids_or_subquery_few(field, qs)[0]


def _ids_or_subquery_few(field: str, qs: QuerySet) -> tuple[Q, bool]:
    """:func:`_ids_or_subquery`, and whether the ids were few."""
    ids = list(qs.order_by().values_list("pk", flat=True)[: ID_LIST_LIMIT + 1])
    if len(ids) <= ID_LIST_LIMIT:
        return Q(**{f"{field}__in": ids}), True
    return Q(**{f"{field}__in": qs.values("pk")}), False


# PostgreSQL: a digits-only search gathers at most this many matches before ordering them.
FRAGMENT_IDS_LIMIT = 5000


def _matches_first(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """PostgreSQL, a few digits: every branch of the search (phone and number trigrams, the
    text's tokens, units) is an index, which PostgreSQL combines (BitmapOr) when no order is
    asked; asked for the newest first, it misjudges how many match and walks the whole list
    testing each row (0.3 s at a million).  So the matches are gathered first, unordered, and
    the page ordered among them; a fragment matching more than FRAGMENT_IDS_LIMIT keeps the
    walk, which then finds its page soon."""
    if connection.vendor != "postgresql":
        return qs
    ids = list(qs.order_by().values_list("pk", flat=True)[: FRAGMENT_IDS_LIMIT + 1])
    if len(ids) > FRAGMENT_IDS_LIMIT:
        return qs
    return qs.filter(pk__in=ids)


def _few_by_id(condition: Q) -> Q:
    """SQLite: a phone or number fragment (``LIKE '%…%'``, which no index can seek) as the ids
    of its complaints where they are few.  Finding them reads only that column's index, small
    and short-rowed, once; the condition left in the list's query would fetch and test every
    complaint's row instead, all hundred thousand of them for a rare fragment.  Many (a common
    fragment) keep the condition: the newest-first walk then finds a page soon.  PostgreSQL
    reads the fragments from their trigram indexes."""
    if connection.vendor != "sqlite":
        return condition
    ids = list(
        Complaint.objects.filter(condition)
        .order_by()
        .values_list("pk", flat=True)[: ID_LIST_LIMIT + 1]
    )
    return Q(pk__in=ids) if len(ids) <= ID_LIST_LIMIT else condition


def _phone_part(user, digits: str) -> Q:
    """Phones containing ``digits``, for those who may see phone numbers; for the others
    (who see 138****5678) only the digits they see, the end, so that searching cannot
    spell out the hidden middle."""
    if perms.can_reveal_phone(user):
        if len(digits) >= 3:
            return Q(contact_phone__contains=digits)
        return Q(contact_phone__endswith=digits)
    return Q(contact_phone__endswith=digits)


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
        levels.values("complaint__department_id", "complaint__department__name")
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


@dataclass
class EscalationFilters:
    """The escalations page's filters; empty means "any"."""

    level: int | None = None
    clock: str = ""
    department: int | None = None
    acknowledged: bool | None = None
    overdue: bool = False  # only complaints still overdue (resolution) or late for dispatch


def escalations_filtered(user, filters: EscalationFilters, *, now: dt.datetime):
    """Escalations (not reminders) of the complaints the user may see, newest first."""
    qs = (
        Escalation.objects.visible_to(user)
        .exclude(clock=Escalation.Clock.REMINDER)
        .select_related(
            "complaint__department", "complaint__unit__building", "acknowledged_by", "assigned_to"
        )
    )
    if filters.level:
        qs = qs.filter(level__gte=3) if filters.level >= 3 else qs.filter(level=filters.level)
    if filters.clock:
        qs = qs.filter(clock=filters.clock)
    if filters.department:
        qs = qs.filter(complaint__department_id=filters.department)
    if filters.acknowledged is not None:
        qs = qs.filter(acknowledged_at__isnull=not filters.acknowledged)
    if filters.overdue:
        late = Complaint.objects.overdue_now(now) | Complaint.objects.open().filter(
            dispatched_at__isnull=True, dispatch_due_at__lt=now
        )
        qs = qs.filter(complaint__in=late.values("pk"))
    return qs.order_by("-escalated_at", "-id")


def unacknowledged_escalations_count(user) -> int:
    return (
        Escalation.objects.visible_to(user)
        .exclude(clock=Escalation.Clock.REMINDER)
        .filter(acknowledged_at__isnull=True)
        .count()
    )


def escalation_assignees():
    """People an escalation may be handed to (the service checks each choice): the desk,
    supervisors, management and department heads, by name."""
    from django.contrib.auth import get_user_model

    from .roles import DEPARTMENT_HEAD, FRONT_DESK, GENERAL_MANAGER, MANAGER, SUPERVISOR

    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__name__in=[FRONT_DESK, SUPERVISOR, MANAGER, GENERAL_MANAGER, DEPARTMENT_HEAD],
        )
        .select_related("staff_profile__department")
        .prefetch_related("groups")
        .distinct()
        .order_by("last_name", "first_name", "username")
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
