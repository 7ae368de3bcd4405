"""The production profile: /healthz, the sweep's heartbeat, JSON logs, a worker that never gives
up on its broker, and the deploy/ files that run it all."""

from __future__ import annotations

import configparser
import datetime as dt
import json
import logging
import sys
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from complaints import tasks
from complaints.sla import heartbeat
from config.logging import JsonLinesFormatter
from tests.complaints import factories as f

ROOT = Path(__file__).resolve().parent.parent
NOW = f.at(9, 9)


@pytest.fixture(autouse=True)
def _own_heartbeat(settings, tmp_path):
    """Each test its own record of the last sweep, whatever cache the run is configured with."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SWEEP_HEARTBEAT_FILE = tmp_path / "sweep-finished"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _health(client):
    response = client.get(reverse("healthz"))
    return response.status_code, json.loads(response.content)


# --- /healthz ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_healthz_is_ok_without_login_when_all_three_are(client, clock):
    heartbeat.record()
    clock.shift(dt.timedelta(minutes=2))
    status, body = _health(client)
    assert status == 200
    assert body == {
        "database": "ok",
        "broker": "ok",
        "sla_sweep": "ok",
        "sla_sweep_age_seconds": 120,
        "status": "ok",
    }


@pytest.mark.django_db
def test_healthz_says_so_when_no_sweep_has_run(client, clock):
    status, body = _health(client)
    assert status == 503 and body["sla_sweep"] == "never" and body["database"] == "ok"


@pytest.mark.django_db
def test_healthz_fails_when_the_beat_has_stopped(client, clock):
    heartbeat.record()
    clock.shift(dt.timedelta(minutes=6))
    status, body = _health(client)
    assert status == 503
    assert body["sla_sweep"] == "late" and body["sla_sweep_age_seconds"] == 360


@pytest.mark.django_db
def test_healthz_fails_quickly_when_the_broker_is_unreachable(client, clock, monkeypatch):
    from config.celery import app

    heartbeat.record()
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # Celery reads CELERY_BROKER_URL from the environment before its own settings (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    status, body = _health(client)
    assert status == 503
    assert body["broker"] == "error" and body["database"] == "ok"


@pytest.mark.django_db
def test_healthz_fails_when_the_database_does_not_answer(client, clock, monkeypatch):
    import config.health

    class Broken:
        def cursor(self):
            raise OSError("connection refused")

    heartbeat.record()
    monkeypatch.setattr(config.health, "connection", Broken())
    status, body = _health(client)
    assert status == 503 and body["database"] == "error"


@pytest.mark.django_db
def test_healthz_is_not_cached_and_not_redirected(client, clock):
    response = client.get("/healthz", secure=False)
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert response.status_code in (200, 503)


# --- the heartbeat -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_finished_sweep_task_records_its_time(clock):
    assert heartbeat.last() is None
    tasks.sla_sweep()
    assert heartbeat.last() == NOW


def test_the_heartbeat_lives_in_a_shared_cache_when_there_is_one(clock, monkeypatch, settings):
    monkeypatch.setattr(heartbeat, "_shared_cache", lambda: True)
    heartbeat.record()
    assert heartbeat.last() == NOW
    assert not Path(settings.SWEEP_HEARTBEAT_FILE).exists()


def test_a_heartbeat_that_cannot_be_written_never_fails_the_sweep(clock, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.SWEEP_HEARTBEAT_FILE = blocker / "sweep-finished"  # its folder is a file
    heartbeat.record()
    assert heartbeat.last() is None


# --- logs ----------------------------------------------------------------------------------------
def test_json_log_lines_carry_the_message_the_extra_fields_and_the_traceback():
    logger = logging.getLogger("complaints.test")
    try:
        raise ValueError("坏了")
    except ValueError:
        record = logger.makeRecord(
            "complaints.test",
            logging.ERROR,
            __file__,
            1,
            "sweep of %s failed",
            ("投诉",),
            sys.exc_info(),
            extra={"complaint_id": 7},
        )
    line = JsonLinesFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "sweep of 投诉 failed"
    assert entry["level"] == "ERROR" and entry["logger"] == "complaints.test"
    assert entry["complaint_id"] == 7
    assert "ValueError: 坏了" in entry["exception"]


def test_log_format_json_selects_the_json_formatter(settings):
    assert set(settings.LOGGING["formatters"]) >= {"plain", "json"}
    assert settings.LOGGING["formatters"]["json"]["()"] == "config.logging.JsonLinesFormatter"


# --- Celery and the deploy files -----------------------------------------------------------------
def test_the_worker_retries_the_broker_for_ever():
    from config.celery import app

    assert app.conf.broker_connection_max_retries is None
    assert app.conf.broker_connection_retry_on_startup is True


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / "systemd" / name, encoding="utf-8")
    return parser


def test_systemd_runs_the_web_server_n_workers_and_one_beat():
    web = _unit("complaint-desk-web.service")
    assert "gunicorn" in web["Service"]["ExecStart"]
    assert "config/gunicorn.conf.py" in web["Service"]["ExecStart"]
    worker = _unit("complaint-desk-worker@.service")  # a template: one instance per worker
    assert (
        "celery" in worker["Service"]["ExecStart"] and " worker" in worker["Service"]["ExecStart"]
    )
    assert "%i" in worker["Service"]["ExecStart"]  # each instance its own node name
    beat = _unit("complaint-desk-beat.service")
    assert " beat" in beat["Service"]["ExecStart"]
    for unit in (web, worker, beat):
        assert unit["Service"]["Restart"] in ("always", "on-failure")
        assert "EnvironmentFile" in unit["Service"]
    assert not list((ROOT / "deploy" / "systemd").glob("*beat@*"))  # never several beats


def test_the_example_environment_holds_no_secret():
    text = (ROOT / "deploy" / "complaint-desk.env.example").read_text(encoding="utf-8")
    values = dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert values["DEBUG"] == "false"
    assert values["SECRET_KEY"] == ""
    assert {"ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"} <= set(values)
    assert values["LOG_FORMAT"] == "json"


def test_the_gunicorn_configuration_loads():
    namespace: dict = {}
    exec(
        compile((ROOT / "config" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"),
        namespace,
    )
    assert namespace["workers"] >= 2
    assert namespace["timeout"] >= 30
    assert namespace["wsgi_app"] == "config.wsgi:application"
