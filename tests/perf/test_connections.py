"""The app's PostgreSQL connections: JIT off, work_mem raised inside a report's transaction
only (skipped on SQLite, which has neither)."""

import pytest
from django.conf import settings
from django.db import connection

from reporting.selectors import report_transaction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="PostgreSQL settings",
    ),
]


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_jit_is_off_for_the_app():
    assert _show("jit") == "off"


def test_work_mem_is_raised_only_inside_the_report():
    before = _show("work_mem")
    with report_transaction():
        assert _show("work_mem") == settings.REPORT_WORK_MEM
    assert _show("work_mem") == before
