"""Messages to residents: the wording of each event, the outbox, and the rating links.

Imported by :mod:`residents.models`, so the tables belong to the residents app.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from . import wording


class MessageEvent(models.TextChoices):
    """What a resident hears of (and the sign-in code they asked for)."""

    SIGN_IN_CODE = "sign_in_code", _("Sign-in code")
    RECEIVED = "received", _("Complaint received")
    DISPATCHED = "dispatched", _("Sent to a department")
    ANSWERED = "answered", _("Plan or answer given (major complaints)")
    RESOLVED = "resolved", _("Resolved (with the rating link)")
    HANDED_UP = "handed_up", _("Handed to a superior")
    CLOSED = "closed", _("Closed")


class MessageLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class MessageTemplate(models.Model):
    """The words of one event's message in one language, edited in the admin.

    ``{number}``, ``{unit}``, ``{department}``, ``{due}``, ``{link}`` (and ``{code}`` for the
    sign-in code) are filled in when the message is written.  A provider that only sends
    pre-approved templates (Aliyun, Tencent Cloud) gets the template code and the values
    instead of the text.
    """

    event = models.CharField(_("event"), max_length=16, choices=MessageEvent.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=MessageLanguage.choices, default="zh-hans"
    )
    text = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {number} {unit} {department} {due} {link}, and {code} for the "
            "sign-in code. Keep it short: one text message is 70 Chinese characters."
        ),
    )
    provider_template = models.CharField(
        _("provider template code"),
        max_length=40,
        blank=True,
        help_text=_(
            "For Aliyun or Tencent Cloud: the code of the template approved there "
            "(SMS_123456789 or 1234567). Leave empty for the console or an HTTP gateway."
        ),
    )
    provider_params = models.CharField(
        _("provider template values"),
        max_length=100,
        blank=True,
        help_text=_(
            "The placeholders the approved template takes, in its order, separated by "
            "commas (number,link). Empty: the placeholders of the text above."
        ),
    )
    is_active = models.BooleanField(
        _("send"), default=True, help_text=_("Untick to stop sending this message.")
    )

    class Meta:
        ordering = ["event", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "language"], name="%(app_label)s_%(class)s_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} ({self.get_language_display()})"

    def clean(self) -> None:
        errors = {}
        unknown = wording.unknown_placeholders(self.text)
        if unknown:
            errors["text"] = _("Unknown placeholders: %(names)s.") % {
                "names": ", ".join(f"{{{n}}}" for n in sorted(unknown))
            }
        else:
            missing = wording.REQUIRED.get(self.event, set()) - wording.placeholders(self.text)
            if missing:
                errors["text"] = _("This message must contain %(names)s.") % {
                    "names": ", ".join(f"{{{n}}}" for n in sorted(missing))
                }
        bad = [n for n in wording.param_names(self.provider_params) if n not in wording.NAMES]
        if bad:
            errors["provider_params"] = _("Unknown placeholders: %(names)s.") % {
                "names": ", ".join(bad)
            }
        if errors:
            raise ValidationError(errors)

    def value_names(self) -> list[str]:
        return wording.param_names(self.provider_params) or wording.ordered_placeholders(self.text)


class ResidentMessage(models.Model):
    """The outbox: one text message to one phone, written in the same transaction as what it
    announces and sent by a Celery task after the commit (see residents.messaging.outbox)."""

    phone = PhoneNumberField(_("phone"), region="CN")
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("resident"),
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="resident_messages",
        verbose_name=_("complaint"),
    )
    event = models.CharField(_("event"), max_length=16, choices=MessageEvent.choices)
    language = models.CharField(_("language"), max_length=8, choices=MessageLanguage.choices)
    text = models.TextField(_("text"))
    params = models.JSONField(_("values"), default=dict, blank=True)
    provider_template = models.CharField(_("provider template code"), max_length=40, blank=True)
    provider_params = models.JSONField(_("provider template values"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    send_after = models.DateTimeField(
        _("send after"),
        null=True,
        blank=True,
        help_text=_("Held for the night, or waiting before the next try."),
    )
    expires_at = models.DateTimeField(
        _("give up at"),
        null=True,
        blank=True,
        help_text=_("Not sent after this (a sign-in code that is no longer valid)."),
    )
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message to a resident")
        verbose_name_plural = _("messages to residents")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="resident_message_undelivered",
                condition=Q(delivered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        from residents.models import mask_phone

        return mask_phone(self.phone)


class RatingLink(models.Model):
    """A single-use link, sent by SMS when a complaint is resolved, to rate it without signing
    in (the revisit online).  Only a hash of the token is kept."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.CASCADE,
        related_name="rating_links",
        verbose_name=_("complaint"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    language = models.CharField(
        _("language"), max_length=8, choices=MessageLanguage.choices, default="zh-hans"
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    voided_at = models.DateTimeField(
        _("replaced at"),
        null=True,
        blank=True,
        help_text=_("A newer link was sent, or the complaint was revisited another way."),
    )
    revisit = models.OneToOneField(
        "complaints.Revisit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rating_link",
        verbose_name=_("revisit"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rating link")
        verbose_name_plural = _("rating links")
        indexes = [
            models.Index(fields=["complaint", "-created_at"], name="rating_link_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.created_at:%Y-%m-%d}"

    def is_open(self, now) -> bool:
        return self.used_at is None and self.voided_at is None and now < self.expires_at
