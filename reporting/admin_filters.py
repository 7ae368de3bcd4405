"""The drill-down filter the monthly statistics need on the complaint list in the admin.

Add it to ``ComplaintAdmin.list_filter`` (complaints/admin.py).  It stays out of the sidebar
until a statistics link selects a figure, e.g.
``?received_at__gte=…&received_at__lt=…&figure=resolved_late``; ``as_of`` (ISO date-time)
sets the moment "overdue" is judged at (the end of the month, or now if that is earlier).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils import timezone
from django.utils.dateparse import parse_datetime
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
        return [(key, figure.label if figure else key)]

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
