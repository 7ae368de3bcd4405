"""How the tables name a period of each length (week, month, quarter, year).

Whole phrases per length rather than pieces glued together, so that each reads naturally
once translated.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..periods import MONTH, QUARTER, WEEK, YEAR


def period_name(kind: str) -> str:
    """The header of a column or row naming periods: "week", "month" …"""
    return {WEEK: _("week"), MONTH: _("month"), QUARTER: _("quarter"), YEAR: _("year")}[kind]


def previous_name(kind: str) -> str:
    return {
        WEEK: _("previous week"),
        MONTH: _("previous month"),
        QUARTER: _("previous quarter"),
        YEAR: _("previous year"),
    }[kind]


def previous_with_label(kind: str, label: str) -> str:
    text = {
        WEEK: _("previous week (%(period)s)"),
        MONTH: _("previous month (%(period)s)"),
        QUARTER: _("previous quarter (%(period)s)"),
        YEAR: _("previous year (%(period)s)"),
    }[kind]
    return text % {"period": label}


def last_year_with_label(kind: str, label: str) -> str:
    text = {
        WEEK: _("same week last year (%(period)s)"),
        MONTH: _("same month last year (%(period)s)"),
        QUARTER: _("same quarter last year (%(period)s)"),
        YEAR: _("a year earlier (%(period)s)"),
    }[kind]
    return text % {"period": label}


def trend_title(kind: str) -> str:
    return {
        WEEK: _("Trend over twelve weeks"),
        MONTH: _("Trend over twelve months"),
        QUARTER: _("Trend over eight quarters"),
        YEAR: _("Trend over five years"),
    }[kind]


def trend_span(kind: str) -> str:
    """The header of a column summing the trend's periods."""
    return {
        WEEK: _("last twelve weeks"),
        MONTH: _("last twelve months"),
        QUARTER: _("last eight quarters"),
        YEAR: _("last five years"),
    }[kind]


def next_name(kind: str) -> str:
    return {
        WEEK: _("next week"),
        MONTH: _("next month"),
        QUARTER: _("next quarter"),
        YEAR: _("next year"),
    }[kind]
