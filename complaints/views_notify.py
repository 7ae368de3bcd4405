"""The user's own notification settings: which events reach them by which channel, and
whether quiet hours hold the non-urgent ones until the day shift."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import preferences as prefs
from .models import NotificationEvent


class PreferenceForm(forms.Form):
    """One set of channel boxes per event, and the quiet-hours switch."""

    quiet_hours = forms.BooleanField(
        label=gettext_lazy("Quiet hours"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy(
            "Outside office hours, non-urgent messages appear in the app at once and go by "
            "e-mail or to the group when the day shift starts. Urgent complaints are never held."
        ),
    )

    def __init__(self, *args, pref=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(c.value, c.label) for c in prefs.CHANNELS]
        for event in prefs.EVENTS:
            self.fields[f"ch_{event}"] = forms.MultipleChoiceField(
                label=NotificationEvent(event).label,
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                initial=prefs.channels_for(pref, event),
            )
        self.fields["quiet_hours"].initial = prefs.quiet_hours_on(pref)

    def event_fields(self):
        return [self[f"ch_{event}"] for event in prefs.EVENTS]

    def channels(self) -> dict[str, list[str]]:
        return {event: self.cleaned_data[f"ch_{event}"] for event in prefs.EVENTS}


@login_required
def notification_preferences(request):
    pref = prefs.preference_of(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST, pref=pref)
        if form.is_valid():
            prefs.preference_save(
                user=request.user,
                channels=form.channels(),
                quiet_hours=form.cleaned_data["quiet_hours"],
            )
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notification-preferences")
        messages.error(request, _("Please correct the errors below."))
    else:
        form = PreferenceForm(pref=pref)
    return render(
        request,
        "complaints/notification_preferences.html",
        {"form": form, "channels": prefs.CHANNELS},
    )
