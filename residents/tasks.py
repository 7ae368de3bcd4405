"""Celery tasks of the residents app: thin, taking ids."""

from __future__ import annotations

from celery import shared_task

from . import importing


@shared_task(name="residents.tasks.run_import", ignore_result=True)
def run_import(job_id: str) -> str | None:
    """Import a large confirmed spreadsheet in the background (all rows or none)."""
    job = importing.import_job_run(job_id)
    return job.get("state") if job else None


@shared_task(name="residents.deliver_messages", ignore_result=True)
def deliver_resident_messages(ids: list[int]) -> int:
    """Send text messages to residents; what fails waits (send_after) and the beat task
    below queues it again, so a provider outage loses nothing."""
    from .messaging import outbox

    sent, _failed = outbox.deliver(ids)
    return sent


@shared_task(name="residents.requeue_messages", ignore_result=True)
def requeue_resident_messages() -> int:
    from .messaging import outbox

    outbox.forget_expired_codes()
    return outbox.requeue_undelivered()
