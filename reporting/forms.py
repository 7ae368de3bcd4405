"""Choosing the month (and the property) of the statistics."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.models import Property

from . import periods


class MonthField(forms.CharField):
    """A month typed as ``2026-10`` (what ``<input type="month">`` sends)."""

    # Plain text rather than type="month": browsers show that in their own language and
    # format, whatever the page's; "2026-10" reads the same everywhere.
    widget = forms.TextInput(
        attrs={
            "placeholder": "2026-10",
            "pattern": r"\d{4}-\d{1,2}",
            "inputmode": "numeric",
            "size": 8,
            "autocomplete": "off",
        }
    )
    default_error_messages = {
        "invalid": _("Enter a month as year-month, for example 2026-10."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return periods.parse_month(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return periods.month_label(value)
        return value


class StatisticsForm(forms.Form):
    month = MonthField(label=_("month"), required=False)
    property = forms.ModelChoiceField(
        label=_("property"),
        queryset=Property.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("all properties"),
        error_messages={"invalid_choice": _("There is no property with this code.")},
    )

    def clean_month(self):
        return self.cleaned_data["month"] or periods.previous_month(timezone.localdate())
