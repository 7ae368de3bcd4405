"""Input validation for the desk pages and the admin's transition buttons."""

from __future__ import annotations

import re

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from residents.safetext import XmlSafeFormMixin

from .models import Category, Complaint, Department, Revisit
from .roles import display_name


class DeskForm(XmlSafeFormMixin, forms.Form):
    """Gives every widget its Bootstrap class, so templates render fields plainly; text loses
    the characters XML forbids (see :mod:`residents.safetext`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.RadioSelect):
                widget.attrs["class"] = "form-check-input"
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class CategoryChoiceIterator(ModelChoiceIterator):
    """The categories as one group per heading: the heading itself first, then its children."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[int, tuple[object, list]] = {}
        for category in self.queryset:
            root = category.parent if category.parent_id else category
            groups.setdefault(root.pk, (root, []))[1].append(category)
        for root, members in sorted(groups.values(), key=lambda g: (g[0].sort_order, g[0].name)):
            members.sort(key=lambda c: (c.parent_id is not None, c.sort_order, c.name))
            yield (root.name, [self.choice(c) for c in members])


class CategorySelect(forms.Select):
    """A plain grouped ``<select>``; each option carries what a search box finds it by (text,
    pinyin, initials) and the department it usually goes to, for static/js/category.js."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        category = getattr(value, "instance", None)
        if category is not None:
            from .pinyin import category_search_keys

            option["attrs"]["data-search"] = category_search_keys(category)
            if category.proposed_department_id:
                option["attrs"]["data-department"] = category.proposed_department_id
        return option


class CategoryChoiceField(forms.ModelChoiceField):
    """The category chooser of the desk: grouped by heading, searchable by 电梯 or ``dt``."""

    iterator = CategoryChoiceIterator
    widget = CategorySelect

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Category.objects.filter(is_active=True))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("data-category-chooser", "")
        self.widget.attrs.setdefault("data-filter-label", _("Find a category: 电梯 or dt"))

    def label_from_instance(self, obj):
        return obj.name


class ConfirmForm(DeskForm):
    severity = forms.ChoiceField(label=_("class"), choices=Complaint.Severity.choices)
    category = CategoryChoiceField(label=_("category"))
    validity = forms.ChoiceField(label=_("validity"), choices=Complaint.Validity.choices)
    responsibility = forms.ChoiceField(
        label=_("responsibility"),
        required=False,
        choices=[("", "—"), *Complaint.Responsibility.choices],
    )
    department = forms.ModelChoiceField(
        label=_("responsible department"),
        required=False,
        queryset=Department.objects.filter(is_active=True),
    )
    is_special = forms.BooleanField(
        label=_("special (government, media, court or collective)"), required=False
    )
    instructions = forms.CharField(
        label=_("instructions to the department"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    explanation = forms.CharField(
        label=_("explanation to the resident"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        invalid = data.get("validity") == Complaint.Validity.INVALID
        if not invalid and not data.get("department"):
            data["department"] = proposed_department(data.get("category"))
        if not invalid and not data.get("department"):
            self.add_error("department", _("Choose the department that will handle it."))
        return data


def proposed_department(category) -> Department | None:
    """The category's usual department, if it has one and it is active."""
    dept_id = category.proposed_department_id if category is not None else None
    if not dept_id:
        return None
    return Department.objects.filter(pk=dept_id, is_active=True).first()


