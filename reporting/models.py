"""Reporting: the monthly statistics' permission holder, reporting settings, corrective actions
(不合格纠正与预防措施) and the record of monthly reports sent to management."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint

STATISTICS_PERMISSION = "reporting.view_monthly_statistics"
VERIFY_PERMISSION = "reporting.verify_correctiveaction"


class MonthlyStatistics(models.Model):
    """No rows: the admin entry of the monthly statistics page and the permission to see it.

    The page itself is computed from the complaints (``reporting.selectors``).
    """

    class Meta:
        managed = False
        db_table = "reporting_monthly_statistics_no_table"
        default_permissions = ()
        permissions = [
            ("view_monthly_statistics", _("Can see the monthly complaint statistics")),
        ]
        verbose_name = _("monthly statistics")
        verbose_name_plural = _("monthly statistics")

    def __str__(self) -> str:
        return str(_("monthly statistics"))


class ReportingSettings(models.Model):
    """The reporting side's tunable rules; the row with the lowest id is the one in force."""

    economic_loss_threshold = models.DecimalField(
        _("economic loss needing a corrective action (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("500.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "A complaint whose economic loss is this amount or more needs a corrective action."
        ),
    )
    open_action_for_loss = models.BooleanField(
        _("open the corrective action when the loss is recorded"),
        default=True,
        help_text=_(
            "On: recording such a loss opens a corrective action for the manager at once. "
            "Off: the monthly statistics list the complaint until someone records one."
        ),
    )
    satisfaction_target = models.DecimalField(
        _("satisfaction target (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("96.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    revisit_target = models.DecimalField(
        _("revisit coverage target (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    government_target = models.PositiveSmallIntegerField(
        _("valid complaints reaching a government body per year (at most)"),
        default=1,
        help_text=_(
            "The statistics mark a year with more valid complaints that reached a government "
            "body (taken there by the resident, or forwarded by it) than this."
        ),
    )
    send_monthly_report = models.BooleanField(_("e-mail the monthly report"), default=True)
    report_day = models.PositiveSmallIntegerField(
        _("send on day of month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_(
            "From this day of each month on, the previous month's report is e-mailed to the "
            "managers and the general manager (once)."
        ),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("reporting settings")
        verbose_name_plural = _("reporting settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(report_day__gte=1, report_day__lte=28),
                name="%(app_label)s_%(class)s_report_day_in_every_month",
            ),
            models.CheckConstraint(
                condition=Q(economic_loss_threshold__gte=0),
                name="%(app_label)s_%(class)s_threshold_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Reporting settings"))

    @classmethod
    def current(cls) -> ReportingSettings:
        config = cls.objects.order_by("id").first()
        return config if config is not None else cls()


class CorrectiveActionQuerySet(models.QuerySet):
    def open(self) -> CorrectiveActionQuerySet:
        return self.filter(status=CorrectiveAction.Status.OPEN)

    def visible_to(self, user) -> CorrectiveActionQuerySet:
        """The actions whose every complaint the user may see (``Complaint.visible_to``), so
        an action never shows another department's complaints; an action linked to no
        complaint only to those who may see every complaint."""
        from complaints.models import Complaint

        visible = Complaint.objects.visible_to(user).values("pk")
        hidden = Complaint.objects.exclude(pk__in=visible)
        linked = Q(complaints__in=visible)
        if user.has_perm("complaints.view_all_complaints"):
            linked |= Q(complaints__isnull=True)
        return self.filter(pk__in=self.filter(linked).values("pk")).exclude(complaints__in=hidden)


class CorrectiveAction(models.Model):
    """One non-conformity with its cause analysis and corrective / preventive action.

    Major and important complaints, and complaints whose economic loss is above the threshold
    in :class:`ReportingSettings`, each need one; one action may cover several complaints.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("in progress")
        DONE = "done", _("verified and done")

    title = models.CharField(_("non-conformity"), max_length=200)
    complaints = models.ManyToManyField(
        "complaints.Complaint",
        related_name="corrective_actions",
        blank=True,
        verbose_name=_("complaints"),
    )
    cause_analysis = models.TextField(_("cause analysis"))
    action = models.TextField(_("corrective and preventive action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
        verbose_name=_("person responsible"),
    )
    due_date = models.DateField(_("to be done by"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    verification_note = models.TextField(_("verification of the effect"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CorrectiveActionQuerySet.as_manager()

    class Meta:
        ordering = ["-status", "due_date", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        permissions = [
            ("verify_correctiveaction", _("Can verify corrective actions and mark them done")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(verified_at__isnull=False, verified_by__isnull=False),
                name="%(app_label)s_%(class)s_done_is_verified",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_date"],
                name="correctiveaction_open_due",
                condition=Q(status="open"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue_on(self, day) -> bool:
        """Still open after its due date, as of ``day`` (a report passes its own day, so a
        past month's report does not change as time goes by)."""
        return self.status == self.Status.OPEN and self.due_date < day


class MonthlyReportDispatch(models.Model):
    """One month's report e-mailed to management: at most one per month and property.

    ``estate`` empty means the report of all properties.  A sender first claims the row
    (``claimed_at``) and sets ``sent_at`` once the mail is out, so two workers never both
    send, and a failed send is tried again on the next run.
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    estate = models.ForeignKey(
        "residents.Property",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("property"),
    )
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.TextField(_("sent to"), blank=True)

    class Meta:
        ordering = ["-month", "id"]
        verbose_name = _("monthly report sent")
        verbose_name_plural = _("monthly reports sent")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "estate"],
                condition=Q(estate__isnull=False),
                name="%(app_label)s_%(class)s_once_per_month_and_property",
            ),
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(estate__isnull=True),
                name="%(app_label)s_%(class)s_once_per_month_for_all",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="%(app_label)s_%(class)s_month_is_first_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


# The figures a day of complaints keeps in the roll-up (reporting.rollup): every figure of
# reporting.metrics.lasting_metrics (all of a period's figures but "overdue", which depends on
# the moment), and the revisits of the day's complaints.  A test keeps the two lists equal.
def _values(choices) -> list[str]:
    return [str(value) for value in choices.values]


ROLLUP_FIGURES = (
    "total",
    "group",
    "dispatched",
    "dispatched_in_time",
    "resolved",
    "resolved_in_time",
    "resolved_revisited",
    *(f"severity_{value}" for value in _values(Complaint.Severity)),
    *(f"validity_{value}" for value in _values(Complaint.Validity)),
    *(f"channel_{value}" for value in _values(Complaint.Channel)),
    "revisit_total",
    "revisit_satisfied",
    "revisit_basic",
    "revisit_unsatisfied",
    # Step 10's second part: the rest of a period's figures.
    "severity_blank",
    "validity_blank",
    "responsibility_blank",
    "special",
    "dispatched_late",
    "not_dispatched",
    "answer_due",
    "answered_in_time",
    "management_told",
    "management_told_late",
    "revisit_missed",
    "resolved_late",
    "extended",
    "resolved_not_revisited",
    "unsatisfied",
    "reopened",
    "serious",
    "serious_missing",
    "loss_above",
    "loss_missing",
    "reached_government",
    *(f"responsibility_{value}" for value in _values(Complaint.Responsibility)),
    *(f"repeat_{value}" for value in _values(Complaint.RepeatLevel)),
)


class DailyFigures(models.Model):
    """The figures of the complaints received on one local day, at one of four grains: the
    whole company, one property, one department or one category (a roll-up, rebuilt from the
    complaints: see :mod:`reporting.rollup`)."""

    class Grain(models.TextChoices):
        COMPANY = "company", _("whole company")
        PROPERTY = "property", _("property")
        DEPARTMENT = "department", _("department")
        CATEGORY = "category", _("category")

    day = models.DateField(_("day"))
    grain = models.CharField(
        _("grain"), max_length=10, choices=Grain.choices, default=Grain.PROPERTY
    )
    # The key of the row's grain (the others are empty); an empty key at a grain is the
    # complaints with none (no property, not dispatched, not classified yet).
    estate = models.ForeignKey(
        "residents.Property",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("property"),
    )
    department = models.ForeignKey(
        "complaints.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    category = models.ForeignKey(
        "complaints.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    for _name in ROLLUP_FIGURES:
        locals()[_name] = models.PositiveIntegerField(default=0)
    del _name
    loss_total = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        default_permissions = ()
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        # One row per (day, grain, key), by construction: a day is always rebuilt whole.
        indexes = [
            models.Index(fields=["grain", "day"], name="daily_figures_grain_day"),
            models.Index(fields=["estate", "day"], name="daily_figures_estate_day"),
        ]

    def __str__(self) -> str:
        key = self.estate_id or self.department_id or self.category_id or "-"
        return f"{self.day} {self.grain} {key}"


class DirtyDay(models.Model):
    """A local day whose roll-up is out of date: written in the same transaction as the change
    (append-only; the refresh deletes the markers it has read, by id)."""

    day = models.DateField(_("day"))

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["day"], name="dirty_day_day")]

    def __str__(self) -> str:
        return str(self.day)
