"""Choosing the period (its length and which one) and the property of the statistics."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.models import Property

from . import periods

PERIOD_EXAMPLES = _(
    "Enter the period as 2026-W43 (a week), 2026-10 (a month), 2026-Q4 (a quarter) or 2026 "
    "(a year)."
)


KIND_CHOICES = [
    (periods.WEEK, _("week")),
    (periods.MONTH, _("month")),
    (periods.QUARTER, _("quarter")),
    (periods.YEAR, _("year")),
]


class StatisticsForm(forms.Form):
    """``kind`` is the length; ``period`` names one (``2026-W43``, ``2026-10``, ``2026-Q4``,
    ``2026``).  A period of another length is read as the one of the chosen length that
    contains its first day (switching from month to quarter keeps the place); without a
    length, the text says which; without a period, the last complete one is shown."""

    kind = forms.ChoiceField(
        label=_("period length"),
        choices=KIND_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": _("Choose the length of the period: week, month, quarter or year.")
        },
    )
    period = forms.CharField(
        label=_("period"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "2026-10", "size": 9, "autocomplete": "off"}),
        error_messages={"max_length": PERIOD_EXAMPLES},
    )
    property = forms.ModelChoiceField(
        label=_("property"),
        queryset=Property.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("all properties"),
        error_messages={"invalid_choice": _("There is no property with this code.")},
    )

    def clean(self):
        cleaned = super().clean()
        if "kind" in self.errors or "period" in self.errors:
            return cleaned
        kind = cleaned.get("kind") or None
        text = cleaned.get("period") or ""
        if not text.strip():
            period = periods.previous_period(kind or periods.MONTH, timezone.localdate())
        else:
            try:
                period = periods.parse_period(text, kind)
            except ValueError:
                self.add_error("period", forms.ValidationError(PERIOD_EXAMPLES, code="invalid"))
                return cleaned
        cleaned["kind"], cleaned["period"] = period.kind, period
        return cleaned
