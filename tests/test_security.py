"""Login throttling, idle sessions, security headers, redirects that stay on the site, and a
production configuration that passes ``manage.py check --deploy`` on its defaults."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.urls import reverse

from complaints.models import Complaint
from tests.complaints import factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
T0 = f.at(9, 9)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _login(client, username, password, url="/login/", **headers):
    return client.post(url, {"username": username, "password": password}, headers=headers)


def _logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


# --- login throttling -------------------------------------------------------------------------
def test_six_wrong_passwords_lock_the_account_even_against_the_right_one(client, clock):
    user = f.staff("front_desk", username="xiaowang")
    for _ in range(6):
        response = _login(client, user.username, "wrong")
        assert response.status_code in (200, 429)
    response = _login(client, user.username, "pw")
    assert response.status_code == 429
    assert "locked-out" in response.content.decode()
    assert not _logged_in(client)


def test_the_lock_lifts_after_the_cool_off(client, clock):
    user = f.staff("front_desk", username="xiaowang")
    for _ in range(5):
        _login(client, user.username, "wrong")
    assert _login(client, user.username, "pw").status_code == 429
    clock.shift(dt.timedelta(minutes=31))
    assert _login(client, user.username, "pw").status_code == 302
    assert _logged_in(client)


def test_four_wrong_passwords_then_the_right_one_logs_in(client, clock):
    user = f.staff("front_desk", username="xiaowang")
    for _ in range(4):
        assert _login(client, user.username, "wrong").status_code == 200
    assert _login(client, user.username, "pw").status_code == 302


def test_the_admin_login_is_throttled_too(client, clock):
    user = f.staff("manager", username="zhou")
    for _ in range(6):
        _login(client, user.username, "wrong", url="/admin/login/")
    response = _login(client, user.username, "pw", url="/admin/login/")
    assert response.status_code == 429
    assert not _logged_in(client)


def test_one_address_guessing_many_accounts_is_locked_out(client, clock):
    user = f.staff("front_desk", username="xiaowang")
    for n in range(6):
        _login(client, f"nobody{n}", "wrong")
    assert _login(client, user.username, "pw").status_code == 429


def test_a_rotating_forwarded_for_does_not_help_when_no_proxy_is_trusted(client, clock):
    user = f.staff("front_desk", username="xiaowang")
    for n in range(6):
        _login(client, f"nobody{n}", "wrong", X_FORWARDED_FOR=f"203.0.113.{n}")
    response = _login(client, user.username, "pw", X_FORWARDED_FOR="203.0.113.99")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_a_trusted_proxy_makes_the_forwarded_address_count(client, clock, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = f.staff("front_desk", username="xiaowang")
    for n in range(6):
        # A client-written left part is ignored: the proxy's own entry is the rightmost.
        _login(client, f"nobody{n}", "wrong", X_FORWARDED_FOR=f"10.9.9.9, 203.0.113.{n}")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.5").exists()
    assert not AccessAttempt.objects.filter(ip_address="10.9.9.9").exists()
    assert _login(client, user.username, "pw", X_FORWARDED_FOR="203.0.113.99").status_code == 302


def test_a_garbled_forwarded_for_falls_back_to_the_connection(rf, settings):
    from config.middleware import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-ip\x00", REMOTE_ADDR="192.0.2.7")
    assert client_ip(request) == "192.0.2.7"


def test_failed_logins_are_recorded_without_the_password(client, clock):
    f.staff("front_desk", username="xiaowang")
    _login(client, "xiaowang", "secret-guess")
    failure = AccessFailureLog.objects.get()
    assert failure.username == "xiaowang" and failure.path_info == "/login/"
    attempt = AccessAttempt.objects.get()
    assert "secret-guess" not in attempt.post_data


def test_the_locked_out_page_speaks_english_when_chosen(client, clock, settings):
    f.staff("front_desk", username="xiaowang")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(6):
        response = _login(client, "xiaowang", "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Login locked" in page and "30 minutes" in page
    assert 'lang="en"' in page


def test_the_locked_out_page_is_chinese_by_default(client, clock):
    for _ in range(6):
        response = _login(client, "xiaowang", "wrong")
    assert response.status_code == 429
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.parametrize("role,status", [("manager", 200), ("supervisor", 403)])
def test_managers_read_failed_logins_in_the_admin_and_cannot_change_them(
    client, clock, role, status
):
    _login(client, "xiaowang", "wrong")
    attempt = AccessAttempt.objects.get()
    client.force_login(f.staff(role))
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == status
    assert client.get(reverse("admin:axes_accessfailurelog_changelist")).status_code == status
    assert client.get(reverse("admin:axes_accessattempt_add")).status_code == 403
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


# --- sessions ----------------------------------------------------------------------------------
def test_an_idle_session_ends_after_thirty_minutes(client, clock, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(f.staff("front_desk"))
    clock.shift(dt.timedelta(minutes=20))
    assert _logged_in(client)  # activity: the clock starts again
    clock.shift(dt.timedelta(minutes=25))
    assert _logged_in(client)
    clock.shift(dt.timedelta(minutes=31))
    assert not _logged_in(client)


def test_the_home_pages_poll_does_not_keep_a_desk_logged_in(client, clock):
    client.force_login(f.staff("front_desk"))
    for _ in range(3):
        clock.shift(dt.timedelta(minutes=9))
        assert client.get(reverse("home"), headers={"HX-Request": "true"}).status_code == 200
    clock.shift(dt.timedelta(minutes=9))
    # 36 minutes of polls only: the session has ended; htmx is told to reload the page.
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    assert not _logged_in(client)


@pytest.mark.parametrize("name", ["home", "complaint-list", "residents:search"])
def test_pages_for_signed_in_staff_are_never_stored(client, clock, name):
    client.force_login(f.staff("front_desk"))
    response = client.get(reverse(name), {"q": "李"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_complaint_and_its_print_are_never_stored(client, clock):
    desk = f.staff("front_desk")
    c = f.complaint(desk)
    client.force_login(desk)
    for url in (reverse("complaint-detail", args=[c.pk]), reverse("complaint-print", args=[c.pk])):
        assert "no-store" in client.get(url)["Cache-Control"]


# --- headers -----------------------------------------------------------------------------------
def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def test_every_page_sends_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("login"))
    header = (
        response.get("Content-Security-Policy") or response["Content-Security-Policy-Report-Only"]
    )
    policy = _directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_permissions_policy_allows_the_camera_here_and_nothing_else_powerful(client):
    header = client.get(reverse("login"))["Permissions-Policy"]
    features = dict(item.strip().split("=", 1) for item in header.split(","))
    assert features["camera"] == "(self)"
    assert features["geolocation"] == "()" and features["microphone"] == "()"


# The policy is enforced: no inline script, handler or style may come back into a template.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\s(on[a-z]+)\s*=\s*[\"']", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=\s*[\"']", re.IGNORECASE)


def test_no_new_inline_script_in_the_templates():
    found = set()
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(ROOT))
        found |= {(rel, "<script>") for _ in INLINE_SCRIPT.finditer(text)}
        found |= {(rel, m.group(1).lower()) for m in INLINE_HANDLER.finditer(text)}
        found |= {(rel, "style") for _ in INLINE_STYLE.finditer(text)}
    assert found == set(), "the CSP refuses inline script and style: use static/js and static/css"


def test_the_policy_is_enforced_not_only_reported(client):
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" in response
    assert "Content-Security-Policy-Report-Only" not in response


# --- redirects stay on the site ---------------------------------------------------------------
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "///evil.example", "http:evil.example"]
)
def test_signing_a_work_order_never_redirects_off_the_site(client, target):
    desk = f.staff("front_desk")
    head = f.staff("department_head", department_code="engineering")
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    client.force_login(head)
    order = c.active_work_order
    response = client.post(reverse("work-order-sign", args=[order.pk]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("complaint-detail", args=[c.pk])
    assert Complaint.objects.get(pk=c.pk).active_work_order.signed_by == head


def test_signing_a_work_order_returns_to_the_page_it_came_from(client):
    desk = f.staff("front_desk")
    head = f.staff("department_head", department_code="engineering")
    c = f.advance(f.complaint(desk), "confirmed", desk=desk, head=head)
    client.force_login(head)
    response = client.post(
        reverse("work-order-sign", args=[c.active_work_order.pk]), {"next": "/work-orders/"}
    )
    assert response["Location"] == "/work-orders/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example"])
def test_logging_in_never_redirects_off_the_site(client, target):
    f.staff("front_desk", username="xiaowang")
    with time_machine.travel(T0, tick=False):
        response = client.post(
            "/login/", {"username": "xiaowang", "password": "pw", "next": target}
        )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# --- the production configuration ---------------------------------------------------------------
def _django(tmp_path, *args, **env) -> subprocess.CompletedProcess:
    """Run manage.py as a deployment would: no test-run marker, only the given environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SECURE_SSL_REDIRECT"):
        base.pop(key, None)
    base.update(VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "desk.example.com",
}
SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None) "
    "for k in ['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', "
    "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_AGE', 'AXES_FAILURE_LIMIT']}))"
)


