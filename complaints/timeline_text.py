"""The sentences the system writes on a complaint's timeline, in the reader's language.

A service records what happened as a code and its facts (``ComplaintEvent.code`` and
``params``); the words are chosen only when a page, the printed form or the admin shows the
row, so a head reading in English and a desk clerk reading in Chinese each see their own
language.  ``ComplaintEvent.note`` keeps only what a person typed (a reason, instructions,
a plan); each sentence says where that text goes.

The facts are stored free of any language: choice values (``"major"``), role keys, ISO
times, and names of departments and people as they were at the time.  Rows written before
the codes existed have only a note, and are shown as they were written.

One function per code, registered in :data:`MESSAGES`.  Add a code here first, then record
it from the service with :func:`complaints.services.timeline.record_event`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

Render = Callable[[dict, str], str]
MESSAGES: dict[str, Render] = {}


def message(code: str) -> Callable[[Render], Render]:
    def register(func: Render) -> Render:
        MESSAGES[code] = func
        return func

    return register


# --- facts: stored language-free, shown in the reader's language -------------------------------
def moment(value: dt.datetime | None) -> str:
    """A time as a fact: ISO 8601 (the reader's time zone is applied when shown)."""
    return value.isoformat() if value else ""


def _when(value) -> str:
    if not value:
        return ""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return timezone.localtime(parsed).strftime("%m-%d %H:%M")


def _label(choices, value) -> str:
    if not value:
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _then(sentence: str, note: str) -> str:
    """A sentence followed by what the person typed, if anything."""
    return f"{sentence} {note}".strip() if note else sentence


def _complaint():
    from .models import Complaint

    return Complaint


# --- the reasons a system step gives (also used inside other sentences) -------------------------
def reason_text(why: str, params: dict, note: str) -> str:
    """The reason a change of class or a handing up gives: a rule of the system, or what the
    resident said (the typed ``note``)."""
    if why == "group":
        return _("Group complaint: %(n)d households about the same matter.") % {
            "n": params.get("households", 0)
        }
    if why == "month":
        return _("Unresolved %(days)d days after receipt.") % {"days": params.get("days", 0)}
    if why == "refuses_final_answer":
        return _("The resident refuses the final answer: %(reason)s") % {"reason": note}
    if why == "plan_rejected":
        return _("the resident rejects the plan: %(reason)s") % {"reason": note}
    if why == "unsatisfied_again":
        return _("the resident is unsatisfied again: %(words)s") % {"words": note}
    return note


# --- receipt and classification -----------------------------------------------------------------
@message("received")
def _received(p, note):
    return _then(_label(_complaint().Channel, p.get("channel")), note)


@message("group_member")
def _group_member(p, note):
    return _then(
        _("Part of a group complaint led by %(number)s.") % {"number": p.get("number", "")}, note
    )


@message("classified")
def _classified(p, note):
    c = _complaint()
    parts = [
        _label(c.Severity, p.get("severity")) if p.get("severity") else "",
        p.get("category", ""),
        _label(c.Validity, p.get("validity")) if p.get("validity") else "",
    ]
    return _then(" · ".join(x for x in parts if x), note)


@message("class_changed")
def _class_changed(p, note):
    c = _complaint()
    return _("Class changed from %(old)s to %(new)s: %(reason)s") % {
        "old": _label(c.Severity, p.get("old")),
        "new": _label(c.Severity, p.get("new")),
        "reason": reason_text(p.get("why", ""), p, note),
    }


@message("refuses_final_answer")
def _refuses(p, note):
    return reason_text("refuses_final_answer", p, note)


@message("attachment")
def _attachment(p, note):
    return _then(p.get("name", ""), note)


# --- dispatch and handling ----------------------------------------------------------------------
@message("dispatched")
def _dispatched(p, note):
    return _then(_("Dispatched to %(department)s.") % {"department": p.get("department")}, note)


@message("redispatched")
def _redispatched(p, note):
    return _then(
        _("Re-dispatched from %(old)s to %(new)s.") % {"old": p.get("old"), "new": p.get("new")},
        note,
    )


@message("rework")
def _rework(p, note):
    return _then(_("Rework sent to %(department)s.") % {"department": p.get("department")}, note)


@message("signed")
def _signed(p, note):
    return _then(p.get("department", ""), note)


@message("handed_up")
def _handed_up(p, note):
    from .roles import LABELS

    role = p.get("role", "")
    return _("Handed to the %(role)s: %(reason)s") % {
        "role": LABELS.get(role, role),
        "reason": reason_text(p.get("why", ""), p, note),
    }


@message("owner_changed")
def _owner_changed(p, note):
    return _("From %(old)s to %(new)s: %(reason)s") % {
        "old": p.get("old", ""),
        "new": p.get("new", ""),
        "reason": note,
    }


# --- deadlines ----------------------------------------------------------------------------------
@message("deadline_agreed")
def _deadline_agreed(p, note):
    return _("Resolution deadline agreed with the resident: %(due)s. %(note)s") % {
        "due": _when(p.get("due")),
        "note": note,
    }


@message("revisit_booked")
def _revisit_booked(p, note):
    return _then(
        _("Revisit booked with the resident for %(at)s.") % {"at": _when(p.get("at"))}, note
    )


@message("extension_requested")
def _extension_requested(p, note):
    return _("Extension to %(due)s requested: %(reason)s") % {
        "due": _when(p.get("due")),
        "reason": note,
    }


@message("extension_approved")
def _extension_approved(p, note):
    return _then(_("Extension to %(due)s approved.") % {"due": _when(p.get("due"))}, note)


@message("extension_refused")
def _extension_refused(p, note):
    return _then(_("Extension to %(due)s refused.") % {"due": _when(p.get("due"))}, note)


# --- after the work -----------------------------------------------------------------------------
@message("revisit")
def _revisit(p, note):
    from .models import Revisit

    first = _label(Revisit.Satisfaction, p.get("satisfaction"))
    if note:
        first = f"{first}: {note}"
    return " · ".join(
        x
        for x in (
            first,
            p.get("prevention") and f"{_('prevention')}: {p['prevention']}",
            p.get("suggestions") and f"{_('suggestions')}: {p['suggestions']}",
        )
        if x
    )


@message("told")
def _told(p, note):
    how = _label(_complaint().ToldBy, p.get("how")) if p.get("how") else ""
    return " · ".join(x for x in (how, note) if x)


@message("loss_action")
def _loss_action(p, note):
    return _then(
        _("Economic loss of %(loss)s yuan: a corrective action is opened for %(owner)s.")
        % {"loss": p.get("loss", ""), "owner": p.get("owner", "")},
        note,
    )


# --- the residents' side -----------------------------------------------------------------------
@message("portal_unverified")
def _portal_unverified(p, note):
    where = " ".join(x for x in (p.get("property", ""), p.get("room", "")) if x) or "—"
    sentence = _(
        "Sent online from a phone that is not in the registry: the unit (%(where)s) is the "
        "resident's word, not verified."
    ) % {"where": where}
    if p.get("matched"):
        sentence += " " + _("It matches the registry's unit %(unit)s.") % {"unit": p["matched"]}
    return _then(sentence, note)


@message("resident_withdrew")
def _resident_withdrew(p, note):
    return _("The resident withdrew the complaint online: %(reason)s. Close it as invalid.") % {
        "reason": note
    }


# --- escalations by the sweep -------------------------------------------------------------------
@message("escalated")
def _escalated(p, note):
    """The sweep's escalations and reminders say on the timeline what they said to the people
    told: the wording lives once, in the notifications' registry."""
    from .messages import render
    from .models import NotificationEvent

    clock = p.get("clock", "")
    event = (
        NotificationEvent.REMINDER
        if clock in ("reminder", "progress", "tell")
        else NotificationEvent.ESCALATION
    )
    facts = {
        "variant": clock,
        "number": p.get("number", ""),
        "due": p.get("due", ""),
        "level": p.get("level", 1),
        "days": p.get("days", 0),
    }
    return _then(render(event, facts), note)


def _escalation_facts(p) -> dict:
    from .models import Escalation
    from .roles import LABELS

    role = p.get("role", "")
    return {
        "clock": _label(Escalation.Clock, p.get("clock", "")),
        "level": int(p.get("level", 1)),
        "role": str(LABELS.get(role, role)),
        "person": p.get("person", ""),
    }


@message("escalation_acknowledged")
def _escalation_acknowledged(p, note):
    return _then(
        _("Escalation acknowledged (%(clock)s, level %(level)d, raised to the %(role)s).")
        % _escalation_facts(p),
        note,
    )


@message("escalation_assigned")
def _escalation_assigned(p, note):
    return _then(
        _("Escalation (%(clock)s, level %(level)d) assigned to %(person)s.") % _escalation_facts(p),
        note,
    )


# --- showing a row ------------------------------------------------------------------------------
def event_text(event) -> str:
    """What a timeline row says, in the active language: the system's sentence with what a
    person typed, or (a row without a code, or with a code unknown here) just the note."""
    render = MESSAGES.get(event.code or "")
    if render is None:
        return event.note
    try:
        return render(event.params or {}, event.note)
    except (KeyError, TypeError, ValueError):
        return event.note  # facts that do not fit the sentence: show what a person typed
