"""Step 10: the roll-up's build time, each page beside the hand-written statement that gives the
same answer on the same rows (their ratio in the same run), the trend from the roll-up beside
the trend from the complaints, and a concurrency run (gunicorn on 127.0.0.1, sessions doing
intake, desk and search for a fixed time, then stopped)."""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from bench.harness import ROOT, BenchError


class Step10Mixin:
    """The part of :class:`bench.runner.Bench` that measures Step 10."""

    # --- the roll-up ---------------------------------------------------------------------------
    def rollup_build(self, stage: str) -> None:
        from reporting import rollup

        t = time.perf_counter()
        days = rollup.rebuild_all()
        seconds = time.perf_counter() - t
        self.results["load"][f"rollup_{stage}"] = {"days": days, "seconds": seconds}
        print(f"  roll-up of {days} days rebuilt in {seconds:.1f} s", flush=True)

    def trend_parts(self, *, small: bool) -> None:
        """The 12-month trend and comparisons alone: from the roll-up and from the complaints."""
        from django.utils import timezone

        from complaints.models import Complaint
        from reporting import periods
        from reporting.selectors import TREND_LENGTH, _trend_direct, _trend_from_rollup

        tz = timezone.get_default_timezone()
        period = periods.Period.containing(
            periods.MONTH, periods.previous_month(timezone.localdate(self.now))
        )
        compared = [*period.last(TREND_LENGTH[period.kind]), period.previous, period.same_last_year]
        first, last = min(compared), max(compared)
        in_trend = Complaint.objects.filter(
            received_at__gte=first.bounds(tz)[0], received_at__lt=last.bounds(tz)[1]
        ).order_by()
        self.record(
            "trend_rollup",
            "12-month trend + comparisons from the daily roll-up",
            lambda: _trend_from_rollup(period.kind, compared, None),
            small=small,
        )
        self.record(
            "trend_direct",
            "12-month trend + comparisons from the complaints (before Step 10)",
            lambda: _trend_direct(period.kind, in_trend, tz),
            small=small,
        )

    # --- hand-written statements ------------------------------------------------------------------
    def sql_specs(self) -> list[tuple[str, str, str, list]]:
        """(page key, label, SQL, params): one statement giving each page's rows or figures."""
        from django.db import connection
        from django.utils import timezone

        from reporting import periods

        pg = connection.vendor == "postgresql"
        newest = "ORDER BY c.received_at DESC, c.id DESC"
        if pg:
            # A common word: the newest-first walk, each row tested (what the page does).
            text = (
                "(strpos(upper(c.description), '电梯') > 0 OR strpos(upper(c.contact_name), "
                "'电梯') > 0 OR strpos(upper(c.location), '电梯') > 0)"
            )
        else:
            text = (
                "c.id IN (SELECT rowid FROM complaint_search WHERE complaint_search MATCH '\"电梯\"')"
                " AND (c.description LIKE '%%电梯%%' OR c.contact_name LIKE '%%电梯%%' "
                "OR c.location LIKE '%%电梯%%')"
            )
        head_dept = self.users["eng_head"].staff_profile.department_id
        month = periods.previous_month(timezone.localdate(self.now))
        start, end = periods.month_bounds(month, timezone.get_default_timezone())
        trend_start = periods.add_months(month, -12)
        after = getattr(self, "cursors", {}).get("search_text_p50") or (self.now, 0)
        list_after = getattr(self, "cursors", {}).get("list_p50") or (self.now, 0)
        return [
            (
                "list_p1",
                "the newest 26",
                f"SELECT c.id FROM complaints_complaint c {newest} LIMIT 26",
                [],
            ),
            (
                "search_text_p1",
                "电梯 from the index, page 1",
                f"SELECT c.id FROM complaints_complaint c WHERE {text} {newest} LIMIT 26",
                [],
            ),
            (
                "search_text_p50",
                "电梯 from the index, page 50 (after the last row of page 49)",
                f"SELECT c.id FROM complaints_complaint c WHERE {text} AND (c.received_at < %s OR "
                f"(c.received_at = %s AND c.id < %s)) {newest} LIMIT 26",
                [after[0], after[0], after[1]],
            ),
            (
                "search_phone_last4",
                "phone LIKE '%…last 4'",
                f"SELECT c.id FROM complaints_complaint c WHERE c.contact_phone LIKE %s {newest} LIMIT 26",
                ["%" + self.target_phone[-4:]],
            ),
            (
                "search_number_fragment",
                "number LIKE '%…'",
                f"SELECT c.id FROM complaints_complaint c WHERE c.number LIKE %s {newest} LIMIT 26",
                ["%" + self.target_number[-6:]],
            ),
            (
                "list_p50",
                "the 26 after the last row of page 49 (keyset)",
                f"SELECT c.id FROM complaints_complaint c WHERE (c.received_at < %s OR "
                f"(c.received_at = %s AND c.id < %s)) {newest} LIMIT 26",
                [list_after[0], list_after[0], list_after[1]],
            ),
            (
                "search_number",
                "number = …",
                f"SELECT c.id FROM complaints_complaint c WHERE c.number = %s {newest} LIMIT 26",
                [self.target_number],
            ),
            (
                "search_phone",
                "contact_phone = …",
                f"SELECT c.id FROM complaints_complaint c WHERE c.contact_phone = %s {newest} "
                "LIMIT 26",
                ["+86" + self.target_phone],
            ),
            (
                "search_room",
                "the units of 3-2-1201, then their complaints",
                "SELECT c.id FROM complaints_complaint c WHERE c.unit_id IN (SELECT u.id FROM "
                "residents_unit u JOIN residents_building b ON b.id = u.building_id WHERE "
                f"b.number = '3' AND u.stairway = '2' AND u.room = '1201') {newest} LIMIT 26",
                [],
            ),
            (
                "notifications_manager",
                "the manager's newest 200 notifications",
                "SELECT n.id FROM complaints_notification n WHERE n.recipient_id = %s "
                "ORDER BY n.created_at DESC, n.id DESC LIMIT 200",
                [self.users["manager"].pk],
            ),
            (
                "portal_home",
                "a resident's newest 50 (their phone, or their resident rows)",
                "SELECT x.id FROM (SELECT c.id, c.received_at FROM complaints_complaint c "
                "WHERE c.contact_phone = %s UNION SELECT c.id, c.received_at FROM "
                "complaints_complaint c WHERE c.resident_id IN (SELECT r.id FROM "
                "residents_resident r WHERE r.phone = %s OR r.phone_alt = %s)) x "
                "ORDER BY x.received_at DESC, x.id DESC LIMIT 50",
                ["+86" + self.target_phone] * 3,
            ),
            (
                "stats_page",
                "the month's figures from the company's roll-up rows",
                "SELECT sum(total), sum(resolved), sum(resolved_in_time), sum(management_told), "
                "sum(loss_total) FROM reporting_dailyfigures WHERE grain = 'company' AND "
                "day >= %s AND day < %s",
                [month, periods.add_months(month, 1)],
            ),
            (
                "desk_head",
                "head's two queues, 15 rows each: the handled states' index, EXISTS",
                "SELECT * FROM (SELECT c.id FROM complaints_complaint c WHERE c.state IN "
                "('confirmed', 'investigated') AND EXISTS (SELECT 1 FROM complaints_workorder w "
                "WHERE w.complaint_id = c.id AND w.department_id = %s AND w.status = 'pending') "
                "ORDER BY c.dispatched_at, c.id LIMIT 15) a UNION ALL SELECT * FROM (SELECT c.id "
                "FROM complaints_complaint c WHERE c.state IN ('confirmed', 'investigated') AND "
                "EXISTS (SELECT 1 FROM complaints_workorder w WHERE w.complaint_id = c.id AND "
                "w.department_id = %s AND w.status = 'signed') ORDER BY c.resolve_due_at, c.id "
                "LIMIT 15) b",
                [head_dept, head_dept],
            ),
            (
                "desk_frontdesk",
                "confirm queue, 15 rows",
                "SELECT c.id FROM complaints_complaint c WHERE c.state = 'received' "
                "ORDER BY c.dispatch_due_at, c.id LIMIT 15",
                [],
            ),
            (
                "admin_changelist",
                "the newest 51 and the ends of received_at",
                f"SELECT c.id FROM complaints_complaint c {newest} LIMIT 51",
                [],
            ),
            (
                "stats_selector",
                "the month's counts by class, validity and department (one GROUP BY)",
                "SELECT c.department_id, c.severity, c.validity, count(*), "
                "sum(CASE WHEN c.resolved_at IS NOT NULL AND c.resolved_at <= c.resolve_due_at "
                "THEN 1 ELSE 0 END) FROM complaints_complaint c WHERE c.received_at >= %s AND "
                "c.received_at < %s GROUP BY c.department_id, c.severity, c.validity",
                [start, end],
            ),
            (
                "trend_rollup",
                "12 months of the company's roll-up rows, summed by day",
                "SELECT day, sum(total), sum(resolved), sum(resolved_in_time), sum(revisit_total) "
                "FROM reporting_dailyfigures WHERE grain = 'company' AND day >= %s GROUP BY day",
                [trend_start],
            ),
        ]

    def sql_equivalents(self) -> None:
        from django.db import connection

        for key, label, sql, params in self.sql_specs():

            def run(sql=sql, params=params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()

            self.record(f"sql_{key}", f"SQL: {label}", run, reps=self.args.reps)

    # --- many sessions at once ------------------------------------------------------------------
    def concurrency(self, *, seconds: int = 60, sessions: int = 20, workers: int = 4) -> None:
        from django.conf import settings

        from complaints.models import Complaint

        port = _free_port()
        env = dict(
            os.environ,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(workers),
            LOG_LEVEL="WARNING",
            SECRET_KEY=settings.SECRET_KEY,
            # Production mode (no debug cursor, no debug templates), over plain HTTP on
            # 127.0.0.1: no TLS redirect or secure-only cookies, static files from the finders.
            DEBUG="false",
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            SECURE_HSTS_SECONDS="0",
            STATIC_MANIFEST="false",
        )
        before = Complaint.objects.count()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.env_info["var_dir"] / "gunicorn.log", "wb"),
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_up(base + "/healthz", server)
            cookies = [self.client("frontdesk").cookies["sessionid"].value for _ in range(sessions)]
            results: dict[str, list] = {"intake": [], "desk": [], "search": []}
            errors: list[str] = []
            lock = threading.Lock()
            deadline = time.monotonic() + seconds

            def session(sid: str, seed: int) -> None:
                rng = random.Random(seed)
                jar = {"sessionid": sid}
                try:
                    token = _csrf(base, jar)
                except Exception as exc:
                    with lock:
                        errors.append(f"csrf: {exc!r}")
                    return
                while time.monotonic() < deadline:
                    kind = rng.choices(["intake", "desk", "search"], weights=[2, 2, 1])[0]
                    t = time.perf_counter()
                    try:
                        if kind == "intake":
                            status = _post(base + "/complaints/new/", jar, token, rng)
                            ok = status == 302
                        elif kind == "desk":
                            ok = _get(base + "/", jar) == 200
                        else:
                            q = rng.choice(["电梯", "漏水", "噪音", self.target_phone[-4:]])
                            ok = _get(base + "/complaints/?q=" + urllib.parse.quote(q), jar) == 200
                    except Exception as exc:
                        ok, status = False, repr(exc)
                    ms = (time.perf_counter() - t) * 1000
                    with lock:
                        results[kind].append(ms)
                        if not ok:
                            errors.append(kind)

            threads = [
                threading.Thread(target=session, args=(sid, i), daemon=True)
                for i, sid in enumerate(cookies)
            ]
            for th in threads:
                th.start()
            for th in threads:
                th.join(seconds + 60)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
        created = Complaint.objects.count() - before
        numbers = Complaint.objects.order_by("-pk").values_list("number", flat=True)[
            : max(created, 1)
        ]
        out = {
            "seconds": seconds,
            "sessions": sessions,
            "workers": workers,
            "errors": len(errors),
            "error_kinds": sorted(set(errors))[:10],
            "created": created,
            "numbers_unique": len(set(numbers)) == len(numbers),
        }
        for kind, times in results.items():
            if times:
                times.sort()
                out[kind] = {
                    "n": len(times),
                    "per_s": len(times) / seconds,
                    "median_ms": statistics.median(times),
                    "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))],
                }
        self.results["concurrency"] = out
        print("  concurrency:", out, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, server) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode} (see gunicorn.log)")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.5)
    raise BenchError("gunicorn did not answer in 60 s")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _request(url: str, jar: dict, data: bytes | None = None, headers: dict | None = None):
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    req = urllib.request.Request(url, data=data, headers={"Cookie": cookie, **(headers or {})})
    try:
        response = _OPENER.open(req, timeout=60)
    except urllib.error.HTTPError as exc:
        response = exc
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    body = response.read()
    return response.status, body


def _get(url: str, jar: dict) -> int:
    return _request(url, jar)[0]


def _csrf(base: str, jar: dict) -> str:
    status, body = _request(base + "/complaints/new/", jar)
    if status != 200:
        raise BenchError(f"intake form: {status}")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not found:
        raise BenchError("no CSRF token on the intake form")
    return found[1].decode()


def _post(url: str, jar: dict, token: str, rng: random.Random) -> int:
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "contact_name": "王先生",
            "contact_phone": f"139{rng.randrange(10**8):08d}",
            "channel": "phone",
            "description": rng.choice(["电梯又停在半层", "楼上漏水", "夜里噪音"]),
            "submission": uuid.uuid4().hex,
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": url}
    return _request(url, jar, data, headers)[0]
