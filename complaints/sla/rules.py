"""The rules in force, read from the database once per sweep or service call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import calendar as cal
from .. import policies
from ..models import CalendarDay, DeskPolicy, OfficeHours, SlaPolicy

# Who hears of a breach at each level, in order.
LEVEL_ROLES = policies.LADDER  # supervisor, manager, general manager
role_above = policies.role_above


@dataclass
class Rules:
    policies: dict[str, SlaPolicy]
    desk: DeskPolicy
    calendar: cal.WorkCalendar
    hours: dict[int, tuple[dt.time, dt.time]]

    @classmethod
    def load(cls) -> Rules:
        return cls(
            policies={p.severity: p for p in SlaPolicy.objects.all()},
            desk=DeskPolicy.current(),
            calendar=cal.WorkCalendar(
                dict(CalendarDay.objects.values_list("date", "is_working_day"))
            ),
            hours={h.day: (h.opens, h.closes) for h in OfficeHours.objects.all()},
        )

    # --- the dispatch limit before and after classification ----------------------------
    @property
    def strictest(self) -> SlaPolicy | None:
        """Before a complaint is classed, the strictest dispatch limit of any class applies."""
        return min(self.policies.values(), key=lambda p: p.dispatch_minutes, default=None)

    def dispatch_policy(self, severity: str) -> SlaPolicy | None:
        return self.policies.get(severity) or self.strictest

    # --- office hours and night duty ----------------------------------------------------
    def shift_of(self, day: dt.date) -> tuple[dt.time, dt.time] | None:
        """The day shift on ``day`` (see :class:`~complaints.models.OfficeHours`)."""
        kind = self.calendar.day_kind(day)
        if kind == cal.HOLIDAY:
            return self.hours.get(OfficeHours.Day.HOLIDAY)
        if kind == cal.WORKING and day.weekday() >= 5:  # a 调休 make-up working weekend day
            return self.hours.get(OfficeHours.Day.MONDAY)
        return self.hours.get(day.weekday())

    def day_shift_start(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` if the day shift is working then, else the start of the next day shift.

        With no office hours at all (an empty table) the desk is always open.
        """
        if not self.hours:
            return moment
        local = cal.to_local(moment)
        day = local.date()
        for offset in range(15):
            shift = self.shift_of(day + dt.timedelta(days=offset))
            if shift is None:
                continue
            opens = dt.datetime.combine(day + dt.timedelta(days=offset), shift[0], cal.SHANGHAI)
            closes = dt.datetime.combine(day + dt.timedelta(days=offset), shift[1], cal.SHANGHAI)
            if local < opens:
                return opens
            if local < closes:
                return local
        return local  # no shift within a fortnight: do not hold the clock back for ever

    def in_office_hours(self, moment: dt.datetime) -> bool:
        return self.day_shift_start(moment) == cal.to_local(moment)
