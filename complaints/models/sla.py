"""Deadlines as data: the SLA policy per class, the company's own calendar days, deadline
extensions, escalations of breaches, and the notifications they send."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .complaint import Complaint
from .work import ComplaintOwnedManager


class SlaPolicy(models.Model):
    """The deadlines for one complaint class (seeded with the domain's defaults)."""

    class Role(models.TextChoices):
        SUPERVISOR = "supervisor", _("Customer-service supervisor")
        MANAGER = "manager", _("Manager")
        GENERAL_MANAGER = "general_manager", _("General manager")

    severity = models.CharField(
        _("class"), max_length=10, choices=Complaint.Severity.choices, unique=True
    )
    dispatch_minutes = models.PositiveIntegerField(
        _("dispatch within (minutes)"), default=10, validators=[MinValueValidator(1)]
    )
    notify_role = models.CharField(
        _("tell at once"),
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text=_(
            "Who must hear of a complaint of this class (important: the manager; "
            "major: the general manager)."
        ),
    )
    notify_within_minutes = models.PositiveIntegerField(
        _("tell within (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: by the end of the day of receipt."),
    )
    answer_minutes = models.PositiveIntegerField(
        _("clear answer within (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no separate answer deadline. 60 = 1 hour, 2880 = 2 days."),
    )
    resolve_days = models.PositiveSmallIntegerField(
        _("resolve within (days)"), validators=[MinValueValidator(1)]
    )
    resolve_hours = models.PositiveSmallIntegerField(
        _("resolve within (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Set for a limit shorter than a day (e.g. 12): it replaces the days."),
    )
    resolve_in_working_days = models.BooleanField(_("count working days"), default=False)
    use_requested_deadline = models.BooleanField(
        _("resident's earlier deadline counts"), default=False
    )
    extension_approver = models.CharField(
        _("extension approved by"),
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text=_("Empty: no extension possible."),
    )
    dispatch_escalation_minutes = models.CharField(
        _("dispatch escalation steps (minutes after the deadline)"),
        max_length=50,
        default="0,60",
        help_text=_("Each step raises it one level: supervisor, manager, general manager."),
    )
    resolve_escalation_hours = models.CharField(
        _("resolution escalation steps (hours after the deadline)"),
        max_length=50,
        default="0,24,72",
        help_text=_("Each step raises it one level: supervisor, manager, general manager."),
    )
    reminder_fractions = models.CharField(
        _("reminders at"),
        max_length=50,
        default="0.5,0.8",
        help_text=_("Fractions of the time elapsed, comma-separated (0.5,0.8)."),
    )

    class Meta:
        ordering = ["severity"]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return str(Complaint.Severity(self.severity).label)

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        for name, cast in (
            ("dispatch_escalation_minutes", int),
            ("resolve_escalation_hours", int),
            ("reminder_fractions", float),
        ):
            try:
                values = parse_steps(getattr(self, name), cast)
            except ValueError:
                errors[name] = _("Write numbers separated by commas, e.g. 0,24,72.")
                continue
            if cast is float and any(not 0 < v < 1 for v in values):
                errors[name] = _("Fractions must lie between 0 and 1, e.g. 0.5,0.8.")
            if len(values) > 3 and name != "reminder_fractions":
                errors[name] = _("At most three steps: supervisor, manager, general manager.")
        if errors:
            raise ValidationError(errors)

    def steps(self, name: str, cast=int) -> list:
        try:
            return parse_steps(getattr(self, name), cast)
        except ValueError:
            return []


def parse_steps(text: str, cast=int) -> list:
    """``"0, 24,72"`` → ``[0, 24, 72]``; raises ValueError on anything else."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    values = [cast(p) for p in parts]
    if any(v < 0 for v in values) or values != sorted(values):
        raise ValueError(text)
    return values


class CalendarDay(models.Model):
    """A company's own exception to the public-holiday calendar: a day off or a working day."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"


class DeadlineExtension(models.Model):
    """A handler's request to move the resolution deadline, and its approval or refusal."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("complaint")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    old_due_at = models.DateTimeField(_("old deadline"))
    new_due_at = models.DateTimeField(_("new deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = ComplaintOwnedManager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        # Who decides is the policy's approver role for the class; each role has its
        # permission (complaints.roles), so a more senior role holds the junior ones too.
        permissions = [
            ("decide_supervisor_extensions", _("Can decide extensions a supervisor approves")),
            ("decide_manager_extensions", _("Can decide extensions a manager approves")),
            (
                "decide_general_manager_extensions",
                _("Can decide extensions the general manager approves"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status="pending"),
                name="%(app_label)s_%(class)s_one_pending_per_complaint",
                violation_error_message=_("An extension is already waiting for approval."),
            ),
            models.CheckConstraint(
                condition=Q(new_due_at__gt=models.F("old_due_at")),
                name="%(app_label)s_%(class)s_moves_deadline_later",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="extension_status")]

    def __str__(self) -> str:
        return f"{self.complaint.number}: {self.get_status_display()}"


class Escalation(models.Model):
    """One breach of one deadline, raised to one level: recorded exactly once."""

    class Clock(models.TextChoices):
        DISPATCH = "dispatch", _("dispatch")
        NOTIFY = "notify", _("management informed")
        ANSWER = "answer", _("answer to the resident")
        RESOLVE = "resolve", _("resolution")
        PROGRESS = "progress", _("daily progress report")
        MONTH = "month", _("open for a month")
        REMINDER = "reminder", _("reminder before the deadline")
        REVISIT = "revisit", _("revisit")
        TELL = "tell", _("result told to the resident")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("complaint")
    )
    clock = models.CharField(_("deadline"), max_length=10, choices=Clock.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    role = models.CharField(_("raised to"), max_length=20)
    due_at = models.DateTimeField(_("was due"))
    escalated_at = models.DateTimeField(_("escalated at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
        help_text=_("Who follows this escalation up."),
    )

    objects = ComplaintOwnedManager()

    class Meta:
        ordering = ["-escalated_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "clock", "level", "due_at"],
                name="%(app_label)s_%(class)s_once_per_breach",
            ),
        ]
        indexes = [models.Index(fields=["escalated_at"], name="escalation_at")]

    def __str__(self) -> str:
        return f"{self.complaint.number} {self.get_clock_display()} L{self.level}"


class Clock(models.Model):
    """One running deadline of one complaint, and how far the sweep has taken it.

    ``due_at`` is when the deadline falls; ``level`` how many escalations (or reminders) it
    has raised; ``next_at`` when the sweep must look at it next, empty once there is nothing
    left to do.  The services set ``due_at`` (complaints.sla.deadlines.schedule) whenever a
    fact it follows from changes; the sweep moves ``level`` and ``next_at`` in the same
    transaction as the escalations it records, so a crash loses neither.  The escalations
    are the history: a reopened complaint's clock gets a new ``due_at`` and starts again.
    """

    Kind = Escalation.Clock

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="clocks", verbose_name=_("complaint")
    )
    kind = models.CharField(_("deadline"), max_length=10, choices=Kind.choices)
    started_at = models.DateTimeField(_("runs from"))
    due_at = models.DateTimeField(_("due"))
    level = models.PositiveSmallIntegerField(_("escalations raised"), default=0)
    next_at = models.DateTimeField(_("next look"), null=True, blank=True)

    objects = ComplaintOwnedManager()

    class Meta:
        # By the column, not the complaint's own ordering: no join, so a locking read of a
        # complaint's clocks locks the clocks alone.
        ordering = ["complaint_id", "kind"]
        verbose_name = _("running deadline")
        verbose_name_plural = _("running deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind"], name="%(app_label)s_%(class)s_one_per_kind"
            ),
        ]
        indexes = [
            # The sweep's only scan: what is due now, whatever the size of the table.
            models.Index(fields=["next_at"], name="clock_next", condition=Q(next_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.get_kind_display()} {self.due_at:%Y-%m-%d %H:%M}"


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        """A notification is its recipient's alone, whoever may see the complaint."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(recipient=user)


class NotificationEvent(models.TextChoices):
    """What a notification is about; the text is rendered from it in the reader's language."""

    WORK_ORDER = "work_order", _("New work order")
    REWORK = "rework", _("Rework order")
    REDISPATCHED = "redispatched", _("Work order sent on")
    SIGNED = "signed", _("Work order signed for")
    RESOLVED = "resolved", _("Resolved, revisit due")
    EXTENSION_REQUESTED = "ext_requested", _("Extension requested")
    EXTENSION_DECIDED = "ext_decided", _("Extension decided")
    HANDED_UP = "handed_up", _("Handed to a superior")
    ESCALATION = "escalation", _("Escalation")
    REMINDER = "reminder", _("Reminder")
    ARCHIVE_REVIEW = "archive", _("Ready for archiving review")
    ASSIGNED = "assigned", _("Escalation assigned to you")
    REPEAT = "repeat", _("Reported again")
    OTHER = "other", _("Other")


class Notification(models.Model):
    """A message to one user, shown in the app and sent by e-mail (or another channel)."""

    Event = NotificationEvent

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("complaint"),
    )
    escalation = models.ForeignKey(
        Escalation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("escalation"),
    )
    message = models.TextField(_("message"))
    event = models.CharField(
        _("event"), max_length=16, choices=NotificationEvent.choices, default="other"
    )
    params = models.JSONField(
        _("facts"),
        default=dict,
        blank=True,
        help_text=_("The facts the message is rendered from, in the reader's language."),
    )
    is_urgent = models.BooleanField(_("urgent"), default=False)
    send_after = models.DateTimeField(
        _("send after"),
        null=True,
        blank=True,
        help_text=_("Held for the recipient's quiet hours: sent by e-mail once the day begins."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_at = models.DateTimeField(
        _("being sent since"),
        null=True,
        blank=True,
        help_text=_("Set by the worker sending it, so no two workers send it twice."),
    )
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "escalation"],
                condition=Q(escalation__isnull=False),
                name="%(app_label)s_%(class)s_once_per_escalation",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["created_at"],
                name="notification_undelivered",
                condition=Q(delivered_at__isnull=True),
            ),
            # One person's notifications, newest first (the bell's page): a manager gathers
            # hundreds of thousands over the years.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.message[:50]

    @property
    def text(self) -> str:
        """The message in the reader's (the active) language, from its event and facts."""
        from ..messages import render

        return render(self.event, self.params, fallback=self.message)


