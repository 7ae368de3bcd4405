"""The time left on a deadline, always as a span (“还剩 5 小时 3 分” / “已超时 2 天”).

The work-order cards show this where a department head looks first; computed on the server
from the ``now`` the view passes (so a frozen clock in tests freezes it too)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .desk import _span

register = template.Library()


@register.simple_tag
def countdown(due_at, now=None):
    if not due_at:
        return "—"
    now = now or timezone.now()
    delta = due_at - now
    local = timezone.localtime(due_at)
    if delta.total_seconds() < 0:
        tone, text = "overdue", _("overdue %(span)s") % {"span": _span(delta)}
    else:
        tone = "due-soon" if delta < dt.timedelta(hours=24) else "text-muted"
        text = _("due in %(span)s") % {"span": _span(delta)}
    return format_html(
        '<time class="{}" datetime="{}" title="{}">{}</time>',
        tone,
        local.isoformat(),
        local.strftime("%Y-%m-%d %H:%M"),
        text,
    )
