"""The drill-down filters the monthly statistics need on the complaint list in the admin.

Add them to ``ComplaintAdmin.list_filter`` (complaints/admin.py).  Each stays out of the
sidebar until a statistics link uses it, and then shows what it applies, marked as selected:
:class:`ReceivedPeriodFilter` the period (``received_at__gte`` / ``received_at__lt``), and
:class:`StatisticsFigureFilter` the figure, e.g.
``?received_at__gte=…&received_at__lt=…&figure=resolved_late``; ``as_of`` (ISO date-time)
sets the moment "overdue" is judged at (the end of the month, or now if that is earlier).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .figures import FIGURES


class StatisticsFigureFilter(admin.SimpleListFilter):
    title = _("statistics figure")
    parameter_name = "figure"
    as_of_parameter = "as_of"

    def __init__(self, request, params, model, model_admin):
        as_of = params.pop(self.as_of_parameter, None)
        super().__init__(request, params, model, model_admin)
        if as_of:
            self.used_parameters[self.as_of_parameter] = as_of[-1]

    def expected_parameters(self):
        return [self.parameter_name, self.as_of_parameter]

    def lookups(self, request, model_admin):
        # Only the figure chosen by a statistics link is shown, so the sidebar stays short.
        # An unknown key is listed too, so that queryset() rejects it (the admin's "?e=1").
        key = self.value()
        if not key:
            return []
        figure = FIGURES.get(key)
        return [(key, capfirst(figure.label) if figure else key)]

    def as_of(self):
        now = timezone.now()
        text = self.used_parameters.get(self.as_of_parameter)
        if not text:
            return now
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None:
            raise IncorrectLookupParameters(f"as_of={text!r}")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return min(moment, now)

    def queryset(self, request, queryset):
        key = self.value()
        if key is None:
            return queryset
        figure = FIGURES.get(key)
        if figure is None:
            raise IncorrectLookupParameters(f"figure={key!r}")
        return queryset.filter(figure.build(self.as_of()))


def _moment(text: str):
    """An ISO date-time of a statistics link, aware; ``IncorrectLookupParameters`` if bad."""
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise IncorrectLookupParameters(f"received_at={text!r}")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class ReceivedPeriodFilter(admin.SimpleListFilter):
    """The period of a statistics link (received in [from, to)), shown in the sidebar as the
    selected choice, so a list opened from a figure says which month it counts."""

    title = _("received in")
    parameter_name = "received_at__gte"
    until_parameter = "received_at__lt"

    def __init__(self, request, params, model, model_admin):
        until = params.pop(self.until_parameter, None)
        super().__init__(request, params, model, model_admin)
        if until:
            self.used_parameters[self.until_parameter] = until[-1]

    def expected_parameters(self):
        return [self.parameter_name, self.until_parameter]

    def has_output(self):
        return bool(self.used_parameters)

    def _bounds(self):
        start = self.used_parameters.get(self.parameter_name)
        end = self.used_parameters.get(self.until_parameter)
        return (_moment(start) if start else None, _moment(end) if end else None)

    def label(self) -> str:
        start, end = self._bounds()
        first = timezone.localdate(start).isoformat() if start else "…"
        last = timezone.localdate(end - dt.timedelta(microseconds=1)).isoformat() if end else "…"
        return (
            first
            if first == last
            else gettext("%(first)s to %(last)s")
            % {
                "first": first,
                "last": last,
            }
        )

    def lookups(self, request, model_admin):
        if not self.used_parameters:
            return []
        return [(self.used_parameters.get(self.parameter_name, ""), self.label())]

    def choices(self, changelist):
        remove = [self.parameter_name, self.until_parameter]
        yield {
            "selected": False,
            "query_string": changelist.get_query_string(remove=remove),
            "display": _("All"),
        }
        yield {
            "selected": True,
            "query_string": changelist.get_query_string(),
            "display": self.label(),
        }

    def queryset(self, request, queryset):
        start, end = self._bounds()
        if start is not None:
            queryset = queryset.filter(received_at__gte=start)
        if end is not None:
            queryset = queryset.filter(received_at__lt=end)
        return queryset