class ExplanationForm(DeskForm):
    explanation = forms.CharField(
        label=_("explanation to the resident"), widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanForm(DeskForm):
    plan = forms.CharField(
        label=_("investigation and plan"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ResultForm(DeskForm):
    result = forms.CharField(label=_("result"), widget=forms.Textarea(attrs={"rows": 3}))


class ProgressForm(DeskForm):
    note = forms.CharField(label=_("progress"), widget=forms.Textarea(attrs={"rows": 2}))
    for_resident = forms.TypedChoiceField(
        label=_("Who reads it"),
        choices=[("0", _("Internal note")), ("1", _("Reply to the resident"))],
        coerce=lambda value: value == "1",
        initial="0",
        empty_value=False,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("A reply is shown to the resident online, signed by your department."),
    )


class RevisitForm(DeskForm):
    method = forms.ChoiceField(label=_("method"), choices=Revisit.Method.choices)
    satisfaction = forms.ChoiceField(
        label=_("satisfaction"), choices=Revisit.Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("opinion on the handling"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    prevention = forms.CharField(
        label=_("prevention"),
        required=False,
        help_text=_("What would keep it from happening again."),
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    suggestions = forms.CharField(
        label=_("suggestions"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("satisfaction") == Revisit.Satisfaction.UNSATISFIED
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", _("Write down what the resident is unhappy about."))
        return data


class ReasonForm(DeskForm):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SummaryForm(DeskForm):
    summary = forms.CharField(
        label=_("summary for the archive"),
        required=False,
        help_text=_("Empty: the summary the desk proposed."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProposalForm(DeskForm):
    summary = forms.CharField(
        label=_("case summary"),
        help_text=_("What happened, what was done, what the resident said at the revisit."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TellResultForm(DeskForm):
    how = forms.ChoiceField(label=_("told by way of"), choices=Complaint.ToldBy.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=200)


class TransferOwnerForm(DeskForm):
    to = forms.ModelChoiceField(label=_("new owner"), queryset=None)
    reason = forms.CharField(label=_("reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .services.procedure import owner_candidates

        self.fields["to"].queryset = owner_candidates()
        self.fields["to"].label_from_instance = lambda u: display_name(u)


class DispatchForm(DeskForm):
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.filter(is_active=True)
    )
    instructions = forms.CharField(
        label=_("instructions to the department"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or scans at once; each is checked by the intake service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/*,video/*,application/pdf", "multiple": True}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class IntakeForm(DeskForm):
    """The front desk's complaint form: made for typing while on the phone."""

    resident = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("contact name"), max_length=50)
    contact_phone = PhoneNumberField(label=_("contact phone"), region="CN")
    room = forms.CharField(
        label=_("room"), required=False, max_length=30, help_text=_("e.g. 3-2-1201")
    )
    is_anonymous = forms.BooleanField(label=_("anonymous"), required=False)
    is_urgent = forms.BooleanField(
        label=_("urgent"),
        required=False,
        help_text=_("Lift entrapment, flooding, fire, security: dispatched at once, day or night."),
    )
    channel = forms.ChoiceField(label=_("channel"), choices=Complaint.Channel.choices)
    forwarded_by = forms.ChoiceField(
        label=_("forwarded by"),
        required=False,
        choices=[("", "—"), *Complaint.Forwarder.choices],
        help_text=_("Only for the channel “forwarded from an upper level”."),
    )
    reached_government = forms.BooleanField(
        label=_("reached a government body"),
        required=False,
        help_text=_(
            "The resident also took it to a government body (12345 hotline, street office…)."
        ),
    )
    category = CategoryChoiceField(label=_("category"), required=False)
    description = forms.CharField(
        label=_("what happened"), widget=forms.Textarea(attrs={"rows": 3})
    )
    demand = forms.CharField(
        label=_("what the resident asks for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    location = forms.CharField(label=_("where"), required=False, max_length=200)
    complained_about = forms.CharField(
        label=_("person or department complained about"), required=False, max_length=100
    )
    occurred_at = forms.DateTimeField(
        label=_("happened at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    requested_deadline = forms.DateTimeField(
        label=_("deadline asked by the resident"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    economic_loss = forms.DecimalField(
        label=_("economic loss (yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    group_lead = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    attachments = MultipleFileField(label=_("photos and letters"), required=False)
    # 登记并派工: only read when the desk registers and dispatches in one step.
    severity = forms.ChoiceField(
        label=_("class"), required=False, choices=Complaint.Severity.choices, initial="minor"
    )
    department = forms.ModelChoiceField(
        label=_("department"),
        required=False,
        queryset=Department.objects.filter(is_active=True),
        empty_label=_("the category's usual department"),
    )
    instructions = forms.CharField(
        label=_("instructions to the department"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    # One key per filled-in form: sending the same form twice registers one complaint.
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, dispatching: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        from residents.models import Resident

        self.dispatching = dispatching

        self.fields["resident"].queryset = Resident.objects.select_related(
            "unit__building__property"
        )
        self.fields["group_lead"].queryset = Complaint.objects.visible_to(user)

    def clean_room(self):
        from residents.models import Unit

        text = self.cleaned_data.get("room", "").strip()
        if not text:
            return None
        units = list(Unit.objects.matching_room(text).select_related("building__property")[:2])
        if not units:
            raise forms.ValidationError(
                _("No room “%(room)s” in the registry."), params={"room": text}
            )
        if len(units) > 1:
            raise forms.ValidationError(
                _("“%(room)s” exists in more than one place; write building-stairway-room."),
                params={"room": text},
            )
        return units[0]

    def clean_submission(self):
        key = self.cleaned_data.get("submission", "").strip().lower()
        return key if re.fullmatch(r"[0-9a-f]{32}", key) else ""

    def clean(self):
        data = super().clean()
        resident = data.get("resident")
        if resident is not None and not data.get("room"):
            data["room"] = resident.unit
        if resident is None and not data.get("room") and "room" not in self.errors:
            # The room typed into the look-up (building and room, not a lone number that may
            # be a phone's last digits), where nobody was picked, is the room.
            from residents.models import parse_room
            from residents.selectors import unit_for_room

            typed = str(self.data.get("q", ""))[:50].strip()
            if "building" in (parse_room(typed) or {}):
                data["room"] = unit_for_room(typed)
        if self.dispatching:
            if not data.get("category") and "category" not in self.errors:
                self.add_error("category", _("Choose the category before dispatching."))
            if not data.get("severity") and "severity" not in self.errors:
                self.add_error("severity", _("Choose the class before dispatching."))
            if data.get("category") and not data.get("department"):
                data["department"] = proposed_department(data["category"])
                if data["department"] is None:
                    self.add_error(
                        "department",
                        _("“%(category)s” has no usual department: choose one.")
                        % {"category": data["category"]},
                    )
        return data


class SearchForm(DeskForm):
    q = forms.CharField(label=_("search"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("state"), required=False, choices=[("", _("any state")), *Complaint.State.choices]
    )
    severity = forms.ChoiceField(
        label=_("class"),
        required=False,
        choices=[("", _("any class")), *Complaint.Severity.choices],
    )
    category = forms.ModelChoiceField(
        label=_("category"),
        required=False,
        queryset=Category.objects.filter(parent__isnull=True),
        empty_label=_("any category"),
    )
    department = forms.ModelChoiceField(
        label=_("department"),
        required=False,
        queryset=Department.objects.filter(is_active=True),
        empty_label=_("any department"),
    )
    received_from = forms.DateField(
        label=_("received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("overdue only"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end date is before the start date."))
        return data


class ExtensionRequestForm(DeskForm):
    new_due_at = forms.DateTimeField(
        label=_("new deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AgreedDeadlineForm(DeskForm):
    due_at = forms.DateTimeField(
        label=_("deadline agreed with the resident"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(
        label=_("how it was agreed"),
        max_length=200,
        help_text=_("e.g. by phone with the resident, who will be home on Saturday"),
    )


class RevisitBookingForm(DeskForm):
    at = forms.DateTimeField(
        label=_("revisit at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("note"), required=False, max_length=200)


class ExtensionDecisionForm(DeskForm):
    decision = forms.ChoiceField(
        label=_("decision"),
        widget=forms.RadioSelect,
        choices=[("approve", _("approve")), ("refuse", _("refuse"))],
    )
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