class NotificationPreference(models.Model):
    """Which events reach a user, by which channel, and whether quiet hours hold them."""

    class Channel(models.TextChoices):
        APP = "app", _("In the app")
        EMAIL = "email", _("E-mail")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    # {event: [channel, ...]}; an event missing here takes the default for its kind.
    channels = models.JSONField(_("channels by event"), default=dict, blank=True)
    quiet_hours = models.BooleanField(
        _("quiet hours"),
        default=True,
        help_text=_(
            "Outside office hours, non-urgent messages wait in the app and go by e-mail "
            "when the day shift starts."
        ),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class DepartmentWebhook(models.Model):
    """A WeCom (企业微信) or DingTalk group robot that hears of a department's work."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    department = models.ForeignKey(
        "complaints.Department",
        on_delete=models.CASCADE,
        related_name="webhooks",
        verbose_name=_("department"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk robots with signing enabled: the secret starting with SEC."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("Empty: work orders, reworks and escalations."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return f"{self.department} · {self.get_kind_display()}"


class WebhookMessage(models.Model):
    """The outbox of a group robot: one post per event, however many heads the group has."""

    webhook = models.ForeignKey(
        DepartmentWebhook,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("group robot"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaint"),
    )
    event = models.CharField(_("event"), max_length=16, choices=NotificationEvent.choices)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("group robot message")
        verbose_name_plural = _("group robot messages")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="webhook_undelivered",
                condition=Q(delivered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:50]


class SavedView(models.Model):
    """A named set of filters on one list, kept per user."""

    class Scope(models.TextChoices):
        COMPLAINTS = "complaints", _("Complaints")
        WORK_ORDERS = "work_orders", _("Work orders")
        REVISITS = "revisits", _("Revisits")
        ESCALATIONS = "escalations", _("Escalations")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("user"),
    )
    scope = models.CharField(_("list"), max_length=12, choices=Scope.choices)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["scope", "name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "name"], name="%(app_label)s_%(class)s_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DataAccess(models.Model):
    """A record of personal data leaving the masked view (PIPL): reveals, exports, prints."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", _("Phone number viewed")
        EXPORT = "export", _("Export")
        PRINT = "print", _("Print")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaint"),
    )
    what = models.CharField(_("what"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    phones_included = models.BooleanField(_("full phone numbers included"), default=False)
    filters = models.CharField(_("filters"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [models.Index(fields=["at"], name="data_access_at")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.what}"
