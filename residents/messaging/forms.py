"""The resident's rating form: the four points of the revisit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Revisit

MAX_TEXT = 1000


class RatingForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the handling?"),
        choices=Revisit.Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("What do you think of how it was handled?"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    prevention = forms.CharField(
        label=_("What would keep it from happening again?"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    suggestions = forms.CharField(
        label=_("Any suggestions for our service?"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        unsatisfied = data.get("satisfaction") == Revisit.Satisfaction.UNSATISFIED
        if unsatisfied and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Please tell us what you are unhappy about."))
        return data
