"""What a complaint is about (an administrator-editable tree) and the desk's tunable rules."""

from __future__ import annotations

import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryManager(models.Manager):
    def get_queryset(self):
        # Every label names the parent: join it always (the table is small).
        return super().get_queryset().select_related("parent")


class Category(models.Model):
    """One heading of the complaint classification; sub-categories point at their parent."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    resident_label = models.CharField(
        _("label for residents"),
        max_length=60,
        blank=True,
        help_text=_("How residents say it, on the residents' form; empty: the name."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("Lift entrapment, flooding, fire, security: dispatched at once, day or night."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    default_department = models.ForeignKey(
        "complaints.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default department"),
        help_text=_("Proposed when a complaint of this category is dispatched."),
    )

    objects = CategoryManager()

    class Meta:
        ordering = ["sort_order", "name"]
        base_manager_name = "objects"
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="%(app_label)s_%(class)s_unique_name_in_parent"
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="%(app_label)s_%(class)s_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def resident_name(self) -> str:
        """What the residents' form calls it."""
        return self.resident_label or self.name

    @property
    def proposed_department_id(self) -> int | None:
        """The department a complaint of this category usually goes to: its own default, or
        its heading's (no query: the parent is always joined)."""
        if self.default_department_id:
            return self.default_department_id
        return self.parent.default_department_id if self.parent_id else None

    @property
    def root(self) -> Category:
        node = self
        while node.parent_id:
            node = node.parent
        return node


class DeskPolicy(models.Model):
    """The service centre's tunable rules; the row with the lowest id is the one in force."""

    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat window (days)"),
        default=90,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A complaint by the same resident about the same category within this "
            "many days counts as a repeat."
        ),
    )
    group_window_hours = models.PositiveSmallIntegerField(
        _("group window (hours)"),
        default=72,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Complaints of one property about one category within this window count "
            "towards a group complaint."
        ),
    )
    group_min_households = models.PositiveSmallIntegerField(
        _("households for a group complaint"), default=5, validators=[MinValueValidator(2)]
    )
    progress_report_time = models.TimeField(
        _("daily progress report due at"),
        default=datetime.time(17, 0),
        help_text=_("Departments report on every open work order each day by this time."),
    )
    auto_major_days = models.PositiveSmallIntegerField(
        _("unresolved valid complaints become major after (days)"),
        default=30,
        validators=[MinValueValidator(1)],
    )
    attachment_max_mb = models.PositiveSmallIntegerField(
        _("largest attachment (MB)"), default=10, validators=[MinValueValidator(1)]
    )
    video_max_mb = models.PositiveSmallIntegerField(
        _("largest video (MB)"), default=50, validators=[MinValueValidator(1)]
    )
    progress_every_hours = models.PositiveSmallIntegerField(
        _("progress reported every (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Empty: a report each day by the time above. A number (e.g. 24): a report within "
            "that many hours of signing and of the previous report."
        ),
    )
    desk_may_archive = models.BooleanField(
        _("the front desk archives"),
        default=False,
        help_text=_(
            "Off: the desk proposes archiving with a case summary and a supervisor (or higher) "
            "reviews and closes (审核归档). On: for small companies where the desk closes."
        ),
    )
    revisit_within_hours = models.PositiveSmallIntegerField(
        _("revisit within (hours of resolution)"),
        null=True,
        blank=True,
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Empty: the same day as the resolution. A time agreed with the resident prevails."
        ),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("desk policy")
        verbose_name_plural = _("desk policy")

    def __str__(self) -> str:
        return str(_("Desk policy"))

    @classmethod
    def current(cls) -> DeskPolicy:
        policy = cls.objects.order_by("id").first()
        return policy if policy is not None else cls()


class OfficeHours(models.Model):
    """When the service centre's day shift works on one kind of day.

    Outside these hours the monitoring centre's night duty takes complaints: urgent ones are
    dispatched at once, the others wait for the next day shift, and their dispatch clock
    starts then.  A day with no row is closed all day.  Which row applies to a date follows
    the working-day calendar: a public holiday or company day off uses the holiday row, a
    调休 make-up working weekend day uses Monday's row, every other day its weekday's row.
    """

    class Day(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")
        HOLIDAY = 7, _("public holiday or company day off")

    day = models.PositiveSmallIntegerField(_("day"), choices=Day.choices, unique=True)
    opens = models.TimeField(_("day shift starts"))
    closes = models.TimeField(_("day shift ends"))

    class Meta:
        ordering = ["day"]
        verbose_name = _("office hours")
        verbose_name_plural = _("office hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="%(app_label)s_%(class)s_closes_after_opening",
                violation_error_message=_("The day shift must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_day_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"
