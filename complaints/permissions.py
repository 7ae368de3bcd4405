"""Who may do what to a complaint: one function per action, and nowhere else.

Services check these before they write; views and templates ask them to decide what to show;
the workflow's transitions and the admin use them too.  Each answers from Django permissions
(given to roles by the table in :mod:`complaints.roles`) and, for department heads, from the
department holding the complaint's active work order.  Whether the *complaint* is ready for
an action (its state, what is filled in) is the workflow's business, not this module's.

Nothing here touches the database beyond what the objects passed in already hold (the
user's permissions, the complaint's active work order), so a page can ask freely.
"""

from __future__ import annotations

from collections.abc import Callable


def department_of(user) -> int | None:
    profile = getattr(user, "staff_profile", None)
    return getattr(profile, "department_id", None)


# --- receiving and classifying -----------------------------------------------------------------
def can_register(user) -> bool:
    return user.has_perm("complaints.add_complaint")


def can_confirm(user, complaint=None) -> bool:
    """Classify, confirm, dispatch, re-dispatch and change the class: the desk's decisions."""
    return user.has_perm("complaints.confirm_complaint")


can_dispatch = can_confirm
can_reclassify = can_confirm


# --- handling -------------------------------------------------------------------------------
def can_handle(user, complaint) -> bool:
    """Record the investigation and resolve: the head of the department holding the active
    work order, or anyone who may handle any department's."""
    if user.has_perm("complaints.handle_any_work_order"):
        return True
    if not user.has_perm("complaints.handle_work_order"):
        return False
    order = complaint.active_work_order
    dept = department_of(user)
    return bool(order is not None and dept is not None and dept == order.department_id)


def can_sign(user, work_order) -> bool:
    """Sign for a work order (签收): its own department's head, or anyone handling any."""
    if user.has_perm("complaints.handle_any_work_order"):
        return True
    dept = department_of(user)
    return bool(
        user.has_perm("complaints.handle_work_order")
        and dept is not None
        and dept == work_order.department_id
    )


def can_follow_up(user, complaint) -> bool:
    """Report progress, ask for more time, agree a deadline with the resident: the handler
    or the desk (谁受理、谁跟进)."""
    return can_handle(user, complaint) or can_confirm(user, complaint)


can_report_progress = can_follow_up
can_request_extension = can_follow_up
can_agree_deadline = can_follow_up


def can_attach(user, complaint=None) -> bool:
    return user.has_perm("complaints.add_attachment")


# --- after the work -------------------------------------------------------------------------
def can_revisit(user, complaint=None) -> bool:
    return user.has_perm("complaints.revisit_complaint")


can_book_revisit = can_revisit


def can_reveal_phone(user, complaint=None) -> bool:
    """See a resident's full number: only those who call residents (the revisit)."""
    return can_revisit(user, complaint)


def can_export(user) -> bool:
    """Take a list of complaints, work orders or residents away as a spreadsheet (the pages'
    exports and the admin's): a supervisor and above, whatever the phones' masking."""
    return user.has_perm("complaints.export_personal_data")


def can_close(user, complaint=None) -> bool:
    """Take part in archiving: the desk proposes it (or closes, where the desk policy lets
    the desk archive), a supervisor or higher reviews and closes (see :func:`can_archive`)."""
    return user.has_perm("complaints.close_complaint")


can_propose_archive = can_close


def can_archive(user, complaint=None) -> bool:
    """Review and close (审核归档): a supervisor or higher; the desk too where the desk policy
    says the desk archives (small companies)."""
    if user.has_perm("complaints.archive_complaint"):
        return True
    if not can_close(user, complaint):
        return False
    from .models import DeskPolicy

    return DeskPolicy.current().desk_may_archive


def can_tell_result(user, complaint) -> bool:
    """Tell the resident the result (谁受理、谁回复): the owner, or anyone at the desk."""
    return bool(
        (complaint.owner_id and complaint.owner_id == user.pk) or can_confirm(user, complaint)
    )


def can_transfer_owner(user, complaint) -> bool:
    """Hand the complaint's ownership to a colleague: its owner, or a supervisor or higher."""
    return bool(
        (complaint.owner_id and complaint.owner_id == user.pk)
        or user.has_perm("complaints.archive_complaint")
    )


def can_reopen(user, complaint=None) -> bool:
    return user.has_perm("complaints.reopen_complaint")


# --- deadline extensions --------------------------------------------------------------------
# The policy names the role that approves a class's extensions; each such role has its own
# permission, and the roles above it hold it too (complaints.roles).
APPROVER_PERMISSIONS = {
    "supervisor": "complaints.decide_supervisor_extensions",
    "manager": "complaints.decide_manager_extensions",
    "general_manager": "complaints.decide_general_manager_extensions",
}


def can_decide_extension(user, extension, *, approver: str | None = None) -> bool:
    """Approve or refuse ``extension``: the role its class's policy names, or one above."""
    if approver is None:
        from .models import SlaPolicy

        policy = SlaPolicy.objects.filter(severity=extension.complaint.severity).first()
        approver = getattr(policy, "extension_approver", "")
    permission = APPROVER_PERMISSIONS.get(approver or "")
    return bool(permission and user.has_perm(permission))


def can_decide_extensions(user) -> bool:
    """Whether the user decides extensions of any class (the desk's extension queue)."""
    return any(user.has_perm(p) for p in APPROVER_PERMISSIONS.values())


# --- escalations ------------------------------------------------------------------------------
def _is_management(user) -> bool:
    """A manager, the general manager or an administrator: they may act on any escalation."""
    return user.is_superuser or user.has_perm("complaints.handle_any_work_order")


def _in_role(user, role: str) -> bool:
    # Escalations are raised to a role (the sweep finds its members by group), so whether
    # one is addressed to a user is a question of group, as in complaints.roles.
    return any(g.name == role for g in user.groups.all())


def can_acknowledge_escalation(user, escalation) -> bool:
    """Acknowledge an escalation (已知悉): a member of the role it was raised to (a department
    head only for the department holding the work), or management."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if _is_management(user):
        return True
    if not _in_role(user, escalation.role):
        return False
    from .roles import DEPARTMENT_HEAD

    if escalation.role == DEPARTMENT_HEAD:
        return can_handle(user, escalation.complaint)
    return True


can_assign_escalation = can_acknowledge_escalation


def can_follow_up_escalation(user, escalation) -> bool:
    """Be the one an escalation is assigned to: an active person who may follow the complaint
    up (its handler or the desk), management, or the role it was raised to."""
    if not user.is_active:
        return False
    return can_follow_up(user, escalation.complaint) or can_acknowledge_escalation(user, escalation)


# --- the workflow's transitions -----------------------------------------------------------------
def for_transition(check: Callable) -> Callable:
    """Adapt ``check(user, complaint)`` to django-fsm-2, which calls ``permission(instance,
    user)``."""

    def permission(complaint, user) -> bool:
        return check(user, complaint)

    permission.__name__ = check.__name__
    permission.__doc__ = check.__doc__
    return permission
