"""The actions a person can take on a complaint, each a form plus the service it calls.

Shared by the desk pages and the admin's transition buttons, so both run the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import forms, services
from .models import Complaint


@dataclass(frozen=True)
class Action:
    name: str
    label: Any
    form: type
    run: Callable[[Complaint, Any, dict], Any]
    style: str = "primary"


def _revisit(c, by, d):
    return services.complaint_revisit(complaint=c, by=by, **d)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "confirm",
            _("Confirm and dispatch"),
            forms.ConfirmForm,
            lambda c, by, d: services.complaint_confirm(complaint=c, by=by, **d),
        ),
        Action(
            "close_invalid",
            _("Close as invalid"),
            forms.ExplanationForm,
            lambda c, by, d: services.complaint_close_invalid(complaint=c, by=by, **d),
            "secondary",
        ),
        Action(
            "investigate",
            _("Record investigation"),
            forms.PlanForm,
            lambda c, by, d: services.complaint_investigate(complaint=c, by=by, **d),
        ),
        Action(
            "resolve",
            _("Resolve"),
            forms.ResultForm,
            lambda c, by, d: services.complaint_resolve(complaint=c, by=by, **d),
            "success",
        ),
        Action("revisit_satisfied", _("Record revisit"), forms.RevisitForm, _revisit),
        Action("revisit_unsatisfied", _("Record revisit"), forms.RevisitForm, _revisit),
        Action(
            "close",
            _("Close"),
            forms.SummaryForm,
            lambda c, by, d: services.complaint_close(complaint=c, by=by, **d),
            "secondary",
        ),
        Action(
            "reopen",
            _("Reopen"),
            forms.ReasonForm,
            lambda c, by, d: services.complaint_reopen(complaint=c, by=by, **d),
            "warning",
        ),
    ]
}


def available_actions(complaint: Complaint, user) -> list[Action]:
    """Actions whose transition leaves the current state and that the user may take.

    Conditions are left to the service, which explains what is missing; a revisit is one
    action whatever the outcome.
    """
    seen, result = set(), []
    for transition in complaint.get_all_state_transitions():
        if transition.source != complaint.state or transition.name not in ACTIONS:
            continue
        if not transition.has_perm(complaint, user):
            continue
        action = ACTIONS[transition.name]
        key = action.form
        if key in seen:
            continue
        seen.add(key)
        result.append(action)
    return result
