"""The actions a person can take on a complaint, each a form plus the service it calls.

Shared by the desk pages and the admin's transition buttons, so both run the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import forms, services
from . import permissions as perms
from .models import Complaint


@dataclass(frozen=True)
class Action:
    name: str
    label: Any
    form: type
    run: Callable[[Complaint, Any, dict], Any]
    style: str = "primary"
    # For an action that is not a transition of the workflow: whether it is offered now.
    offered: Callable[[Complaint, Any], bool] | None = None


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
            "outline-danger",
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
            _("Review and archive"),
            forms.SummaryForm,
            lambda c, by, d: services.complaint_close(complaint=c, by=by, **d),
            "secondary",
        ),
        Action(
            "propose_archive",
            _("Propose archiving"),
            forms.ProposalForm,
            lambda c, by, d: services.complaint_propose_archive(complaint=c, by=by, **d),
            "secondary",
            offered=lambda c, u: (
                c.state == Complaint.State.REVISITED
                and not c.archive_proposed_at
                and perms.can_propose_archive(u, c)
                and not perms.can_archive(u, c)
            ),
        ),
        Action(
            "tell_result",
            _("Resident told the result"),
            forms.TellResultForm,
            lambda c, by, d: services.complaint_tell_result(complaint=c, by=by, **d),
            "success",
            offered=lambda c, u: (
                c.is_open
                and c.resolved_at is not None
                and c.result_told_at is None
                and perms.can_tell_result(u, c)
            ),
        ),
        Action(
            "reject_plan",
            _("Resident rejects the plan"),
            forms.ReasonForm,
            lambda c, by, d: services.complaint_reject_plan(complaint=c, by=by, **d),
            "outline-danger",
            offered=lambda c, u: (
                c.state == Complaint.State.INVESTIGATED and perms.can_follow_up(u, c)
            ),
        ),
        Action(
            "refuse_final_answer",
            _("Resident refuses the final answer"),
            forms.ReasonForm,
            lambda c, by, d: services.complaint_refuse_final_answer(complaint=c, by=by, **d),
            "outline-danger",
            offered=lambda c, u: (
                c.is_open
                and bool(c.severity)
                and not c.is_special
                and c.state != Complaint.State.RECEIVED
                and perms.can_reclassify(u, c)
            ),
        ),
        Action(
            "transfer_owner",
            _("Hand on to a colleague"),
            forms.TransferOwnerForm,
            lambda c, by, d: services.complaint_transfer_owner(complaint=c, by=by, **d),
            "outline-secondary",
            offered=lambda c, u: c.is_open and perms.can_transfer_owner(u, c),
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
    """The actions the user may take now: the workflow's transitions that leave the current
    state and that the user's permission allows, then the procedure's other actions that are
    offered.  Conditions are left to the service, which explains what is missing; a revisit
    is one action whatever the outcome.
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
    result += [a for a in ACTIONS.values() if a.offered is not None and a.offered(complaint, user)]
    # Closing as invalid is a side door once a complaint is dispatched: after the main actions.
    if complaint.validity != Complaint.Validity.INVALID:
        result.sort(key=lambda a: a.name == "close_invalid")
    return result
