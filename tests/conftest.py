"""Fixtures shared by the whole suite."""

import datetime as dt
import os

import pytest
from django.contrib.auth.models import Group

# ``TEST_CLOCK_AHEAD_DAYS=400 make test`` runs the whole suite with the clock that many days
# ahead (still ticking), to prove that no test depends on the day it runs: every test that
# involves a deadline freezes its own clock, and nothing else may read the real one.
CLOCK_AHEAD = "TEST_CLOCK_AHEAD_DAYS"
_clock_key = pytest.StashKey()


def pytest_configure(config):
    days = os.environ.get(CLOCK_AHEAD, "").strip()
    if not days:
        return
    try:
        ahead = dt.timedelta(days=int(days))
    except ValueError as exc:
        raise pytest.UsageError(
            f"{CLOCK_AHEAD} must be a whole number of days, not {days!r}"
        ) from exc
    import time_machine

    traveller = time_machine.travel(dt.datetime.now(dt.UTC) + ahead, tick=True)
    traveller.start()
    config.stash[_clock_key] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_clock_key, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    days = os.environ.get(CLOCK_AHEAD, "").strip()
    if days:
        return f"clock: {days} days ahead of the real date (now reads {dt.datetime.now(dt.UTC):%Y-%m-%d})"
    return None


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads of a test never reach the real media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_user(django_user_model):
    """Build a user in a role: ``make_user("front_desk")``; department heads take ``department``."""
    from complaints.models import StaffProfile

    counter = {"n": 0}

    def _make(role=None, *, department=None, username=None, **extra):
        counter["n"] += 1
        user = django_user_model.objects.create_user(
            username=username or f"{role or 'user'}{counter['n']}", password="pw", **extra
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        StaffProfile.objects.create(user=user, department=department)
        return user

    return _make


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service messages in tests read in English; pages still follow the request's language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _tasks_run_inline_unless_a_worker_is_started(request):
    """Tasks run in the calling thread, except in tests that start a real Celery worker."""
    from config.celery import app

    eager = request.node.get_closest_marker("celery_worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def sms_outbox():
    """The text messages the test SMS backend "sent" (like ``mail.outbox``), empty at the start
    of every test; ``locmem.failure`` makes the provider refuse everything while set."""
    from residents.messaging.backends import locmem

    locmem.outbox.clear()
    locmem.failure.clear()
    yield locmem.outbox
    locmem.outbox.clear()
    locmem.failure.clear()


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's private broker folder."""
    import shutil

    from django.conf import settings

    folder = getattr(settings, "BROKER_DIR", None)
    if folder and "test-broker-" in str(folder):
        shutil.rmtree(folder, ignore_errors=True)
