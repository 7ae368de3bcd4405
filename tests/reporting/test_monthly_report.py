"""``manage.py monthly_report`` and the Celery task that e-mails the report to management."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from reporting import exports, services, tasks
from reporting.models import MonthlyReportDispatch, ReportingSettings
from residents.models import Property
from tests.complaints import factories as f

from .conftest import now

pytestmark = pytest.mark.django_db


def sheet_rows(path_or_bytes, sheet):
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    ws = openpyxl.load_workbook(source)[sheet]
    return {row[0]: list(row[1:]) for row in ws.iter_rows(min_row=4, values_only=True) if row[0]}


# --- the command -------------------------------------------------------------------------------
def test_command_writes_the_months_xlsx_in_chinese(october, tmp_path):
    target = tmp_path / "oct.xlsx"
    out = io.StringIO()
    with time_machine.travel(now(), tick=False):
        call_command("monthly_report", month="2026-10", output=str(target), stdout=out)
    assert str(target) in out.getvalue()
    assert sheet_rows(target, "按投诉途径")["合计"][0] == 19
    assert sheet_rows(target, "关键指标与对比")["受理投诉数"][:2] == [19, 2]


def test_command_for_one_property_into_a_folder(october, tmp_path):
    code = Property.objects.get(name="碧水湾").code
    with time_machine.travel(now(), tick=False):
        call_command(
            "monthly_report", "--property", code, "--output", str(tmp_path), stdout=io.StringIO()
        )
    written = tmp_path / f"complaint-statistics-2026-10-{code}.xlsx"  # the previous month
    assert sheet_rows(written, "按投诉途径")["合计"][0] == 1


@pytest.mark.parametrize("month", ["2026-13", "26-10", "October", "2026-00", ""])
def test_command_rejects_a_bad_month(month, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("monthly_report", month=month, output=str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_command_rejects_an_unknown_property(tmp_path):
    with pytest.raises(CommandError, match="nope"):
        call_command("monthly_report", month="2026-10", property_code="nope", output=str(tmp_path))


def test_bad_month_exits_non_zero_with_the_message(tmp_path):
    env = {**os.environ, "VAR_DIR": str(tmp_path)}
    env.pop("PYTEST_VERSION", None)
    env["DEBUG"] = "true"
    result = subprocess.run(
        [sys.executable, "manage.py", "monthly_report", "--month", "2026-13"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "2026-13" in result.stderr and "YYYY-MM" in result.stderr
    assert "Traceback" not in result.stderr


# --- e-mailing it ------------------------------------------------------------------------------
@pytest.fixture
def managers(db):
    return [
        f.staff("manager", email="m1@example.com"),
        f.staff("general_manager", email="gm@example.com"),
        f.staff("manager"),  # no e-mail address: left out
        f.staff("supervisor", email="sup@example.com"),  # not management: left out
    ]


@pytest.fixture
def send_on_the_5th(db):
    config = ReportingSettings.current()
    config.report_day = 5
    config.save()
    return config


def run_task_at(moment):
    with time_machine.travel(moment, tick=False):
        return tasks.send_monthly_report()


def test_task_waits_for_the_configured_day(mailoutbox, managers, send_on_the_5th):
    assert run_task_at(f.at(4, 23, 59)) is None
    assert mailoutbox == []
    assert not MonthlyReportDispatch.objects.exists()


def test_task_sends_last_months_report_once(mailoutbox, october, managers, send_on_the_5th):
    dispatch_id = run_task_at(f.at(5, 8, 0))
    assert dispatch_id is not None
    [mail] = mailoutbox
    assert sorted(mail.to) == ["gm@example.com", "m1@example.com", "manager@example.com"]
    assert "2026-10" in mail.subject
    [(name, content, mimetype)] = mail.attachments
    assert mimetype == exports.XLSX_CONTENT_TYPE
    assert name == "complaint-statistics-2026-10.xlsx"
    assert sheet_rows(content, "按投诉途径")["合计"][0] == 19
    dispatch = MonthlyReportDispatch.objects.get(pk=dispatch_id)
    assert dispatch.month == dt.date(2026, 10, 1) and dispatch.estate is None
    assert dispatch.sent_at is not None and "gm@example.com" in dispatch.recipients
    # Level-triggered and idempotent: later runs (or a second worker) send nothing more.
    assert run_task_at(f.at(5, 8, 0)) is None
    assert run_task_at(f.at(20, 8, 0)) is None
    assert len(mailoutbox) == 1


def test_a_late_run_catches_up(mailoutbox, managers, send_on_the_5th):
    assert run_task_at(f.at(27, 8, 0)) is not None  # the beat was down from the 5th to the 27th
    assert len(mailoutbox) == 1


def test_a_failed_send_is_tried_again(mailoutbox, managers, send_on_the_5th):
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")):
        with pytest.raises(OSError):
            run_task_at(f.at(5, 8, 0))
    dispatch = MonthlyReportDispatch.objects.get()
    assert dispatch.sent_at is None and dispatch.claimed_at is None
    assert run_task_at(f.at(6, 8, 0)) == dispatch.pk
    assert len(mailoutbox) == 1


def test_a_send_in_progress_is_not_repeated_until_its_claim_expires(
    mailoutbox, managers, send_on_the_5th
):
    MonthlyReportDispatch.objects.create(month=dt.date(2026, 10, 1), claimed_at=f.at(5, 7, 50))
    assert run_task_at(f.at(5, 8, 0)) is None
    assert mailoutbox == []
    assert run_task_at(f.at(5, 9, 0)) is not None  # the other worker died: the claim expired
    assert len(mailoutbox) == 1


def test_nothing_is_sent_without_recipients_or_when_switched_off(mailoutbox, send_on_the_5th):
    assert run_task_at(f.at(5, 8, 0)) is None
    f.staff("manager", email="m1@example.com")
    send_on_the_5th.send_monthly_report = False
    send_on_the_5th.save()
    assert run_task_at(f.at(5, 8, 0)) is None
    assert mailoutbox == [] and not MonthlyReportDispatch.objects.exists()


def test_one_record_per_month_and_property(managers):
    estate = f.estate()
    with time_machine.travel(f.at(5, 8, 0), tick=False):
        services.monthly_report_send(month=dt.date(2026, 10, 1), estate=estate)
        services.monthly_report_send(month=dt.date(2026, 10, 1), estate=estate)
        services.monthly_report_send(month=dt.date(2026, 10, 1))
    assert MonthlyReportDispatch.objects.filter(estate=estate).count() == 1
    assert MonthlyReportDispatch.objects.filter(estate=None).count() == 1


def test_beat_schedule_names_the_registered_task():
    from django.conf import settings

    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["reporting-send-monthly-report"]
    assert entry["task"] == tasks.send_monthly_report.name
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert Path(tasks.__file__).name == "tasks.py"
