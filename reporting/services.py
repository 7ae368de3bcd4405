"""Writes of the reporting app: corrective actions and the monthly report sent to management."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints import roles
from complaints.messages import facts as notification_facts
from complaints.models import NotificationEvent
from complaints.services import ServiceError
from residents.models import Property

from . import exports, periods, selectors, tables
from .models import VERIFY_PERMISSION, CorrectiveAction, MonthlyReportDispatch, ReportingSettings

logger = logging.getLogger(__name__)

# A sender that died while sending leaves its claim; after this long another run may retry.
SEND_LEASE = dt.timedelta(hours=1)
REPORT_ROLES = (roles.MANAGER, roles.GENERAL_MANAGER)


# --- corrective actions ------------------------------------------------------------------------
@transaction.atomic
def corrective_action_save(*, action: CorrectiveAction, by) -> CorrectiveAction:
    """Record a new corrective action or save changes to an open one."""
    if action.pk is None:
        if not by.has_perm("reporting.add_correctiveaction"):
            raise PermissionDenied(_("You may not record corrective actions."))
        action.created_by = by
        action.created_at = timezone.now()
    elif not by.has_perm("reporting.change_correctiveaction"):
        raise PermissionDenied(_("You may not change corrective actions."))
    action.full_clean()
    action.save()
    return action


LOSS_ACTION_DAYS = 7  # the manager's analysis meeting is held within a week


@transaction.atomic
def corrective_action_for_loss(*, complaint, by) -> CorrectiveAction | None:
    """A loss at or above the threshold (500 yuan: 以上 includes it) opens a corrective action
    for the manager the moment it is recorded, so the analysis the procedure asks for does
    not wait for the monthly report.  Nothing happens below the threshold, or if the
    complaint already has an action."""
    from complaints.models import ComplaintEvent
    from complaints.services.timeline import record_event
    from complaints.sla.notifications import notify, users_in_role

    config = ReportingSettings.current()
    loss = complaint.economic_loss
    if not config.open_action_for_loss:
        return None
    if loss is None or loss < config.economic_loss_threshold:
        return None
    if CorrectiveAction.objects.filter(complaints=complaint).exists():
        return None
    owner = (
        users_in_role(roles.MANAGER).order_by("pk").first()
        or users_in_role(roles.GENERAL_MANAGER).order_by("pk").first()
        or by
    )
    now = timezone.now()
    facts = {"loss": loss, "number": complaint.number, "threshold": config.economic_loss_threshold}
    action = CorrectiveAction(
        title=(_("Economic loss of %(loss)s yuan: %(number)s") % facts)[:200],
        cause_analysis=_(
            "To be analysed: the manager convenes the departments concerned to find the cause "
            "(a loss of %(threshold)s yuan or more)."
        )
        % facts,
        action=_("To be decided at the analysis and approved by management."),
        owner=owner,
        due_date=timezone.localdate(now) + dt.timedelta(days=LOSS_ACTION_DAYS),
        created_by=by,
        created_at=now,
    )
    action.full_clean()
    action.save()
    action.complaints.add(complaint)
    record_event(
        complaint,
        ComplaintEvent.Kind.LOSS,
        by=by,
        code="loss_action",
        params={"loss": str(loss), "owner": roles.display_name(owner)},
        at=now,
    )
    notify(
        [owner],
        complaint=complaint,
        event=NotificationEvent.OTHER,
        params=notification_facts(complaint, variant="loss", loss=str(loss)),
    )
    return action


@transaction.atomic
def corrective_action_verify(*, action: CorrectiveAction, by, note: str = "") -> CorrectiveAction:
    """Management checks that the action worked and closes it."""
    if not by.has_perm(VERIFY_PERMISSION):
        raise PermissionDenied(_("You may not verify corrective actions."))
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    if action.status == CorrectiveAction.Status.DONE:
        raise ServiceError(
            _("“%(action)s” was already verified on %(date)s.")
            % {
                "action": action,
                "date": timezone.localtime(action.verified_at).strftime("%Y-%m-%d"),
            }
        )
    note = (note or action.verification_note).strip()
    if not note:
        raise ServiceError(
            _("Write down how the effect of “%(action)s” was verified.") % {"action": action}
        )
    action.verification_note = note
    action.status = CorrectiveAction.Status.DONE
    action.verified_by = by
    action.verified_at = timezone.now()
    action.full_clean()
    action.save()
    return action


# --- the monthly report ------------------------------------------------------------------------
def monthly_report_xlsx(*, month: dt.date, estate: Property | None = None) -> tuple[str, bytes]:
    """The month's statistics of all complaints as an XLSX file: (file name, content)."""
    stats = selectors.monthly_statistics(month=month, estate=estate, viewer=None)  # company-wide
    return exports.filename(stats, "xlsx"), exports.xlsx_bytes(stats, tables.build_tables(stats))


def report_recipients() -> list[str]:
    """The e-mail addresses of the active managers and general managers."""
    User = get_user_model()
    emails = (
        User.objects.filter(is_active=True, groups__name__in=REPORT_ROLES)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )
    return list(emails)


def monthly_report_send(
    *, month: dt.date, estate: Property | None = None, now: dt.datetime | None = None
) -> MonthlyReportDispatch | None:
    """E-mail the month's report to management once; return the record, or ``None`` if it
    was already sent, is being sent by another worker, or nobody is there to receive it.

    Idempotent without holding a transaction open while mailing: the row of the month is
    claimed by a conditional UPDATE, ``sent_at`` is set once the mail is out, and a failed
    send gives the claim back so that the next run tries again.
    """
    now = now or timezone.now()
    month = periods.month_start(month)
    recipients = report_recipients()
    if not recipients:
        logger.warning("Monthly report %s not sent: no manager has an e-mail address.", month)
        return None
    dispatch, _created = MonthlyReportDispatch.objects.get_or_create(month=month, estate=estate)
    claimed = (
        MonthlyReportDispatch.objects.filter(pk=dispatch.pk, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - SEND_LEASE))
        .update(claimed_at=now)
    )
    if not claimed:
        return None
    try:
        with translation.override(settings.LANGUAGE_CODE):
            name, content = monthly_report_xlsx(month=month, estate=estate)
            where = estate.name if estate else _("all properties")
            subject = _("Monthly complaint statistics %(month)s — %(where)s") % {
                "month": periods.month_label(month),
                "where": where,
            }
            body = _(
                "The complaint statistics of %(month)s (%(where)s) are attached.\n\n"
                "The same figures, with the complaints behind each number, are in the "
                "administration under Reporting → Monthly statistics."
            ) % {"month": periods.month_label(month), "where": where}
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        message.attach(name, content, exports.XLSX_CONTENT_TYPE)
        message.send()
    except Exception:
        MonthlyReportDispatch.objects.filter(pk=dispatch.pk).update(claimed_at=None)
        raise
    MonthlyReportDispatch.objects.filter(pk=dispatch.pk).update(
        sent_at=timezone.now(), recipients=", ".join(recipients)
    )
    dispatch.refresh_from_db()
    return dispatch


def monthly_report_send_due(*, now: dt.datetime | None = None) -> MonthlyReportDispatch | None:
    """Level-triggered: from the configured day of the month on, send the previous month's
    report of all properties unless that was done already."""
    now = now or timezone.now()
    config = ReportingSettings.current()
    today = timezone.localdate(now)
    if not config.send_monthly_report or today.day < config.report_day:
        return None
    return monthly_report_send(month=periods.previous_month(today), now=now)
