"""What each notification says, rendered in the reader's language when it is read.

A notification is written with its ``event`` and ``params`` (plain JSON facts: the number,
the unit, what it is about, a deadline as an ISO datetime, a department's name…).  This
registry maps the event — and, where one event has several wordings, its ``variant`` — to a
translatable template; :func:`render` fills it in whatever language is active, showing
datetimes in the desk's time zone (Asia/Shanghai).  The stored ``message`` is the same text
in ``settings.LANGUAGE_CODE``, kept for rows written before events existed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Complaint, NotificationEvent

E = NotificationEvent


@dataclass(frozen=True)
class Template:
    text: str
    # The wording has no place for the unit: it is said right after the number.
    unit_after_number: bool = False


def _t(text, unit_after_number=True) -> Template:
    return Template(text, unit_after_number)


# Every wording keeps the msgid it had when the text was written at once, so the existing
# translations still apply.
TEMPLATES: dict[str, Template] = {
    E.WORK_ORDER: Template(
        _("New work order %(number)s%(unit)s: %(summary)s — resolve by %(due)s.")
    ),
    E.REWORK: Template(_("Rework %(number)s%(unit)s: %(summary)s — resolve by %(due)s.")),
    E.REDISPATCHED: Template(
        _("Work order %(number)s%(unit)s sent on to you: %(summary)s — resolve by %(due)s.")
    ),
    E.SIGNED: Template(_("%(department)s signed for %(number)s%(unit)s.")),
    E.RESOLVED: Template(
        _("%(number)s%(unit)s is resolved: tell the resident today; revisit due by %(due)s.")
    ),
    E.EXTENSION_REQUESTED: _t(_("%(number)s: extension to %(due)s asks for your approval.")),
    f"{E.EXTENSION_DECIDED}.approved": _t(_("%(number)s: your extension was approved.")),
    f"{E.EXTENSION_DECIDED}.refused": _t(_("%(number)s: your extension was refused.")),
    E.HANDED_UP: _t(_("%(number)s is handed to you: %(reason)s")),
    E.ARCHIVE_REVIEW: _t(_("%(number)s is ready for your review and archiving.")),
    E.ASSIGNED: _t(_("%(number)s: %(person)s asks you to follow up its escalation (%(clock)s).")),
    E.REPEAT: Template(_("%(number)s%(unit)s reported again: %(said)s")),
    f"{E.OTHER}.owner": _t(_("%(number)s is yours now: %(reason)s")),
    f"{E.OTHER}.loss": _t(_("%(number)s: an economic loss of %(loss)s yuan needs your analysis.")),
    # The sweep: one wording per clock.
    f"{E.ESCALATION}.dispatch": _t(
        _("%(number)s was not dispatched within the deadline (%(due)s).")
    ),
    f"{E.ESCALATION}.answer": _t(
        _("%(number)s has had no clear answer to the resident by %(due)s.")
    ),
    f"{E.ESCALATION}.resolve": _t(_("%(number)s is overdue since %(due)s (level %(level)d).")),
    f"{E.ESCALATION}.revisit": _t(_("%(number)s was resolved but not revisited by %(due)s.")),
    f"{E.ESCALATION}.notify": _t(_("%(severity)s complaint %(number)s: %(summary)s")),
    f"{E.ESCALATION}.month": _t(
        _("%(number)s is unresolved after %(days)d days and is now a major complaint.")
    ),
    f"{E.REMINDER}.reminder": _t(_("Reminder: %(number)s is due %(due)s.")),
    f"{E.REMINDER}.progress": _t(_("%(number)s: today's progress report is missing.")),
    f"{E.REMINDER}.tell": _t(
        _("%(number)s was resolved today: tell the resident the result and record it.")
    ),
}
TOLD_LATE = _("(told late: due by %(due)s)")

# Facts stored as ISO datetimes, shown as local times.
DATETIME_FACTS = ("due",)


def key_of(event: str, params: dict) -> str:
    variant = (params or {}).get("variant")
    return f"{event}.{variant}" if variant else str(event)


def iso(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""


def local_time(value) -> str:
    """An ISO datetime (or a datetime) as the desk reads it: ``11-04 09:00``, Shanghai time."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return "—"
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def facts(complaint: Complaint | None, **extra) -> dict:
    """The facts every message may name, and the ones given (datetimes as ISO text)."""
    params: dict = {}
    if complaint is not None:
        params = {
            "complaint": complaint.pk,
            "number": complaint.number,
            "unit": complaint.unit.label if complaint.unit_id else "",
            "summary": complaint.summary,
        }
    for name, value in extra.items():
        params[name] = iso(value) if isinstance(value, dt.datetime) else value
    return params


def _values(params: dict, template: Template) -> dict:
    values = dict(params)
    unit = values.get("unit") or ""
    if template.unit_after_number:
        values["number"] = f"{values.get('number', '')} {unit}".strip()
    values["unit"] = f" {unit}" if unit else ""
    for name in DATETIME_FACTS:
        if name in values:
            values[name] = local_time(values[name])
    if "clock" in values:
        from .models import Escalation

        try:
            values["clock"] = Escalation.Clock(values["clock"]).label
        except ValueError:
            pass
    if "severity" in values:
        try:
            values["severity"] = Complaint.Severity(values["severity"]).label
        except ValueError:
            pass
    return values


def render(event: str, params: dict | None, *, fallback: str = "") -> str:
    """The message in the active language; ``fallback`` for an event this registry does not
    know (old rows) or facts that do not fit its wording."""
    params = params or {}
    template = TEMPLATES.get(key_of(event, params))
    if template is None:
        return fallback
    try:
        values = _values(params, template)
        text = str(template.text) % values
        if params.get("late"):
            text += " " + str(TOLD_LATE) % values
    except (KeyError, TypeError, ValueError):
        return fallback
    return text


def render_in(language: str, event: str, params: dict | None, *, fallback: str = "") -> str:
    with translation.override(language):
        return render(event, params, fallback=fallback)


def render_stored(event: str, params: dict | None) -> str:
    """The text kept in ``message``: the site's language, for old readers and the admin."""
    return render_in(settings.LANGUAGE_CODE, event, params)


def event_label(event: str) -> str:
    try:
        return str(E(event).label)
    except ValueError:
        return str(E.OTHER.label)


def complaint_url(complaint_id) -> str:
    """The absolute address of a complaint's page, for messages read outside the site."""
    if not complaint_id:
        return ""
    base = getattr(settings, "SITE_URL", "") or "http://localhost:8000"
    return base.rstrip("/") + reverse("complaint-detail", args=[complaint_id])


def fact_lines(params: dict) -> list[tuple[str, str]]:
    """The facts as (label, value) lines for an e-mail body, in the active language."""
    lines = []
    for name, label in (
        ("number", gettext("Number")),
        ("unit", gettext("Unit")),
        ("summary", gettext("Summary")),
        ("department", gettext("Department")),
        ("due", gettext("Deadline")),
        ("reason", gettext("Reason")),
    ):
        value = params.get(name)
        if value:
            lines.append((label, local_time(value) if name in DATETIME_FACTS else str(value)))
    return lines
