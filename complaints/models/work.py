"""Work orders, revisits, attachments and the timeline of a complaint."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .complaint import Complaint
from .org import Department


class ComplaintOwnedQuerySet(models.QuerySet):
    """The rows that belong to one complaint (its work orders, timeline, files, clocks…).

    One visibility rule, as NetBox's ``restrict()``: a row is visible exactly when its
    complaint is (:meth:`ComplaintQuerySet.visible_to`), so pages, the admin and exports
    cannot disagree about who sees a work order or an attachment.
    """

    complaint_field = "complaint"

    def visible_to(self, user):
        visible = Complaint.objects.visible_to(user)
        return self.filter(**{f"{self.complaint_field}__in": visible.values("pk")})


ComplaintOwnedManager = models.Manager.from_queryset(ComplaintOwnedQuerySet)


class WorkOrder(models.Model):
    """One dispatch of a complaint to a department (派工单); a re-dispatch is a new row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for sign-off")
        SIGNED = "signed", _("signed for")
        DONE = "done", _("done")
        WITHDRAWN = "withdrawn", _("withdrawn (re-dispatched)")

    ACTIVE_STATUSES = (Status.PENDING, Status.SIGNED)

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="work_orders",
        verbose_name=_("complaint"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("department"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    is_rework = models.BooleanField(_("rework"), default=False)
    instructions = models.TextField(_("instructions"), blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dispatched by"),
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ComplaintOwnedManager()

    class Meta:
        ordering = ["-dispatched_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status__in=["pending", "signed"]),
                name="%(app_label)s_%(class)s_one_active_per_complaint",
                violation_error_message=_("This complaint already has an open work order."),
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(signed_by__isnull=False),
                name="%(app_label)s_%(class)s_signed_by_someone",
            ),
        ]
        indexes = [
            models.Index(
                fields=["department", "status"],
                name="workorder_dept_status",
                condition=Q(status__in=["pending", "signed"]),
            ),
            # A department head's queues ask "has this complaint an order of my department in
            # this status?" per complaint: without it SQLite walks the department's orders.
            models.Index(
                fields=["complaint", "department", "status"], name="workorder_complaint_dept"
            ),
            # A department head's "to sign for" and "in progress" queues: the complaints of
            # the department's orders in one status, from the index alone.
            models.Index(
                fields=["department", "status", "complaint"], name="workorder_dept_status_compl"
            ),
            # The desks' "dispatched, not signed for" and "being reworked" queues.
            models.Index(
                fields=["complaint"],
                name="workorder_pending",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["complaint"],
                name="workorder_rework_active",
                condition=Q(is_rework=True, status__in=["pending", "signed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint.number} → {self.department}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class Revisit(models.Model):
    """One call or visit back to the resident after the complaint was resolved (回访)."""

    class Method(models.TextChoices):
        PHONE = "phone", _("phone")
        VISIT = "visit", _("visit")
        ONLINE = "online", _("online")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        BASIC = "basic", _("basically satisfied")
        UNSATISFIED = "unsatisfied", _("unsatisfied")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="revisits", verbose_name=_("complaint")
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("opinion on the handling"), blank=True)
    prevention = models.TextField(
        _("prevention"), blank=True, help_text=_("What would keep it from happening again.")
    )
    suggestions = models.TextField(_("suggestions"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("revisited by"),
    )
    at = models.DateTimeField(_("revisited at"), default=timezone.now)

    objects = ComplaintOwnedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")

    def __str__(self) -> str:
        return f"{self.complaint.number}: {self.get_satisfaction_display()}"

    @property
    def is_satisfied(self) -> bool:
        return self.satisfaction != self.Satisfaction.UNSATISFIED


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under a random name, so nothing about the file is guessable from its URL."""
    suffix = PurePath(filename).suffix.lower()[:10]
    now = timezone.now()
    return f"complaints/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A photo, scanned letter or document attached to a complaint (kept outside the web root)."""

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("complaint"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=attachment_path, max_length=200, blank=True
    )

    objects = ComplaintOwnedManager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


class ComplaintEvent(models.Model):
    """One line of a complaint's timeline: who did what, when, and from which state to which."""

    class Kind(models.TextChoices):
        CREATED = "created", _("received")
        TRANSITION = "transition", _("state changed")
        CLASSIFIED = "classified", _("classified")
        DISPATCHED = "dispatched", _("dispatched")
        SIGNED = "signed", _("signed for")
        PROGRESS = "progress", _("progress")
        NOTE = "note", _("note")
        REVISIT = "revisit", _("revisit")
        ATTACHMENT = "attachment", _("attachment")
        GROUP = "group", _("group complaint")
        REOPENED = "reopened", _("reopened")
        PHONE_REVEALED = "phone", _("phone number viewed")
        ESCALATED = "escalated", _("escalated")
        EXTENSION = "extension", _("deadline extension")
        AGREED = "agreed", _("time agreed with the resident")
        HANDED_UP = "handed_up", _("handed to a superior")
        TOLD = "told", _("result told to the resident")
        OWNER = "owner", _("owner changed")
        ARCHIVE = "archive", _("archiving proposed")
        LOSS = "loss", _("economic loss to act on")
        REPEAT = "repeat", _("reported again")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_state = models.CharField(
        _("from"), max_length=20, blank=True, choices=Complaint.State.choices
    )
    to_state = models.CharField(_("to"), max_length=20, blank=True, choices=Complaint.State.choices)
    note = models.TextField(_("note"), blank=True)
    # A note written by the system is kept as a code and its facts, and rendered in the
    # reader's language (complaints.messages); ``note`` holds what a person typed.
    code = models.CharField(_("message code"), max_length=40, blank=True)
    params = models.JSONField(_("facts"), default=dict, blank=True)
    work_order = models.ForeignKey(
        WorkOrder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("work order"),
    )
    # A note staff wrote as a reply to the resident (or what the resident wrote themselves
    # on the residents' side): shown on "My complaints".  Everything else is internal.
    for_resident = models.BooleanField(_("shown to the resident"), default=False)

    objects = ComplaintOwnedManager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [
            models.Index(fields=["complaint", "at"], name="event_complaint_at"),
            # The desk's queue of what residents withdrew or sent from an unknown unit: a few
            # rows among millions of timeline events.
            models.Index(
                fields=["complaint"],
                name="event_from_residents",
                condition=Q(code__in=["resident_withdrew", "portal_unverified"]),
            ),
            # A form sent twice: the earlier sending's row, found by the form's one-time key
            # (complaints.services.desk.submitted_before) — looked for at every intake.
            models.Index(
                KeyTransform("submission", "params"),
                name="event_submission",
                condition=Q(kind__in=["created", "repeat"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint.number} {self.get_kind_display()}"
