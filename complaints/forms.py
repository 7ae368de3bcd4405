"""Input validation for the desk pages and the admin's transition buttons."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Complaint, Department, Revisit


class ConfirmForm(forms.Form):
    severity = forms.ChoiceField(label=_("class"), choices=Complaint.Severity.choices)
    category = forms.ModelChoiceField(
        label=_("category"), queryset=Category.objects.filter(is_active=True)
    )
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
            self.add_error("department", _("Choose the department that will handle it."))
        return data


class ExplanationForm(forms.Form):
    explanation = forms.CharField(
        label=_("explanation to the resident"), widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanForm(forms.Form):
    plan = forms.CharField(
        label=_("investigation and plan"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ResultForm(forms.Form):
    result = forms.CharField(label=_("result"), widget=forms.Textarea(attrs={"rows": 3}))


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("progress"), widget=forms.Textarea(attrs={"rows": 2}))


class RevisitForm(forms.Form):
    method = forms.ChoiceField(label=_("method"), choices=Revisit.Method.choices)
    satisfaction = forms.ChoiceField(
        label=_("satisfaction"), choices=Revisit.Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("resident's words"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("satisfaction") == Revisit.Satisfaction.UNSATISFIED
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", _("Write down what the resident is unhappy about."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("summary for the archive"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.filter(is_active=True)
    )
    instructions = forms.CharField(
        label=_("instructions to the department"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
