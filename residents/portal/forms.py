"""The residents' forms: sign-in, submit, add information, withdraw."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.forms import DeskForm
from complaints.models import Category

from ..models import Building, Property, Unit
from . import selectors
from .services import normalise_mobile


class PhoneForm(DeskForm):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "138 1234 5678"}
        ),
    )

    def clean_phone(self):
        phone = normalise_mobile(self.cleaned_data["phone"])
        if phone is None:
            raise forms.ValidationError(_("Enter a mainland China mobile number."))
        return phone


class CodeForm(DeskForm):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


class ResidentCategoryIterator(ModelChoiceIterator):
    """One group per heading (in residents' words): the heading itself, then its children."""

    def __iter__(self):
        yield ("", self.field.empty_label)
        groups: dict[int, tuple[Category, list]] = {}
        for category in self.queryset:
            root = category.parent if category.parent_id else category
            groups.setdefault(root.pk, (root, []))[1].append(category)
        for root, members in sorted(groups.values(), key=lambda g: (g[0].sort_order, g[0].name)):
            members.sort(key=lambda c: (c.parent_id is not None, c.sort_order, c.name))
            yield (root.resident_name, [self.choice(c) for c in members])


class ResidentCategoryField(forms.ModelChoiceField):
    """The categories in residents' words, one group per heading."""

    iterator = ResidentCategoryIterator

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_label", _("Choose what it is about"))
        super().__init__(queryset=Category.objects.filter(is_active=True), **kwargs)

    def label_from_instance(self, obj):
        return obj.resident_name


CONTACT_TIMES = [
    ("", _("Any time")),
    ("morning", _("Morning (9–12)")),
    ("afternoon", _("Afternoon (14–18)")),
    ("evening", _("Evening (18–21)")),
]


class SubmitForm(DeskForm):
    category = ResidentCategoryField(label=_("What is it about?"))
    description = forms.CharField(
        label=_("What happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    location = forms.CharField(
        label=_("Where"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. lift lobby of building 3")}),
    )
    demand = forms.CharField(
        label=_("What would you like us to do"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contact_time = forms.ChoiceField(
        label=_("Best time to call you"), choices=CONTACT_TIMES, required=False
    )
    deadline = forms.DateField(
        label=_("Needed by (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean_deadline(self):
        day = self.cleaned_data.get("deadline")
        if day is None:
            return None
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("The date has passed."))
        if day > today + dt.timedelta(days=365):
            raise forms.ValidationError(_("Choose a date within a year."))
        end = dt.datetime.combine(day, dt.time(18, 0))
        return timezone.make_aware(end)


class RegisteredSubmitForm(SubmitForm):
    """For a phone in the registry: which of their units it is about."""

    unit = forms.ModelChoiceField(label=_("Your home"), queryset=None, empty_label=None)
    field_order = ["unit", "category"]

    def __init__(self, *args, phone: str, **kwargs):
        super().__init__(*args, **kwargs)
        residents = selectors.residents_of(phone)
        field = self.fields["unit"]
        field.queryset = residents
        field.label_from_instance = lambda r: f"{r.unit.building.property} {r.unit.label}"
        first = list(residents[:2])
        if len(first) == 1:
            field.widget = forms.HiddenInput()
            field.initial = first[0].pk


class GuestSubmitForm(SubmitForm):
    """For a phone not in the registry: the property and unit as the resident says them."""

    estate = forms.ModelChoiceField(
        label=_("Property"), queryset=Property.objects.all(), empty_label=_("Choose")
    )
    room = forms.CharField(
        label=_("Building-unit-room"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "3-2-1201"}),
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=50)
    field_order = ["estate", "room", "contact_name", "category"]

    def __init__(self, *args, building: Building | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if building is not None and not self.is_bound:
            self.fields["room"].initial = f"{building.number}-"

    def clean(self):
        data = super().clean()
        estate, room = data.get("estate"), data.get("room", "")
        data["unit"] = None
        if estate is not None and room:
            units = list(
                Unit.objects.matching_room(room)
                .filter(building__property=estate)
                .select_related("building__property")[:2]
            )
            data["unit"] = units[0] if len(units) == 1 else None
        return data


class AddForm(DeskForm):
    text = forms.CharField(
        label=_("Anything to add"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class WithdrawForm(DeskForm):
    reason = forms.CharField(
        label=_("Why do you withdraw it?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
