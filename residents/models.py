"""The residents registry: property → building → unit, and the residents of each unit."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


def mask_phone(number) -> str:
    """Show a phone number with its middle digits hidden.

    A mobile ``13812345678`` shows as ``138****5678``, a landline ``010-12345678`` as
    ``010****5678``.  Takes a ``PhoneNumber``, an E.164 string or plain digits; empty gives "".
    """
    import phonenumbers

    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(str(number), "CN")
        digits = "".join(
            ch
            for ch in phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
            if ch.isdigit()
        )
    except phonenumbers.NumberParseException:
        digits = "".join(ch for ch in str(number) if ch.isdigit())
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if digits.startswith("0") and len(digits) >= 10:
        keep = min(4 if digits[1] != "1" and digits[1] != "2" else 3, len(digits) - 7)
    else:
        keep = max(2, (len(digits) - 4) // 2)
    return f"{digits[:keep]}{'*' * (len(digits) - keep - 4)}{digits[-4:]}"


def parse_room(text: str) -> dict[str, str] | None:
    """Read a room reference in the front desk's style.

    ``"3-2-1201"`` is building 3, stairway 2, room 1201; ``"3-1201"`` is building 3, room 1201;
    a lone number is a room.  ``"3栋2单元1201"`` is understood too.  Returns ``None`` for text
    that is not a room reference.
    """
    import re

    text = (text or "").strip()
    if not text:
        return None
    text = re.sub(r"[栋幢号楼]", "-", text)
    text = re.sub(r"单元", "-", text)
    text = re.sub(r"室$", "", text)
    parts = [p for p in re.split(r"[-\s/#]+", text) if p]
    if not parts or len(parts) > 3 or not all(re.fullmatch(r"[0-9A-Za-z]+", p) for p in parts):
        return None
    if len(parts) == 3:
        return {"building": parts[0], "stairway": parts[1], "room": parts[2]}
    if len(parts) == 2:
        return {"building": parts[0], "room": parts[1]}
    if not any(ch.isdigit() for ch in parts[0]):
        return None
    return {"room": parts[0]}


class Property(models.Model):
    """One managed property (小区 / 项目)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("property")
        verbose_name_plural = _("properties")

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """One building (楼栋) of a property, known by its number ("3" for 3栋)."""

    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("property")
    )
    number = models.CharField(_("building number"), max_length=10)
    name = models.CharField(_("display name"), max_length=50, blank=True)

    class Meta:
        ordering = ["property", "number"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(
                fields=["property", "number"], name="%(app_label)s_%(class)s_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.property} {self.name or self.number}"


class UnitQuerySet(models.QuerySet):
    def matching_room(self, text: str) -> UnitQuerySet:
        """Units matching a room reference such as ``3-2-1201``; empty if the text is not one."""
        parts = parse_room(text)
        if parts is None:
            return self.none()
        q = Q(room=parts["room"])
        if "building" in parts:
            q &= Q(building__number=parts["building"])
        if "stairway" in parts:
            q &= Q(stairway=parts["stairway"])
        return self.filter(q)


class Unit(models.Model):
    """One dwelling or shop (房号): building 3, stairway 2, room 1201 is "3-2-1201"."""

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building")
    )
    stairway = models.CharField(
        _("stairway"), max_length=10, blank=True, help_text=_("单元, the entrance or stair number")
    )
    room = models.CharField(_("room"), max_length=10)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    area = models.DecimalField(
        _("area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["building__property__name", "building__number", "stairway", "room"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "stairway", "room"], name="%(app_label)s_%(class)s_unique_room"
            )
        ]
        indexes = [models.Index(fields=["room"], name="residents_unit_room_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The front desk's way of saying a room: ``3-2-1201``."""
        parts = [self.building.number, self.stairway, self.room]
        return "-".join(p for p in parts if p)


class ResidentQuerySet(models.QuerySet):
    def search(self, text: str) -> ResidentQuerySet:
        """Residents whose name, phone (any part) or room matches ``text``."""
        text = (text or "").strip()
        if not text:
            return self.none()
        q = Q(name__icontains=text)
        digits = "".join(ch for ch in text if ch.isdigit())
        if (
            digits
            and len(digits) >= 3
            and len(digits) == len(text.replace(" ", "").replace("-", ""))
        ):
            q |= Q(phone__contains=digits) | Q(phone_alt__contains=digits)
        if parse_room(text) is not None:
            q |= Q(unit__in=Unit.objects.matching_room(text))
        return self.filter(q)

    def current(self) -> ResidentQuerySet:
        return self.filter(moved_out__isnull=True)


class Resident(models.Model):
    """One person living in (or owning) one unit; a person with two units has two rows."""

    class Relation(models.TextChoices):
        OWNER = "owner", _("owner")
        TENANT = "tenant", _("tenant")
        FAMILY = "family", _("family member")

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="residents", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = PhoneNumberField(_("phone"), region="CN", blank=True, db_index=True)
    phone_alt = PhoneNumberField(_("other phone"), region="CN", blank=True, db_index=True)
    relation = models.CharField(
        _("relation to unit"), max_length=10, choices=Relation.choices, default=Relation.OWNER
    )
    moved_in = models.DateField(_("moved in"), null=True, blank=True)
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    language = models.CharField(
        _("language of messages"),
        max_length=8,
        choices=[("zh-hans", _("Simplified Chinese")), ("en", _("English"))],
        default="zh-hans",
    )
    sms_opt_out = models.BooleanField(
        _("no text messages"),
        default=False,
        help_text=_(
            "The resident asked not to receive text messages about complaints "
            "(sign-in codes they ask for still go)."
        ),
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["unit__building__number", "unit__stairway", "unit__room", "name"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True)
                | Q(moved_in__isnull=True)
                | Q(moved_out__gte=models.F("moved_in")),
                name="%(app_label)s_%(class)s_moved_out_after_in",
                violation_error_message=_("The move-out date cannot be before the move-in date."),
            )
        ]
        indexes = [models.Index(fields=["name"], name="residents_resident_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class SignInCode(models.Model):
    """One one-time code sent by SMS to sign in on the residents' side (only its hash is kept).

    The rows are also the sending log the limits count (per phone and per client address),
    so the limits hold across processes without a shared cache."""

    phone = PhoneNumberField(_("phone"), region="CN")
    code_hash = models.CharField(_("code hash"), max_length=64)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="residents_code_phone_sent"),
            models.Index(fields=["client_ip", "created_at"], name="residents_code_ip_sent"),
        ]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.created_at:%Y-%m-%d %H:%M}"


# The messages to residents live in their own module; importing them here makes them the
# residents app's tables.
from .messaging.models import (  # noqa: E402
    MessageEvent,
    MessageLanguage,
    MessageTemplate,
    RatingLink,
    ResidentMessage,
)

__all__ = [
    "Building",
    "MessageEvent",
    "MessageLanguage",
    "MessageTemplate",
    "Property",
    "RatingLink",
    "Resident",
    "ResidentMessage",
    "SignInCode",
    "Unit",
    "mask_phone",
    "parse_room",
]
