"""The monthly statistics: the ``reporting`` selector and its admin page (skipped, with a
note, if ``reporting`` does not import)."""

from __future__ import annotations

from bench.pages import get


class MonthlyStatisticsMixin:
    """The part of :class:`bench.runner.Bench` that measures the monthly statistics."""

    def statistics(self, client, *, small: bool):
        try:
            from django.urls import reverse
            from django.utils import timezone

            from complaints.models import Complaint
            from reporting import periods
            from reporting.selectors import monthly_statistics
        except Exception as exc:
            if not small:
                self.note(f"monthly statistics skipped: reporting does not import ({exc!r})")
            return
        month = periods.previous_month(timezone.localdate(self.now))
        start, end = periods.month_bounds(month, timezone.get_default_timezone())
        in_month = Complaint.objects.filter(received_at__gte=start, received_at__lt=end).count()
        manager = self.users["manager"]

        def selector():
            return monthly_statistics(month=month, viewer=manager, now=self.now)

        label = f"Monthly statistics selector ({periods.month_label(month)}, {in_month} complaints)"
        self.record("stats_selector", label, selector, small=small)
        try:
            url = reverse("admin:reporting_monthlystatistics_changelist")
        except Exception as exc:
            if not small:
                self.note(f"monthly statistics page skipped: {exc!r}")
            return
        self.record(
            "stats_page",
            "Monthly statistics page (admin)",
            get(client, f"{url}?month={periods.month_label(month)}"),
            small=small,
        )
