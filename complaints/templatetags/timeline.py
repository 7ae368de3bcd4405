"""``{{ event|event_text }}``: a timeline row in the reader's language (see
:mod:`complaints.timeline_text`)."""

from __future__ import annotations

from django import template

from ..timeline_text import event_text as _event_text

register = template.Library()


@register.filter
def event_text(event) -> str:
    return _event_text(event)
