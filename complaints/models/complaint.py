"""A complaint, its classification and its workflow (django-fsm-2)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from phonenumber_field.modelfields import PhoneNumberField

from .. import permissions as perms
from .org import Department
from .taxonomy import Category


def condition(message):
    """Give a transition condition the sentence shown when it is not met."""

    def decorate(func):
        func.message = message
        return func

    return decorate


@condition(_("Set the class, category, validity and — unless invalid — the department first."))
def is_classified(complaint: Complaint) -> bool:
    if not (complaint.severity and complaint.category_id and complaint.validity):
        return False
    return complaint.validity == Complaint.Validity.INVALID or bool(complaint.department_id)


@condition(_("Only an invalid complaint can be closed without handling."))
def is_invalid(complaint: Complaint) -> bool:
    return complaint.validity == Complaint.Validity.INVALID


@condition(_("Record the explanation given to the resident first."))
def has_explanation(complaint: Complaint) -> bool:
    return bool(complaint.explanation.strip())


@condition(_("The department has not signed for the work order yet."))
def work_order_signed(complaint: Complaint) -> bool:
    order = complaint.active_work_order
    return order is not None and order.signed_at is not None


@condition(_("Record the investigation and the plan first."))
def has_plan(complaint: Complaint) -> bool:
    return bool(complaint.investigation_plan.strip())


@condition(_("Record the result of the handling first."))
def has_result(complaint: Complaint) -> bool:
    return bool(complaint.result_note.strip())


def overdue_at(at) -> Q:
    """The one definition of "overdue": past the resolution deadline at the moment ``at``,
    neither resolved nor closed before it, and not invalid.  ``at`` is now for the desk, the
    admin, the work orders and the escalation page, and the end of the month (or now) for
    the monthly statistics, so a past month's figure does not change as time goes by."""
    return (
        Q(resolve_due_at__lt=at)
        & ~Q(resolved_at__lt=at)
        & ~Q(closed_at__lt=at)
        & ~Q(validity="invalid")
    )


# Sent by ComplaintQuerySet.update() before it writes, with the queryset and the new values:
# what listens to saves (the statistics' roll-up) hears of the one-column updates too.
complaints_changed = Signal()
# Sent where a complaint's statistics change without a save of the complaint (an escalation
# recorded by the sweep, an extension decided), with ``received``: the complaints' receipt
# moments (the roll-up marks their days).
figures_changed = Signal()


class ComplaintQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if kwargs:
            complaints_changed.send(sender=Complaint, queryset=self, fields=kwargs)
        return super().update(**kwargs)

    def visible_to(self, user) -> ComplaintQuerySet:
        """The one visibility rule: pages, admin and exports all start here.

        Staff with ``view_all_complaints`` see everything; a department head sees the
        complaints whose work orders were ever sent to their department; others see nothing.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.has_perm("complaints.view_all_complaints"):
            return self
        profile = getattr(user, "staff_profile", None)
        if profile is None or profile.department_id is None:
            return self.none()
        if not user.has_perm("complaints.handle_work_order"):
            return self.none()
        dept = profile.department_id
        from .work import WorkOrder

        # EXISTS, not a join: the join's DISTINCT sorts every selected column of every row
        # before a page can be cut, where EXISTS is one probe of ``workorder_complaint_dept``
        # per row and lets a list stop at its page.
        sent = WorkOrder.objects.filter(complaint=OuterRef("pk"), department_id=dept)
        return self.filter(Q(department_id=dept) | Exists(sent))

    def dates(self, field_name, kind, order="ASC"):
        """For ``received_at`` by year or month: every year or month from the first complaint
        to the last, read from the two ends of the index instead of truncating every row (a
        month without complaints may be offered)."""
        if field_name != "received_at" or kind not in ("year", "month"):
            return super().dates(field_name, kind, order)
        return self._received_span(kind, order, timezone.get_current_timezone())

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        """The same as :meth:`dates` for the admin's date hierarchy, which asks a date-and-time
        field for ``datetimes``: midnight of each year's or month's first day in ``tzinfo``
        (the current time zone unless given), as Django returns them."""
        if field_name != "received_at" or kind not in ("year", "month") or not settings.USE_TZ:
            return super().datetimes(field_name, kind, order, tzinfo)
        tz = tzinfo or timezone.get_current_timezone()
        return [
            dt.datetime.combine(day, dt.time(), tzinfo=tz)
            for day in self._received_span(kind, order, tz)
        ]

    def _received_span(self, kind, order, tz) -> list[dt.date]:
        # One aggregate each: SQLite reads a lone MIN or MAX from the end of the index, but
        # scans the whole index for both in one statement.
        ends = [self.order_by().aggregate(end=end("received_at"))["end"] for end in (Min, Max)]
        if ends[0] is None:
            return []
        first, last = (timezone.localtime(end, tz).date() for end in ends)
        found = []
        year, month = first.year, first.month if kind == "month" else 1
        while (year, month) <= (last.year, last.month if kind == "month" else 1):
            found.append(dt.date(year, month, 1))
            if kind == "year":
                year += 1
            else:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found[::-1] if order == "DESC" else found

    def of_resident(self, phone) -> ComplaintQuerySet:
        """The residents' side's one visibility rule: the complaints a signed-in phone
        submitted or gave as its contact, and those registered for a current resident of
        the registry with that phone.  Nothing for an empty phone."""
        if not phone:
            return self.none()
        from residents.models import Resident

        # The residents' ids first (a phone has one or two): "phone OR resident in (ids)" is
        # two index lookups, where "OR resident in (subquery)" made PostgreSQL test every
        # complaint in turn (3 s at a million).
        residents = list(
            Resident.objects.current()
            .filter(Q(phone=phone) | Q(phone_alt=phone))
            .values_list("pk", flat=True)
        )
        return self.filter(Q(contact_phone=phone) | Q(resident_id__in=residents))

    def open(self) -> ComplaintQuerySet:
        return self.exclude(state=Complaint.State.CLOSED)

    def unresolved(self) -> ComplaintQuerySet:
        """Open and not resolved: the department still owes the work."""
        return self.open().filter(resolved_at__isnull=True)

    def overdue(self, at) -> ComplaintQuerySet:
        """Past the resolution deadline at ``at`` (see :func:`overdue_at`)."""
        return self.filter(overdue_at(at))

    def overdue_now(self, now) -> ComplaintQuerySet:
        """:meth:`overdue` at the present moment, with the terms of the partial index
        ``complaint_open_resolve_due`` spelled out (at *now* they change nothing: nothing is
        resolved or closed in the future), so the desks read the index."""
        return self.unresolved().overdue(now)

    def due_between(self, start, end) -> ComplaintQuerySet:
        """Unresolved with the resolution deadline in [start, end)."""
        return self.unresolved().filter(resolve_due_at__gte=start, resolve_due_at__lt=end)


class Complaint(ConcurrentTransitionMixin, models.Model):
    """One complaint by a resident (or on their behalf), from receipt to archive."""

    class State(models.TextChoices):
        RECEIVED = "received", _("received")
        CONFIRMED = "confirmed", _("confirmed")
        INVESTIGATED = "investigated", _("under investigation")
        RESOLVED = "resolved", _("resolved")
        REVISITED = "revisited", _("revisited")
        CLOSED = "closed", _("closed")

    # The states in which a department handles the complaint (an open work order exists only
    # in these): the desks' work-order queues read their partial indexes.
    HANDLING_STATES = ("confirmed", "investigated")

    class Channel(models.TextChoices):
        PHONE = "phone", _("phone")
        WALK_IN = "walk_in", _("walk-in")
        ON_SITE = "on_site", _("on site (to patrolling staff)")
        LETTER = "letter", _("letter")
        SUGGESTION_BOX = "box", _("suggestion box")
        ONLINE = "online", _("WeChat / app / online")
        EMAIL = "email", _("email")
        FAX = "fax", _("fax")
        ON_BEHALF = "on_behalf", _("on behalf of someone")
        FORWARDED = "forwarded", _("forwarded from an upper level")

    class Severity(models.TextChoices):
        MINOR = "minor", _("minor")
        IMPORTANT = "important", _("important")
        MAJOR = "major", _("major")

    class Responsibility(models.TextChoices):
        PROPERTY = "class1", _("Class I — property service")
        DEVELOPER = "class2", _("Class II — developer")
        EXTERNAL = "class3", _("Class III — outside causes")

    class Validity(models.TextChoices):
        VALID = "valid", _("valid")
        ASSIST = "assist", _("assist (not our fault, we help)")
        INVALID = "invalid", _("invalid")

    class Forwarder(models.TextChoices):
        GROUP = "group", _("the group company")
        GOVERNMENT = "government", _("a government body")
        MEDIA = "media", _("the media")

    class ToldBy(models.TextChoices):
        PHONE = "phone", _("phone")
        IN_PERSON = "in_person", _("in person")
        SMS = "sms", _("SMS")
        ONLINE = "online", _("WeChat / app")

    class RepeatLevel(models.TextChoices):
        FIRST = "first", _("first time")
        INTERMEDIATE = "intermediate", _("intermediate (second time)")
        ADVANCED = "advanced", _("advanced (third time or more)")
        SPECIAL = "special", _("special")

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    state = FSMField(
        _("state"), default=State.RECEIVED, choices=State.choices, protected=True, max_length=20
    )

    # What happened
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("happened at"), null=True, blank=True)
    location = models.CharField(_("where"), max_length=200, blank=True)
    complained_about = models.CharField(
        _("person or department complained about"), max_length=100, blank=True
    )
    description = models.TextField(_("what happened"))
    demand = models.TextField(_("what the resident asks for"), blank=True)
    requested_deadline = models.DateTimeField(
        _("deadline asked by the resident"), null=True, blank=True
    )
    economic_loss = models.DecimalField(
        _("economic loss (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    # Who complains
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("resident"),
    )
    unit = models.ForeignKey(
        "residents.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("unit"),
    )
    estate = models.ForeignKey(
        "residents.Property",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("property"),
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=50)
    contact_phone = PhoneNumberField(_("contact phone"), region="CN", db_index=True)

    # Receipt
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints_received",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_owned",
        verbose_name=_("follow-up owner"),
        help_text=_(
            "首问负责: whoever first received it follows it up and answers the resident, "
            "until it is handed to someone else."
        ),
    )
    forwarded_by = models.CharField(
        _("forwarded by"),
        max_length=12,
        choices=Forwarder.choices,
        blank=True,
        help_text=_("Who passed it on, when it came from an upper level."),
    )
    reached_government = models.BooleanField(
        _("reached a government body"),
        default=False,
        help_text=_(
            "The resident also took it to a government body (12345 hotline, street office…)."
        ),
    )

    # Classification
    severity = models.CharField(_("class"), max_length=10, choices=Severity.choices, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("category"),
    )
    responsibility = models.CharField(
        _("responsibility"), max_length=10, choices=Responsibility.choices, blank=True
    )
    validity = models.CharField(_("validity"), max_length=10, choices=Validity.choices, blank=True)
    repeat_level = models.CharField(
        _("repeat level"), max_length=12, choices=RepeatLevel.choices, default=RepeatLevel.FIRST
    )
    is_special = models.BooleanField(
        _("special"),
        default=False,
        help_text=_("May go to the government, the media or court: handled as major."),
    )
    is_group = models.BooleanField(_("group complaint"), default=False)
    is_urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_(
            "Dispatched at once, day or night (lift entrapment, flooding, fire, security)."
        ),
    )
    group_lead = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_members",
        verbose_name=_("group of"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("responsible department"),
    )

    # Handling
    explanation = models.TextField(_("explanation to the resident"), blank=True)
    investigation_plan = models.TextField(_("investigation and plan"), blank=True)
    result_note = models.TextField(_("result"), blank=True)
    handed_up_to = models.CharField(
        _("handed up to"),
        max_length=20,
        blank=True,
        help_text=_(
            "The superior now handling it, after the resident rejected the plan or was "
            "unsatisfied again."
        ),
    )
    result_told_at = models.DateTimeField(
        _("result told to the resident at"), null=True, blank=True
    )
    result_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("result told by"),
    )
    result_told_how = models.CharField(
        _("result told by way of"), max_length=10, choices=ToldBy.choices, blank=True
    )
    archive_proposed_at = models.DateTimeField(_("archiving proposed at"), null=True, blank=True)
    archive_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("archiving proposed by"),
    )
    archive_summary = models.TextField(_("case summary"), blank=True)

    # Milestones and deadlines
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("first dispatched at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    dispatch_due_at = models.DateTimeField(_("dispatch due"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    revisit_due_at = models.DateTimeField(_("revisit due"), null=True, blank=True)
    # The clocks of the current round of handling run from here: the receipt, or the last
    # reopening (the one-month rule alone keeps counting from the first receipt).
    clocks_started_at = models.DateTimeField(_("clocks started at"), null=True, blank=True)
    rework_started_at = models.DateTimeField(
        _("rework started at"),
        null=True,
        blank=True,
        help_text=_("The last unsatisfied revisit: the resolution clock runs again from here."),
    )
    agreed_due_at = models.DateTimeField(
        _("resolution deadline agreed with the resident"),
        null=True,
        blank=True,
        help_text=_("Prevails over the policy's deadline, earlier or later."),
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deadline agreed by"),
    )
    agreed_at = models.DateTimeField(_("deadline agreed at"), null=True, blank=True)
    revisit_appointment_at = models.DateTimeField(
        _("revisit at the time agreed with the resident"), null=True, blank=True
    )
    answered_at = models.DateTimeField(
        _("answered at"),
        null=True,
        blank=True,
        help_text=_("When the resident was given a clear answer (the plan, or the explanation)."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The characters and bigrams of the contact name, description and place, for the free-text
    # search's index (complaints.search); written by save().
    search_tokens = models.TextField(_("search tokens"), blank=True, default="", editable=False)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        permissions = [
            ("view_all_complaints", _("Can see the complaints of every department")),
            ("confirm_complaint", _("Can confirm, classify and dispatch complaints")),
            ("handle_work_order", _("Can sign for and handle own department's work orders")),
            ("handle_any_work_order", _("Can handle any department's work orders")),
            ("revisit_complaint", _("Can revisit resolved complaints")),
            ("close_complaint", _("Can close complaints")),
            ("archive_complaint", _("Can review and archive complaints (审核归档)")),
            ("reopen_complaint", _("Can reopen closed complaints")),
            (
                "export_personal_data",
                _("Can export lists of complaints and residents (personal data)"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(economic_loss__isnull=True) | Q(economic_loss__gte=0),
                name="%(app_label)s_%(class)s_loss_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "received_at"], name="complaint_state_received"),
            models.Index(fields=["-received_at", "-id"], name="complaint_newest_first"),
            models.Index(fields=["department", "state"], name="complaint_dept_state"),
            models.Index(
                fields=["estate", "category", "received_at"], name="complaint_group_lookup"
            ),
            models.Index(
                fields=["dispatch_due_at"],
                name="complaint_open_dispatch_due",
                condition=Q(dispatched_at__isnull=True) & ~Q(state="closed"),
            ),
            # The desk's overdue and due-today queues.
            models.Index(
                fields=["resolve_due_at"],
                name="complaint_open_resolve_due",
                condition=Q(resolved_at__isnull=True) & ~Q(state="closed"),
            ),
            # The revisit queue, soonest due first.
            models.Index(
                fields=["revisit_due_at"],
                name="complaint_revisit_due",
                condition=Q(state="resolved"),
            ),
            models.Index(
                fields=["answer_due_at"],
                name="complaint_open_answer_due",
                condition=Q(answered_at__isnull=True) & ~Q(state="closed"),
            ),
            # One partial index per desk queue that had none, in the queue's own order.
            models.Index(
                fields=["dispatch_due_at", "id"],
                name="complaint_queue_confirm",
                condition=Q(state="received"),
            ),
            models.Index(
                fields=["-updated_at", "id"],
                name="complaint_queue_close",
                condition=Q(state="revisited"),
            ),
            models.Index(
                fields=["resolve_due_at", "id"],
                name="complaint_queue_investigated",
                condition=Q(state="investigated"),
            ),
            # The work-order queues (dispatched, not signed; in progress) of the front desk
            # and of each department head, in their order.
            models.Index(
                fields=["dispatched_at", "id"],
                name="complaint_queue_dispatched",
                condition=Q(state__in=["confirmed", "investigated"]),
            ),
            models.Index(
                fields=["resolve_due_at", "id"],
                name="complaint_queue_handling",
                condition=Q(state__in=["confirmed", "investigated"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("new complaint"))

    def save(self, *args, **kwargs):
        from ..search import TEXT_FIELDS, document_of

        tokens = document_of(*(getattr(self, name) for name in TEXT_FIELDS))
        update_fields = kwargs.get("update_fields")
        if tokens != self.search_tokens:
            self.search_tokens = tokens
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_tokens"}
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The receipt as loaded: if a save moves it to another day, the statistics' roll-up
        # marks the day it left as well as the day it moved to.
        instance.loaded_received_at = instance.__dict__.get("received_at")
        return instance

    # --- derived facts -------------------------------------------------------------------
    @property
    def active_work_order(self):
        """The work order now with a department (pending or signed), if any.

        Remembered on the instance until :meth:`forget_work_order` or ``refresh_from_db``;
        the services call the former whenever they change a work order.
        """
        if "_active_work_order" in self.__dict__:
            return self.__dict__["_active_work_order"]
        cache = getattr(self, "_prefetched_objects_cache", {})
        orders = cache.get("work_orders")
        if orders is not None:
            active = [o for o in orders if o.is_active]
            order = max(active, key=lambda o: (o.dispatched_at, o.pk)) if active else None
        else:
            from .work import WorkOrder

            order = (
                self.work_orders.filter(status__in=WorkOrder.ACTIVE_STATUSES)
                .select_related("department", "signed_by")
                .order_by("-dispatched_at", "-pk")
                .first()
            )
        self.__dict__["_active_work_order"] = order
        return order

    def forget_work_order(self) -> None:
        self.__dict__.pop("_active_work_order", None)

    def refresh_from_db(self, *args, **kwargs):
        self.forget_work_order()
        super().refresh_from_db(*args, **kwargs)

    @property
    def summary(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 40 else text[:39] + "…"

    @property
    def handed_up_label(self) -> str:
        from ..roles import LABELS

        return str(LABELS.get(self.handed_up_to, self.handed_up_to))

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED

    def is_overdue(self, at) -> bool:
        """:func:`overdue_at` for one complaint in memory."""
        return bool(
            self.resolve_due_at
            and self.resolve_due_at < at
            and not (self.resolved_at and self.resolved_at < at)
            and not (self.closed_at and self.closed_at < at)
            and self.validity != self.Validity.INVALID
        )

    # --- workflow ------------------------------------------------------------------------
    # Each method only moves the state; the services in complaints.services do the rest
    # (checks with messages, work orders, timeline rows) in one transaction.
    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.CONFIRMED,
        conditions=[is_classified],
        permission=perms.for_transition(perms.can_confirm),
        custom={"label": _("Confirm")},
    )
    def confirm(self):
        self.confirmed_at = timezone.now()

    @transition(
        field=state,
        source=State.CONFIRMED,
        target=State.CLOSED,
        conditions=[is_invalid, has_explanation],
        permission=perms.for_transition(perms.can_confirm),
        custom={"label": _("Close as invalid")},
    )
    def close_invalid(self):
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=State.CONFIRMED,
        target=State.INVESTIGATED,
        conditions=[work_order_signed, has_plan],
        permission=perms.for_transition(perms.can_handle),
        custom={"label": _("Record investigation")},
    )
    def investigate(self):
        pass

    @transition(
        field=state,
        source=State.INVESTIGATED,
        target=State.RESOLVED,
        conditions=[work_order_signed, has_result],
        permission=perms.for_transition(perms.can_handle),
        custom={"label": _("Resolve")},
    )
    def resolve(self):
        self.resolved_at = timezone.now()

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.REVISITED,
        permission=perms.for_transition(perms.can_revisit),
        custom={"label": _("Revisit: satisfied")},
    )
    def revisit_satisfied(self):
        pass

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.INVESTIGATED,
        permission=perms.for_transition(perms.can_revisit),
        custom={"label": _("Revisit: unsatisfied")},
    )
    def revisit_unsatisfied(self):
        self.resolved_at = None
        self.result_note = ""

    @transition(
        field=state,
        source=State.REVISITED,
        target=State.CLOSED,
        permission=perms.for_transition(perms.can_archive),
        custom={"label": _("Close")},
    )
    def close(self):
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.RECEIVED,
        permission=perms.for_transition(perms.can_reopen),
        custom={"label": _("Reopen")},
    )
    def reopen(self):
        self.closed_at = None
        self.resolved_at = None
        self.confirmed_at = None
        self.result_note = ""


class ComplaintSequence(models.Model):
    """The last complaint number given out in one month (``TS-202611-0042``)."""

    period = models.CharField(_("month"), max_length=6, primary_key=True)
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        ordering = ["period"]
        verbose_name = _("complaint number sequence")
        verbose_name_plural = _("complaint number sequences")

    def __str__(self) -> str:
        return f"{self.period}: {self.last_value}"
