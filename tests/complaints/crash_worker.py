"""A sweep in a process of its own, for tests/complaints/test_sla_crash.py to kill.

``python -m tests.complaints.crash_worker NOW BATCH`` (run from the project folder) sweeps at
the ISO moment ``NOW`` with batches of ``BATCH`` clocks.  The test gives it the test
database in ``DATABASE_URL``, and in ``SLA_CRASH_BROKER`` (JSON) the broker to use and a
queue of the test's own, so the notifications it queues go to Redis (or the filesystem
broker) where the test can count them and nobody else takes them.

It prints ``ready`` once Django is set up and the database connected, starts sweeping when
it reads ``go`` on its standard input (so that two workers start together and the test's
kill timer starts with the sweep), and prints ``done {json}`` when the sweep returns.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys


def main(argv: list[str]) -> int:
    now, batch = dt.datetime.fromisoformat(argv[0]), int(argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import translation

    from complaints.sla.sweep import sla_sweep
    from config.celery import app

    broker = json.loads(os.environ["SLA_CRASH_BROKER"])
    app.conf.broker_url = broker["url"]
    app.conf.broker_transport_options = broker["transport_options"]
    app.conf.task_default_queue = broker["queue"]
    app.conf.task_always_eager = False

    translation.activate("en")
    connection.ensure_connection()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 1
    result = sla_sweep(now=now, batch=batch)
    summary = {
        "escalations": result.escalations,
        "notifications": result.notifications,
        "batches": result.batches,
    }
    print("done " + json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
