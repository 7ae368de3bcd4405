"""``/healthz``: is this installation working?  For monitoring and process supervisors.

No login and nothing personal: only whether the database answers, whether the Celery broker
accepts a connection (within two seconds), and how long ago the SLA sweep last finished.
200 when all three are fine, 503 when any is not; the body says which.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from complaints.sla import heartbeat

log = logging.getLogger(__name__)
BROKER_TIMEOUT = 2  # seconds


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        log.warning("healthz: the database did not answer", exc_info=True)
        return "error"
    return "ok"


def check_broker() -> str:
    from config.celery import app

    try:
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
    except Exception:
        log.warning("healthz: the Celery broker did not answer", exc_info=True)
        return "error"
    return "ok"


def check_sweep() -> tuple[str, int | None]:
    """("ok" | "late" | "never", seconds since the last sweep finished)."""
    finished = heartbeat.last()
    if finished is None:
        return "never", None
    age = max(0, int((timezone.now() - finished).total_seconds()))
    return ("ok" if age <= settings.HEALTH_SWEEP_MAX_AGE else "late"), age


@never_cache
@require_GET
def healthz(request):
    sweep, age = check_sweep()
    body = {
        "database": check_database(),
        "broker": check_broker(),
        "sla_sweep": sweep,
        "sla_sweep_age_seconds": age,
    }
    healthy = body["database"] == body["broker"] == body["sla_sweep"] == "ok"
    body["status"] = "ok" if healthy else "error"
    return JsonResponse(body, status=200 if healthy else 503)
