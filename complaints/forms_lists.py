"""Input of the list pages: the escalations page's filters, assigning an escalation, naming a
saved view.  Filters are read from the query string; a value that does not validate is
dropped (the rest still apply), so no link, however edited, breaks a page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .forms import DeskForm
from .models import Department, Escalation, SavedView
from .roles import display_name, role_of

YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]


class EscalationFilterForm(DeskForm):
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any level")),
            ("1", _("Level 1 · supervisor")),
            ("2", _("Level 2 · manager")),
            ("3", _("Level 3 · general manager")),
        ],
    )
    clock = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[
            ("", _("Any deadline")),
            *[(v, lbl) for v, lbl in Escalation.Clock.choices if v != Escalation.Clock.REMINDER],
        ],
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.filter(is_active=True),
        empty_label=_("Any department"),
    )
    acknowledged = forms.ChoiceField(label=_("Acknowledged"), required=False, choices=YES_NO)
    overdue = forms.ChoiceField(
        label=_("Still late"),
        required=False,
        choices=[("", _("Either")), ("yes", _("Yes"))],
    )

    def values(self) -> dict:
        """The filters that validated (an invalid one is left out, never a failure)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        ack = data.get("acknowledged")
        department = data.get("department")
        return {
            "level": data.get("level"),
            "clock": data.get("clock") or "",
            "department": department.pk if department else None,
            "acknowledged": {"yes": True, "no": False}.get(ack or ""),
            "overdue": data.get("overdue") == "yes",
        }


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, user):
        from .roles import LABELS

        role = role_of(user)
        profile = getattr(user, "staff_profile", None)
        department = getattr(profile, "department", None)
        parts = [display_name(user), str(LABELS[role]) if role else ""]
        if department is not None:
            parts.append(str(department))
        return " · ".join(p for p in parts if p)


class EscalationAssignForm(DeskForm):
    to = _PersonChoice(label=_("Assign to"), queryset=get_user_model().objects.none())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["to"].queryset = people


class SavedViewForm(DeskForm):
    scope = forms.ChoiceField(choices=SavedView.Scope.choices, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name of this view"), max_length=200)
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
