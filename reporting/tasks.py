"""Celery tasks of the reporting app: thin, idempotent, level-triggered."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="reporting.tasks.send_monthly_report", ignore_result=True)
def send_monthly_report() -> int | None:
    """Run daily: on or after the configured day, e-mail last month's report once.

    Returns the id of the dispatch record when this run sent the report.
    """
    dispatch = services.monthly_report_send_due()
    return dispatch.pk if dispatch is not None else None


@shared_task(name="reporting.tasks.refresh_daily_figures", ignore_result=True)
def refresh_daily_figures() -> int:
    """Run every minute: rebuild the roll-up's days marked dirty (idempotent; the statistics
    page does the same before reading, so this only keeps that page's work small)."""
    from . import rollup

    return rollup.refresh()