def _settings(tmp_path, **env) -> dict:
    run = _django(tmp_path, "shell", "--no-imports", "-c", SHOW, **env)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_deploy_checks_pass_with_debug_off_a_secret_key_and_the_allowed_hosts(tmp_path):
    run = _django(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNINGS" not in run.stdout + run.stderr


def test_production_is_secure_by_default_and_each_switch_turns_off(tmp_path):
    on = _settings(tmp_path, **PRODUCTION)
    assert on["SECURE_SSL_REDIRECT"] and on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"]
    assert on["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert on["AXES_FAILURE_LIMIT"] == 5 and on["SESSION_COOKIE_AGE"] == 1800
    off = _settings(
        tmp_path,
        **PRODUCTION,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SECURE_COOKIES="false",
        SESSION_IDLE_MINUTES="10",
        LOGIN_FAILURE_LIMIT="8",
    )
    assert not off["SECURE_SSL_REDIRECT"] and not off["SESSION_COOKIE_SECURE"]
    assert off["SECURE_HSTS_SECONDS"] == 0
    assert off["SESSION_COOKIE_AGE"] == 600 and off["AXES_FAILURE_LIMIT"] == 8


def test_development_with_debug_on_never_redirects_to_https(tmp_path):
    dev = _settings(tmp_path, DEBUG="true")
    assert not dev["SECURE_SSL_REDIRECT"] and not dev["SESSION_COOKIE_SECURE"]
    assert dev["SECURE_HSTS_SECONDS"] == 0
