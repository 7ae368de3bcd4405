"""Celery tasks of the residents app: thin, taking ids."""

from __future__ import annotations

from celery import shared_task

from . import importing


@shared_task(name="residents.tasks.run_import", ignore_result=True)
def run_import(job_id: str) -> str | None:
    """Import a large confirmed spreadsheet in the background (all rows or none)."""
    job = importing.import_job_run(job_id)
    return job.get("state") if job else None
