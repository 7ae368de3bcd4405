"""Corrective actions: the summary, the list of major and important complaints, the
complaints lacking an action and the actions still open."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..selectors import Statistics
from .base import (
    COUNT,
    DATE,
    DATETIME,
    MONEY,
    TEXT,
    Cell,
    Column,
    Drill,
    Row,
    Table,
    admin_url,
    complaint_url,
    rows_of,
)


def corrective_summary_table(stats: Statistics) -> Table:
    c = stats.counts
    drill = Drill(stats, stats.start, stats.end)
    threshold = number_format(stats.threshold, 2, force_grouping=True)
    serious = {"severity__in": "important,major"}
    loss = {"economic_loss__gte": str(stats.threshold)}
    table = Table(
        "corrective",
        _("Corrective actions"),
        _("figure"),
        [Column("count", _("count"))],
        note=_(
            "Major and important complaints, and complaints with an economic loss of "
            "%(threshold)s yuan or more, each need a corrective action; invalid complaints do not."
        )
        % {"threshold": threshold},
    )
    table.add(
        "serious",
        _("major and important complaints"),
        css="heading",
        count=Cell(c["serious"], COUNT, drill(figure="not_invalid", **serious)),
    )
    table.add(
        "serious_missing",
        _("of which without a corrective action"),
        css="sub",
        count=Cell(c["serious_missing"], COUNT, drill(figure="no_corrective_action", **serious)),
    )
    table.add(
        "loss_above",
        _("complaints with an economic loss of %(threshold)s yuan or more")
        % {"threshold": threshold},
        css="heading",
        count=Cell(c["loss_above"], COUNT, drill(figure="not_invalid", **loss)),
    )
    table.add(
        "loss_missing",
        _("of which without a corrective action"),
        css="sub",
        count=Cell(c["loss_missing"], COUNT, drill(figure="no_corrective_action", **loss)),
    )
    table.add(
        "loss_total",
        _("economic loss reported in this period (yuan)"),
        count=Cell(c["loss_total"], MONEY),
    )
    actions_url = admin_url("admin:reporting_correctiveaction_changelist")
    open_query = {"status__exact": "open"}
    if stats.estate is not None:
        open_query["complaints__estate__id__exact"] = str(stats.estate.pk)
    overdue_query = {
        **open_query,
        "due_date__lt": timezone.localdate(stats.generated_at).isoformat(),
    }
    table.add(
        "open_actions",
        _("corrective actions still open (now)"),
        css="heading",
        count=Cell(
            len(stats.open_actions),
            COUNT,
            url=actions_url and f"{actions_url}?{urlencode(open_query)}",
        ),
    )
    table.add(
        "open_actions_overdue",
        _("of which past their date"),
        css="sub",
        count=Cell(
            stats.open_actions_overdue,
            COUNT,
            url=actions_url and f"{actions_url}?{urlencode(overdue_query)}",
        ),
    )
    return table


def _cut_note(stats: Statistics, listed) -> str:
    """Said under a list the page cut short (the export lists every complaint)."""
    if stats.list_limit is None or len(listed) < stats.list_limit:
        return ""
    return _(
        "Only the first %(count)d are listed here; the counts above lead to all of them, "
        "and the export lists all of them."
    ) % {"count": stats.list_limit}


def serious_list_table(stats: Statistics) -> Table:
    table = Table(
        "serious_list",
        _("Major and important complaints"),
        _("number"),
        [
            Column("received_at", _("received at"), DATETIME),
            Column("severity", _("class"), TEXT),
            Column("category", _("category"), TEXT),
            Column("department", _("responsible department"), TEXT),
            Column("state", _("state"), TEXT),
            Column("summary", _("what happened"), TEXT),
            Column("validity", _("validity"), TEXT),
            Column("loss", _("economic loss (yuan)"), MONEY),
            Column("action", _("corrective action"), TEXT),
        ],
        wide=True,
    )
    recorded, missing = _("recorded"), _("missing")

    def row(c) -> Row:
        return Row(
            c.number,
            c.number,
            {
                "received_at": Cell(c.received_at, DATETIME),
                "severity": Cell(c.get_severity_display(), TEXT),
                "category": Cell(str(c.category) if c.category_id else "", TEXT),
                "department": Cell(str(c.department) if c.department_id else "", TEXT),
                "state": Cell(c.get_state_display(), TEXT),
                "summary": Cell(c.summary, TEXT),
                "validity": Cell(c.get_validity_display(), TEXT),
                "loss": Cell(c.economic_loss, MONEY),
                "action": Cell(recorded if c.has_action else missing, TEXT),
            },
            link=complaint_url(c),
        )

    table.note = _cut_note(stats, stats.serious)
    table.rows = rows_of(stats.serious, row)
    return table


def missing_actions_table(stats: Statistics) -> Table:
    add_url = admin_url("admin:reporting_correctiveaction_add")
    table = Table(
        "missing_actions",
        _("Complaints lacking an action"),
        _("number"),
        [
            Column("received_at", _("received at"), DATETIME),
            Column("severity", _("class"), TEXT),
            Column("loss", _("economic loss (yuan)"), MONEY),
            Column("reason", _("needed because"), TEXT),
            Column("record", _("record one"), TEXT),
        ],
        wide=True,
    )
    threshold = stats.threshold
    loss_reason = _("loss of %(threshold)s yuan or more") % {
        "threshold": number_format(threshold, 2, force_grouping=True)
    }
    record = _("record a corrective action")

    def row(c) -> Row:
        reasons = []
        if c.severity in ("important", "major"):
            reasons.append(c.get_severity_display())
        if c.economic_loss is not None and c.economic_loss >= threshold:
            reasons.append(loss_reason)
        return Row(
            c.number,
            c.number,
            {
                "received_at": Cell(c.received_at, DATETIME),
                "severity": Cell(c.get_severity_display(), TEXT),
                "loss": Cell(c.economic_loss, MONEY),
                "reason": Cell("; ".join(str(r) for r in reasons), TEXT),
                "record": Cell(record, TEXT, url=add_url and f"{add_url}?complaints={c.pk}"),
            },
            link=complaint_url(c),
        )

    table.note = _cut_note(stats, stats.missing_actions)
    table.rows = rows_of(stats.missing_actions, row)
    return table


def open_actions_table(stats: Statistics) -> Table:
    table = Table(
        "open_actions",
        _("Open corrective actions"),
        _("non-conformity"),
        [
            Column("owner", _("person responsible"), TEXT),
            Column("due_date", _("to be done by"), DATE),
            Column("complaints", _("related complaints"), TEXT),
            Column("overdue", _("past its date"), TEXT),
        ],
        wide=True,
    )
    for action in stats.open_actions:
        owner = action.owner.get_full_name() or action.owner.get_username()
        table.add(
            f"a{action.pk}",
            action.title,
            link=admin_url("admin:reporting_correctiveaction_change", action.pk),
            owner=Cell(owner, TEXT),
            due_date=Cell(action.due_date, DATE),
            complaints=Cell(", ".join(c.number for c in action.complaints.all()), TEXT),
            overdue=Cell(_("yes") if action.is_overdue_on(stats.day) else _("no"), TEXT),
        )
    return table
