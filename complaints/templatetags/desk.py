"""Small presentation helpers shared by the desk templates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

STATE_TONES = {
    "received": "primary",
    "confirmed": "info",
    "investigated": "warning",
    "resolved": "success",
    "revisited": "success",
    "closed": "secondary",
}
SEVERITY_TONES = {"minor": "secondary", "important": "warning", "major": "danger"}


@register.simple_tag
def state_badge(complaint):
    tone = STATE_TONES.get(complaint.state, "secondary")
    return format_html(
        '<span class="badge text-bg-{} state-badge">{}</span>', tone, complaint.get_state_display()
    )


@register.simple_tag
def severity_badge(complaint):
    if not complaint.severity:
        return ""
    return format_html(
        '<span class="badge text-bg-{}">{}</span>',
        SEVERITY_TONES.get(complaint.severity, "secondary"),
        complaint.get_severity_display(),
    )


def _span(delta: dt.timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes % 60}
    return _("%(d)d days") % {"d": hours // 24}


@register.simple_tag
def due_badge(due_at, now=None, done_at=None):
    """“overdue 3 h” in red, “due in 40 min” in amber within 24 h, else the local time."""
    if not due_at:
        return ""
    if done_at:
        late = done_at > due_at
        return format_html(
            '<span class="{}">{}</span>',
            "overdue" if late else "text-muted",
            _("late") if late else _("on time"),
        )
    now = now or timezone.now()
    delta = due_at - now
    if delta.total_seconds() < 0:
        return format_html(
            '<span class="overdue" title="{}">{}</span>',
            timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"),
            _("overdue %(span)s") % {"span": _span(delta)},
        )
    if delta < dt.timedelta(hours=24):
        return format_html(
            '<span class="due-soon" title="{}">{}</span>',
            timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"),
            _("due in %(span)s") % {"span": _span(delta)},
        )
    return format_html(
        '<span class="text-muted">{}</span>', timezone.localtime(due_at).strftime("%m-%d %H:%M")
    )


@register.filter
def shown_relative(due_at, now):
    """Whether :func:`due_badge` shows ``due_at`` as "overdue …" / "due in …" (then the page
    adds the time itself; otherwise the badge already is the time)."""
    if not due_at:
        return False
    return due_at - (now or timezone.now()) < dt.timedelta(hours=24)


@register.filter
def masked(phone):
    from residents.models import mask_phone

    return mask_phone(phone)


@register.filter
def person(user):
    """``{{ user|person }}`` → 王丽 (family name first), or the username."""
    from complaints.roles import display_name

    return display_name(user)
