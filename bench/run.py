#!/usr/bin/env python
"""Speed and memory of the complaint desk at scale (never part of the tests).

    .venv/bin/python bench/run.py [--complaints N] [--database-url URL] [--reps R] [--keep]

Builds a throw-away database (SQLite under ``bench/out/``, or its own PostgreSQL database
``bench_*`` created and dropped through the ``postgres`` maintenance database), migrates it,
loads the demo registry and staff, bulk-loads N complaints (N/10 first, then the rest), times
pages, the SLA sweep, the monthly statistics and the real service path, writes
``bench/out/results-<backend>.json`` and rebuilds ``bench/REPORT.md`` from every results file
in ``bench/out/`` (a table per backend, and one side by side).  See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import logging
import math
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
REPORT = BENCH / "REPORT.md"
DEFAULT_PG_DB = "bench_complaints"
SEED = 20261123
BATCH = 2000  # complaints generated and inserted per transaction
SLOW_QUERY_MS = 50  # queries slower than this get an EXPLAIN in the results
SLOW_PAGE_MS = 500

sys.path.insert(0, str(ROOT))


class BenchError(RuntimeError):
    pass


# --- environment and database ---------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=100_000, metavar="N")
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://root@127.0.0.1:5432/bench_complaints (default: SQLite in bench/out)",
    )
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions per page")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--report-only", action="store_true", help="rebuild REPORT.md from bench/out/*.json"
    )
    args = parser.parse_args(argv)
    if args.complaints < 1000:
        parser.error("--complaints must be at least 1000")
    return args


def pg_target(url: str) -> tuple[str, str, str]:
    """(database URL for Django, maintenance conninfo, database name) for a postgres URL."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or DEFAULT_PG_DB
    if not name.startswith("bench"):
        raise SystemExit(
            f"refusing to use database {name!r}: the benchmark creates and drops its own "
            f"database, whose name must start with 'bench' (e.g. {DEFAULT_PG_DB})"
        )
    django_url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    maintenance = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    return django_url, maintenance, name


def pg_recreate(maintenance: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure_environment(args) -> dict:
    """Set the environment Django reads, before django.setup(); return what was chosen."""
    pg = None
    if args.database_url:
        if not args.database_url.startswith(("postgres://", "postgresql://")):
            raise SystemExit("--database-url must be a postgres:// URL (SQLite is the default)")
        pg = pg_target(args.database_url)  # refuses anything but a bench_* database
    OUT.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="var-", dir=OUT))
    env = {
        "DEBUG": "true",
        "SECRET_KEY": "bench-" + os.urandom(16).hex(),
        "VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "CELERY_BROKER_URL": "filesystem://",
        "CACHE_URL": "locmemcache://",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    info = {"var_dir": var_dir, "pg": None}
    if pg:
        django_url, maintenance, name = pg
        env["DATABASE_URL"] = django_url
        info["pg"] = (maintenance, name)
    else:
        env["DATABASE_URL"] = f"sqlite:///{var_dir / 'db.sqlite3'}"
    os.environ.update(env)
    os.environ.pop("PYTEST_VERSION", None)
    return info


# --- measuring ------------------------------------------------------------------------------
def pct(values, q):
    """Nearest-rank percentile (with 5 samples, p95 is the slowest)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class QueryCounter:
    """Counts every statement (CaptureQueriesContext keeps at most 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def explain(sql: str) -> str | None:
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return None
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                rows = cursor.fetchall()
                depth = {0: -1}
                lines = []
                for node, parent, _unused, detail in rows:
                    depth[node] = depth.get(parent, -1) + 1
                    lines.append("  " * depth[node] + detail)
                return "\n".join(lines)
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            return "\n".join(lines[:50] + (["…"] if len(lines) > 50 else []))
    except Exception as exc:  # an EXPLAIN must never break the run
        return f"(EXPLAIN failed: {exc})"


def measure(
    fn,
    *,
    reps: int,
    warmup: int = 1,
    memory: bool = True,
    queries: bool = True,
    explain_ms: float = SLOW_QUERY_MS,
):
    """Median/p95 wall time of ``fn`` over ``reps`` runs, then one run for the queries (with
    their SQL and times) and one under tracemalloc for the peak of Python allocations."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = fn()
    for _ in range(warmup - 1):
        fn()
    times, cpu = [], []
    for _ in range(reps):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    out = {
        "median_ms": statistics.median(times),
        "p95_ms": pct(times, 95),
        "min_ms": min(times),
        "cpu_ms": statistics.median(cpu),
        "reps": reps,
    }
    if queries:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        out["queries"] = len(ctx.captured_queries)
        out["sql_ms"] = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
        out["slowest"] = [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]} for q in slowest
        ]
        for q in out["slowest"][:2]:  # the plans of the two slowest, if slow enough
            if q["ms"] >= explain_ms:
                q["explain"] = explain(q["sql"])
    if memory:
        gc.collect()
        tracemalloc.start()
        fn()
        out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1048576
        tracemalloc.stop()
    return out, result


# --- the data set ---------------------------------------------------------------------------
ESTATE_NAMES = [
    "金桂苑", "银杏园", "滨江壹号", "锦绣华庭", "紫荆花园", "云栖里", "听涛苑", "香樟郡",
    "玉兰公寓", "枫丹白露", "御景湾", "南湖春晓", "星河湾", "翡翠城", "碧水蓝天", "书香门第",
]  # fmt: skip

HOURS = [8, 9, 10, 11, 13, 14, 15, 16, 17, 19, 21]
HOUR_WEIGHTS = [5, 12, 12, 10, 8, 10, 10, 9, 7, 4, 2]


def seed_more_properties(total: int, rng: random.Random) -> int:
    """Bring the registry to ``total`` properties like the demo one (432 units, ~200 people)."""
    from residents.demo import GIVEN, MOBILE_PREFIXES, SURNAMES
    from residents.models import Building, Property, Resident, Unit

    existing = Property.objects.count()
    used = {str(p) for p in Resident.objects.values_list("phone", flat=True)}

    def name():
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))

    def mobile():
        while True:
            number = "+86" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if number not in used:
                used.add(number)
                return number

    for i in range(existing, total):
        label = ESTATE_NAMES[i % len(ESTATE_NAMES)] + (
            f"{i // len(ESTATE_NAMES) + 1}期" if i >= len(ESTATE_NAMES) else ""
        )
        prop = Property.objects.create(name=label, code=f"bench-{i}", address="杭州市")
        buildings = Building.objects.bulk_create(
            [Building(property=prop, number=str(n), name=f"{n}栋") for n in range(1, 7)]
        )
        units = Unit.objects.bulk_create(
            [
                Unit(building=b, stairway=s, room=f"{floor}{door:02d}", floor=floor)
                for b in buildings
                for s in ("1", "2")
                for floor in range(1, 19)
                for door in (1, 2)
            ]
        )
        residents = []
        for unit in rng.sample(units, 130):
            owner = name()
            residents.append(Resident(unit=unit, name=owner, phone=mobile()))
            if rng.random() < 0.45:
                residents.append(
                    Resident(
                        unit=unit, name=owner[0] + name()[1:], phone=mobile(), relation="family"
                    )
                )
            if rng.random() < 0.15:
                residents.append(
                    Resident(unit=unit, name=name(), phone=mobile(), relation="tenant")
                )
        Resident.objects.bulk_create(residents)
    return total


class Table:
    """Rows for one model with explicit primary keys, written with ``executemany`` (SQLite)
    or ``COPY`` (PostgreSQL): Django's bulk_create spends ~30 µs on every field value, which
    at 100,000 complaints and their dependants is minutes."""

    def __init__(self, model, *, now: dt.datetime):
        from django.db import connection, models
        from django.db.models import Max

        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {}
        self.adapters = []
        sqlite = connection.vendor == "sqlite"
        for f in self.fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                self.defaults[f.attname] = now
            elif not f.primary_key:
                self.defaults[f.attname] = f.get_default()
            is_datetime = isinstance(f, models.DateTimeField)
            self.adapters.append(
                connection.ops.adapt_datetimefield_value if sqlite and is_datetime else None
            )
        self.next_id = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, values: dict) -> int:
        pk = self.next_id
        self.next_id += 1
        row = []
        get, defaults = values.get, self.defaults
        for f, adapt in zip(self.fields, self.adapters, strict=True):
            value = pk if f.primary_key else get(f.attname, defaults.get(f.attname))
            row.append(adapt(value) if adapt is not None and value is not None else value)
        self.rows.append(tuple(row))
        return pk

    def flush(self) -> None:
        from django.db import connection

        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", self.rows)
        self.written += len(self.rows)
        self.rows = []

    def reset_sequence(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(statement)


class Loader:
    """Generates complaints whose fields, work orders, revisits, timeline and escalation
    history are what the services and the sweep would have left behind by ``now``.

    Deadlines come from the app's own ``dispatch_due``/``schedule_classified``/
    ``schedule_reminders``; every breach the sweep would record by ``now`` is recorded, so a
    sweep at ``now`` finds nothing to do (checked after each load: see ``drained``).
    """

    TIMELINE_SHARE = 0.3  # complaints with a full timeline (every one gets its escalations)

    def __init__(self, *, now: dt.datetime, users: dict, seed: int = SEED):
        from complaints import roles
        from complaints.demo_complaints import CHANNELS, DEPARTMENT_OF, RESULTS, STORIES, UNHAPPY
        from complaints.models import Category, Department, DeskPolicy
        from complaints.services.sla import policies_by_severity, work_calendar
        from residents.models import Resident, Unit

        self.rng = random.Random(seed)
        self.now = now
        self.users = users
        self.table = policies_by_severity()
        self.calendar = work_calendar()
        self.desk_policy = DeskPolicy.current()
        self.stories, self.results, self.unhappy = STORIES, RESULTS, UNHAPPY
        self.channels = CHANNELS
        self.departments = {d.code: d.pk for d in Department.objects.all()}
        self.department_of = DEPARTMENT_OF
        self.leaves = [
            (c.pk, c.parent.code)
            for c in Category.objects.filter(parent__isnull=False).order_by("pk")
        ]
        heads = {"engineering": "eng_head", "security": "sec_head", "environment": "env_head"}
        heads["service"] = "svc_head"
        self.head_of = {self.departments[code]: users[name].pk for code, name in heads.items()}
        self.residents = [
            (*row[:4], str(row[4]), *row[5:])  # the phone as stored (E.164 text)
            for row in Resident.objects.order_by("pk").values_list(
                "pk",
                "unit_id",
                "unit__building__property_id",
                "name",
                "phone",
                "unit__building__number",
                "unit__stairway",
            )
        ]
        self.units = list(
            Unit.objects.order_by("pk").values_list(
                "pk", "building__property_id", "building__number", "stairway"
            )
        )
        self.regulars = self.rng.sample(self.residents, max(12, len(self.residents) // 40))
        self.level_roles = [roles.SUPERVISOR, roles.MANAGER, roles.GENERAL_MANAGER]
        self.gm_role = roles.GENERAL_MANAGER
        strictest = min(self.table.values(), key=lambda p: p.dispatch_minutes)
        self.dispatch_steps = strictest.steps("dispatch_escalation_minutes") or [0]
        self.resolve_steps = {s: p.steps("resolve_escalation_hours") for s, p in self.table.items()}
        self.role_users = {
            role: [
                u.pk
                for u in users.values()
                if not u.is_superuser and role in {g.name for g in u.groups.all()}
            ]
            for role in (*self.level_roles, roles.DEPARTMENT_HEAD)
        }
        self.seq = defaultdict(int)
        local_now = timezone_localtime(now)
        self.day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        from complaints.models import (
            Complaint,
            ComplaintEvent,
            Escalation,
            Notification,
            Revisit,
            WorkOrder,
        )

        self.tables = {
            model: Table(model, now=now)
            for model in (Complaint, WorkOrder, Revisit, Escalation, Notification, ComplaintEvent)
        }

    # -- one complaint ------------------------------------------------------------------
    def _pick(self, weighted):
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def _received_at(self) -> dt.datetime:
        rng, now = self.rng, self.now
        if rng.random() < 0.03:  # this week's work, still moving
            return now - dt.timedelta(seconds=rng.uniform(60, 3 * 86400))
        day = timezone_localtime(now - dt.timedelta(days=rng.uniform(0, 365))).date()
        hour = rng.choices(HOURS, weights=HOUR_WEIGHTS)[0]
        moment = make_aware_local(
            dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))
        )
        if moment >= now:
            moment = now - dt.timedelta(minutes=rng.uniform(1, 240))
        return moment

    def plan(self) -> dict:
        """Fields and dependants of one complaint (nothing saved)."""
        rng, now = self.rng, self.now
        desk, supervisor = self.users["frontdesk"].pk, self.users["supervisor"].pk
        received = self._received_at()
        period = timezone_localtime(received).strftime("%Y%m")
        self.seq[period] += 1
        leaf_id, root = rng.choice(self.leaves)
        text, demand = rng.choice(self.stories[root])
        f = {
            "number": f"TS-{period}-{self.seq[period]:04d}",
            "channel": self._pick(self.channels),
            "received_at": received,
            "occurred_at": received - dt.timedelta(hours=rng.randrange(1, 72)),
            "description": text,
            "demand": demand,
            "category_id": leaf_id,
            "received_by_id": desk,
            "dispatch_due_at": None,
        }
        if rng.random() < 0.88:
            pool = self.regulars if rng.random() < 0.12 else self.residents
            rid, unit_id, estate_id, name, phone, building, stair = rng.choice(pool)
            anonymous = rng.random() < 0.04
            f.update(
                resident_id=None if anonymous else rid,
                unit_id=unit_id,
                estate_id=estate_id,
                is_anonymous=anonymous,
                contact_name="匿名" if anonymous else name,
                contact_phone=phone,
            )
        else:  # someone not in the registry (a visitor, a new tenant)
            unit_id, estate_id, building, stair = rng.choice(self.units)
            f.update(
                unit_id=unit_id if rng.random() < 0.5 else None,
                estate_id=estate_id,
                contact_name="访客" + str(rng.randrange(100)),
                contact_phone=f"+86139{rng.randrange(10**8):08d}",
            )
        f["location"] = f"{building}栋{stair}单元"
        if rng.random() < 0.03:
            f["economic_loss"] = Decimal(rng.randrange(50, 5000))
        if rng.random() < 0.15:
            f["repeat_level"] = self._pick([("intermediate", 70), ("advanced", 30)])

        events, orders, revisits = [], [], []
        timeline = rng.random() < self.TIMELINE_SHARE

        def event(kind, at, actor, from_state="", to_state="", note="", order=None):
            if timeline:
                events.append((kind, at, actor, from_state, to_state, note, order))

        event("created", received, desk, to_state="received", note="电话")
        state = "received"
        clock = {"moment": received}
        stalls = rng.random() < 0.08

        def later(low, high):
            if stalls and clock["moment"] > received and rng.random() < 0.5:
                return None
            moment = clock["moment"] + dt.timedelta(minutes=rng.uniform(low, high))
            if moment >= now:
                return None
            clock["moment"] = moment
            return moment

        def finish():
            return self._finish(f, state, events, orders, revisits, timeline)

        if now - received < dt.timedelta(minutes=30) and rng.random() < 0.7:
            return finish()
        when = later(2, 25 if rng.random() < 0.85 else 90)
        if when is None:
            return finish()
        severity = self._pick([("minor", 62), ("important", 30), ("major", 8)])
        invalid = rng.random() < 0.06
        f.update(
            severity=severity,
            validity="invalid" if invalid else ("assist" if rng.random() < 0.1 else "valid"),
            responsibility=self._pick([("class1", 80), ("class2", 12), ("class3", 8)]),
            confirmed_at=when,
        )
        if severity == "minor" and rng.random() < 0.1:
            f["requested_deadline"] = received + dt.timedelta(hours=rng.randrange(12, 72))
        if rng.random() < 0.005:
            f["is_special"] = True
            f["severity"] = "major"
        state = "confirmed"
        event("classified", when, desk, note=f["severity"])
        event("transition", when, desk, "received", "confirmed")
        if invalid:
            f["explanation"] = "经核实不属于物业服务范围，已向业主耐心解释"
            when = later(30, 600)
            if when:
                state = "closed"
                f.update(closed_at=when, answered_at=when)
                event("transition", when, desk, "confirmed", "closed", f["explanation"])
            return finish()
        department = self.departments[self.department_of[root]]
        head = self.head_of[department]
        f.update(department_id=department, dispatched_at=when)
        orders.append({"department_id": department, "dispatched_at": when, "is_rework": False})
        event("dispatched", when, desk, note="派工", order=len(orders) - 1)
        for round_ in range(3):
            order = orders[-1]
            when = later(3, 40 if rng.random() < 0.8 else 300)
            if when is None:
                return finish()
            order.update(status="signed", signed_at=when, signed_by_id=head)
            event("signed", when, head, order=len(orders) - 1)
            if state == "confirmed":
                when = later(30, 600)
                if when is None:
                    return finish()
                state = "investigated"
                f["investigation_plan"] = "已到现场查看，制定处理方案并告知业主"
                f.setdefault("answered_at", when)
                event("transition", when, head, "confirmed", "investigated", order=len(orders) - 1)
            budget = {"minor": 2, "important": 3, "major": 10}[f["severity"]] * 24 * 60
            when = later(60, int(budget * (1.6 if rng.random() < 0.12 else 0.8)))
            if when is None:
                return finish()
            state = "resolved"
            f.update(resolved_at=when, result_note=rng.choice(self.results))
            order.update(status="done", finished_at=when)
            event("transition", when, head, "investigated", "resolved", f["result_note"])
            when = later(60, 12 * 60)
            if when is None:
                return finish()
            unhappy = round_ < 2 and rng.random() < 0.08
            satisfaction = (
                "unsatisfied" if unhappy else self._pick([("satisfied", 85), ("basic", 15)])
            )
            revisits.append(
                {
                    "method": self._pick([("phone", 80), ("visit", 15), ("online", 5)]),
                    "satisfaction": satisfaction,
                    "comment": rng.choice(self.unhappy) if unhappy else "",
                    "at": when,
                }
            )
            event("revisit", when, supervisor, note=satisfaction)
            if unhappy:
                state = "investigated"
                f.update(resolved_at=None, result_note="")
                event("transition", when, supervisor, "resolved", "investigated")
                orders.append(
                    {"department_id": department, "dispatched_at": when, "is_rework": True}
                )
                event("dispatched", when, supervisor, note="返工", order=len(orders) - 1)
                continue
            state = "revisited"
            event("transition", when, supervisor, "resolved", "revisited")
            break
        if state == "revisited":
            when = later(60, 3 * 24 * 60)
            if when:
                state = "closed"
                f["closed_at"] = when
                event("transition", when, supervisor, "revisited", "closed")
        return finish()

    def _finish(self, f, state, events, orders, revisits, timeline) -> dict:
        """Deadlines, reminders, the month rule and the escalation history up to ``now``."""
        from complaints.services.sla import (
            dispatch_due,
            reminder_times,
            schedule_classified,
            schedule_reminders,
        )

        now, rng = self.now, self.rng
        # What schedule_classified and friends read and write, without a model instance.
        c = SimpleNamespace(
            pk=None,
            state=state,
            severity=f.get("severity", ""),
            validity=f.get("validity", ""),
            received_at=f["received_at"],
            requested_deadline=f.get("requested_deadline"),
            confirmed_at=f.get("confirmed_at"),
            dispatched_at=f.get("dispatched_at"),
            answered_at=f.get("answered_at"),
            resolved_at=f.get("resolved_at"),
            closed_at=f.get("closed_at"),
            department_id=f.get("department_id"),
            resolve_due_at=None,
            answer_due_at=None,
            reminder_at=None,
            reminders_sent=0,
            resolve_level=0,
            management_told=False,
        )
        c.dispatch_due_at = dispatch_due(c.received_at, self.table)
        if c.severity:
            schedule_classified(c, table=self.table, calendar=self.calendar)
        is_open = state != "closed"
        unresolved = c.resolved_at is None
        end = now if is_open else c.closed_at
        esc = []  # (clock, level, role, due_at, escalated_at)

        def add(clock, level, role, due_at, at):
            esc.append((clock, level, role, due_at, min(at, now - dt.timedelta(seconds=1))))

        original = c.severity
        month_days = self.desk_policy.auto_major_days
        if (
            is_open
            and unresolved
            and c.validity == "valid"
            and c.severity != "major"
            and c.received_at <= now - dt.timedelta(days=month_days)
        ):
            c.severity = "major"  # what the sweep's month rule did
            due = c.received_at + dt.timedelta(days=month_days)
            add("month", 1, self.gm_role, due, due + dt.timedelta(minutes=1))
        for level, minutes in enumerate(self.dispatch_steps[:3], start=1):
            step = c.dispatch_due_at + dt.timedelta(minutes=minutes)
            if step <= (c.dispatched_at or end):
                add("dispatch", level, self.level_roles[level - 1], c.dispatch_due_at, step)
        if c.confirmed_at:
            # Told once per class it had (the month rule re-tells the general manager), as the
            # sweep's management_told marker records.
            for severity in dict.fromkeys([original, c.severity]):
                policy = self.table.get(severity)
                if policy is not None and policy.notify_role:
                    due = c.received_at + dt.timedelta(minutes=policy.notify_within_minutes or 600)
                    add("notify", 1, policy.notify_role, due, c.confirmed_at)
                    c.management_told = True
        if c.answer_due_at and c.answer_due_at <= (c.answered_at or end):
            add("answer", 1, self.gm_role, c.answer_due_at, c.answer_due_at)
        if c.resolve_due_at:
            for level, hours in enumerate(self.resolve_steps.get(c.severity, [])[:3], start=1):
                step = c.resolve_due_at + dt.timedelta(hours=hours)
                if step <= (c.resolved_at or end):
                    add("resolve", level, self.level_roles[level - 1], c.resolve_due_at, step)
                    c.resolve_level = level
            policy = self.table[c.severity]
            times = reminder_times(c, policy)
            if is_open and unresolved:
                schedule_reminders(c, policy, sent=sum(1 for t in times if t <= now))
            else:
                c.reminder_at = None
                c.reminders_sent = sum(1 for t in times if t <= (c.resolved_at or end))
        else:
            c.reminder_at = None
        # Departments report daily on every signed work order: today's report is in.
        progress = None
        if is_open and unresolved and orders and orders[-1].get("status") == "signed":
            progress = self.day_start + (now - self.day_start) * rng.uniform(0.05, 0.95)
        for name in (
            "severity",
            "dispatch_due_at",
            "resolve_due_at",
            "answer_due_at",
            "reminder_at",
            "reminders_sent",
            "resolve_level",
            "management_told",
        ):
            f[name] = getattr(c, name)
        f["state"] = state
        return {
            "complaint": f,
            "events": events,
            "orders": orders,
            "revisits": revisits,
            "escalations": esc,
            "progress": progress,
        }

    # -- a batch ------------------------------------------------------------------------
    def load(self, count: int) -> None:
        from django.db import transaction

        done = 0
        while done < count:
            size = min(BATCH, count - done)
            plans = [self.plan() for _ in range(size)]
            with transaction.atomic():
                self._insert(plans)
            done += size
        for table in self.tables.values():
            table.reset_sequence()

    def _insert(self, plans) -> None:
        from complaints.models import (
            Complaint,
            ComplaintEvent,
            Escalation,
            Notification,
            Revisit,
            WorkOrder,
        )

        now, rng = self.now, self.rng
        desk, supervisor = self.users["frontdesk"].pk, self.users["supervisor"].pk
        t = self.tables
        for p in plans:
            c = p["complaint"]
            pk = t[Complaint].add(c)
            order_ids = [
                t[WorkOrder].add(
                    {
                        "complaint_id": pk,
                        "department_id": o["department_id"],
                        "status": o.get("status", "pending"),
                        "is_rework": o["is_rework"],
                        "dispatched_by_id": desk,
                        "dispatched_at": o["dispatched_at"],
                        "signed_by_id": o.get("signed_by_id"),
                        "signed_at": o.get("signed_at"),
                        "finished_at": o.get("finished_at"),
                    }
                )
                for o in p["orders"]
            ]
            for r in p["revisits"]:
                t[Revisit].add({"complaint_id": pk, "by_id": supervisor, **r})
            for clock, level, role, due_at, at in p["escalations"]:
                escalation = t[Escalation].add(
                    {
                        "complaint_id": pk,
                        "clock": clock,
                        "level": level,
                        "role": role,
                        "due_at": due_at,
                        "escalated_at": at,
                    }
                )
                recipients = list(self.role_users.get(role, []))
                department = c.get("department_id")
                if department and (clock == "answer" or (clock == "resolve" and level == 1)):
                    recipients.append(self.head_of[department])
                message = f"{c['number']}: {clock} L{level}"
                old = now - at > dt.timedelta(days=3)
                for user_id in recipients:
                    read = old or rng.random() < 0.5
                    t[Notification].add(
                        {
                            "recipient_id": user_id,
                            "complaint_id": pk,
                            "escalation_id": escalation,
                            "message": message,
                            "created_at": at,
                            "delivered_at": at + dt.timedelta(seconds=20),
                            "attempts": 1,
                            "read_at": min(now, at + dt.timedelta(hours=2)) if read else None,
                        }
                    )
                if clock not in ("reminder", "notify"):
                    t[ComplaintEvent].add(
                        {"complaint_id": pk, "kind": "escalated", "at": at, "note": message}
                    )
            for kind, at, actor, from_state, to_state, note, order in p["events"]:
                t[ComplaintEvent].add(
                    {
                        "complaint_id": pk,
                        "kind": kind,
                        "actor_id": actor,
                        "at": at,
                        "from_state": from_state,
                        "to_state": to_state,
                        "note": note,
                        "work_order_id": order_ids[order] if order is not None else None,
                    }
                )
            if p["progress"] is not None:
                t[ComplaintEvent].add(
                    {
                        "complaint_id": pk,
                        "kind": "progress",
                        "actor_id": self.head_of[c["department_id"]],
                        "at": p["progress"],
                        "note": "今日进展：材料已订购",
                        "work_order_id": order_ids[-1],
                    }
                )
        for table in t.values():  # in dependency order (dicts keep insertion order)
            table.flush()

    def save_sequences(self) -> None:
        from complaints.models import ComplaintSequence

        for period, value in self.seq.items():
            ComplaintSequence.objects.update_or_create(
                period=period, defaults={"last_value": value}
            )


def timezone_localtime(value):
    from django.utils import timezone

    return timezone.localtime(value)


def make_aware_local(value):
    from django.utils import timezone

    return timezone.make_aware(value)


# --- the run --------------------------------------------------------------------------------
class Bench:
    def __init__(self, args, env_info):
        self.args = args
        self.env_info = env_info
        self.results: dict = {
            "measurements": {},
            "small": {},
            "notes": [],
            "load": {},
            "volumes": {},
        }
        self.rng = random.Random(SEED + 1)

    # helpers ------------------------------------------------------------------------------
    def note(self, text: str) -> None:
        print("  note:", text, flush=True)
        self.results["notes"].append(text)

    def record(self, key, label, fn, *, small=False, reps=None, extra=None, **kw):
        reps = reps or (3 if small else self.args.reps)
        target = self.results["small" if small else "measurements"]
        try:
            if small:
                out, _ = measure(fn, reps=reps, memory=False, **kw)
            else:
                out, _ = measure(fn, reps=reps, **kw)
        except Exception as exc:
            target[key] = {"label": label, "error": f"{type(exc).__name__}: {exc}"}
            print(f"  {label}: FAILED {exc!r}", flush=True)
            return None
        out["label"] = label
        out.update(extra or {})
        target[key] = out
        print(
            f"  {label}: median {out['median_ms']:.1f} ms, p95 {out['p95_ms']:.1f} ms, "
            f"{out.get('queries', '?')} queries"
            + (f", peak {out['peak_mb']:.1f} MB" if "peak_mb" in out else ""),
            flush=True,
        )
        return out

    def client(self, username):
        from django.test import Client

        client = Client(SERVER_NAME="localhost")
        client.force_login(self.users[username])
        return client

    # steps --------------------------------------------------------------------------------
    def setup_database(self):
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        t = time.perf_counter()
        logging.getLogger("kombu").setLevel(logging.ERROR)
        call_command("migrate", verbosity=0, interactive=False)
        self.results["load"]["migrate_s"] = time.perf_counter() - t
        self.vendor = connection.vendor
        # Settings were loaded with DEBUG=true (no SECRET_KEY, no collectstatic needed);
        # measure without the debug cursor and debug templates, as in production.
        settings.DEBUG = False

    def seed(self):
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from complaints.demo import seed_staff
        from residents.demo import seed_registry

        t = time.perf_counter()
        seed_registry()
        seed_staff()
        properties = max(1, round(self.args.complaints / 2000))
        seed_more_properties(properties, random.Random(SEED + 2))
        self.users = {
            u.username: u for u in get_user_model().objects.prefetch_related("groups").all()
        }
        self.results["load"]["registry_s"] = time.perf_counter() - t
        self.results["properties"] = properties
        self.now = timezone.now().replace(microsecond=0)
        self.results["sweep_now"] = self.now.isoformat()
        self.loader = Loader(now=self.now, users=self.users)

    def load(self, count, stage):
        t = time.perf_counter()
        self.loader.load(count)
        self.loader.save_sequences()
        seconds = time.perf_counter() - t
        self.analyze()
        self.results["load"][stage] = {"complaints": count, "seconds": seconds}
        print(f"  loaded {count} complaints in {seconds:.1f} s", flush=True)

    def analyze(self):
        from django.db import connection

        if connection.vendor == "postgresql":  # what autovacuum would do soon after a load
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def drain(self, stage):
        """A sweep at the load's moment should find nothing; if it does, run it out."""
        from complaints.services.sla import sla_sweep

        drained = 0
        for _ in range(20):
            result = sla_sweep(now=self.now)
            drained += result.escalations
            if not result.escalations:
                break
        self.results["load"][f"drained_{stage}"] = drained
        if drained:
            self.note(f"after the {stage} load the sweep still found {drained} breaches (drained)")

    def volumes(self):
        from complaints.models import (
            Complaint,
            ComplaintEvent,
            Escalation,
            Notification,
            Revisit,
            WorkOrder,
        )
        from residents.models import Resident, Unit

        open_ = Complaint.objects.open()
        v = {
            "complaints": Complaint.objects.count(),
            "open": open_.count(),
            "open, overdue": open_.filter(
                resolved_at__isnull=True, resolve_due_at__lt=self.now
            ).count(),
            "work orders": WorkOrder.objects.count(),
            "timeline events": ComplaintEvent.objects.count(),
            "revisits": Revisit.objects.count(),
            "escalations": Escalation.objects.count(),
            "notifications": Notification.objects.count(),
            "units": Unit.objects.count(),
            "residents": Resident.objects.count(),
        }
        self.results["volumes"] = v
        return v

    def pick_targets(self):
        """A number, a phone and a complaint page that exist in the (first tenth of the) data."""
        from complaints.models import Complaint, ComplaintEvent

        rng = self.rng
        ids = list(Complaint.objects.order_by("pk").values_list("pk", flat=True))
        self.target_number = Complaint.objects.get(pk=rng.choice(ids)).number
        phone = (
            Complaint.objects.filter(pk=rng.choice(ids), resident__isnull=False)
            .values_list("contact_phone", flat=True)
            .first()
        ) or Complaint.objects.filter(resident__isnull=False).values_list(
            "contact_phone", flat=True
        )[0]
        self.target_phone = str(phone).removeprefix("+86")
        self.target_detail = (
            ComplaintEvent.objects.filter(kind="revisit", complaint__state="closed")
            .order_by("complaint_id")
            .values_list("complaint_id", flat=True)
            .first()
        ) or ids[0]
        self.results["targets"] = {
            "number": self.target_number,
            "phone": self.target_phone,
            "detail_pk": self.target_detail,
        }

    def pages(self, *, small: bool):
        from django.urls import reverse

        from complaints import selectors

        manager = self.client("manager")
        searches = [
            ("list_p1", "Search: no query, page 1", "", 1),
            ("list_p50", "Search: no query, page 50", "", 50),
            ("search_number", "Search: ?q=<number>", self.target_number, 1),
            ("search_phone", "Search: ?q=<phone>", self.target_phone, 1),
            ("search_room", "Search: ?q=3-2-1201", "3-2-1201", 1),
            ("search_text_p1", "Search: ?q=电梯 (free text), page 1", "电梯", 1),
            ("search_text_p50", "Search: ?q=电梯 (free text), page 50", "电梯", 50),
        ]
        for key, label, q, page in searches:
            url = reverse("complaint-list") + "?" + (f"q={q}&" if q else "") + f"page={page}"
            matches = selectors.complaints_search(
                self.users["manager"], selectors.SearchParams(q=q)
            ).count()
            self.record(key, label, get(manager, url), small=small, extra={"matches": matches})
        for key, label, who in [
            ("desk_frontdesk", "Desk (GET /): front desk", "frontdesk"),
            ("desk_head", "Desk (GET /): department head (工程部)", "eng_head"),
            ("desk_manager", "Desk (GET /): manager", "manager"),
        ]:
            self.record(key, label, get(self.client(who), reverse("home")), small=small)
        self.record(
            "detail",
            "Complaint page (closed, full timeline)",
            get(manager, reverse("complaint-detail", args=[self.target_detail])),
            small=small,
        )
        self.record(
            "admin_changelist",
            "Admin changelist /admin/complaints/complaint/",
            get(manager, reverse("admin:complaints_complaint_changelist")),
            small=small,
        )
        self.statistics(manager, small=small)

    def statistics(self, client, *, small: bool):
        try:
            from django.urls import reverse
            from django.utils import timezone

            from complaints.models import Complaint
            from reporting import periods
            from reporting.selectors import monthly_statistics
        except Exception as exc:
            if not small:
                self.note(f"monthly statistics skipped: reporting does not import ({exc!r})")
            return
        month = periods.previous_month(timezone.localdate(self.now))
        start, end = periods.month_bounds(month, timezone.get_default_timezone())
        in_month = Complaint.objects.filter(received_at__gte=start, received_at__lt=end).count()
        manager = self.users["manager"]

        def selector():
            return monthly_statistics(
                month=month, complaints=Complaint.objects.visible_to(manager), now=self.now
            )

        label = f"Monthly statistics selector ({periods.month_label(month)}, {in_month} complaints)"
        self.record("stats_selector", label, selector, small=small)
        try:
            url = reverse("admin:reporting_monthlystatistics_changelist")
        except Exception as exc:
            if not small:
                self.note(f"monthly statistics page skipped: {exc!r}")
            return
        self.record(
            "stats_page",
            "Monthly statistics page (admin)",
            get(client, f"{url}?month={periods.month_label(month)}"),
            small=small,
        )

    def sweep_idle(self, *, small: bool):
        from complaints.services.sla import sla_sweep

        key = "sweep_idle"
        label = "SLA sweep, nothing due"

        def fn():
            result = sla_sweep(now=self.now)
            if result.escalations:
                raise BenchError(f"sweep found {result.escalations} breaches, expected none")
            return result

        self.record(key, label, fn, small=small, reps=5, explain_ms=20)

    def sweep_due(self, k: int):
        """k breaches made due by moving deadlines into the past; timed, then undone."""
        from django.db import connection
        from django.db.models import Q

        from complaints.models import Complaint, ComplaintEvent, Escalation
        from complaints.services.sla import sla_sweep

        now = self.now
        open_ = ~Q(state="closed")
        dispatch_pool = list(
            Complaint.objects.filter(open_, dispatched_at__isnull=True).values_list(
                "pk", "dispatch_due_at"
            )
        )
        resolve_pool = list(
            Complaint.objects.filter(
                open_,
                resolved_at__isnull=True,
                resolve_due_at__gt=now,
                received_at__gt=now - dt.timedelta(days=29),
            ).values_list("pk", "resolve_due_at")
        )
        k_dispatch = min(k // 10, len(dispatch_pool))
        k_resolve = min(k - k_dispatch, len(resolve_pool))
        if k_dispatch + k_resolve < k:
            self.note(f"only {k_dispatch + k_resolve} of {k} due items could be arranged")

        def arrange():
            d = self.rng.sample(dispatch_pool, k_dispatch)
            r = self.rng.sample(resolve_pool, k_resolve)
            Complaint.objects.filter(pk__in=[pk for pk, _ in d]).update(
                dispatch_due_at=now - dt.timedelta(minutes=30)
            )
            Complaint.objects.filter(pk__in=[pk for pk, _ in r]).update(
                resolve_due_at=now - dt.timedelta(hours=1)
            )
            return d, r

        def undo(d, r):
            # Back to the loaded history: the sweep's escalations, and the marker it moved.
            Complaint.objects.filter(pk__in=[pk for pk, _ in r]).update(resolve_level=0)
            Escalation.objects.filter(escalated_at=now).delete()
            ComplaintEvent.objects.filter(kind="escalated", at=now).delete()
            Complaint.objects.bulk_update(
                [Complaint(pk=pk, dispatch_due_at=v) for pk, v in d], ["dispatch_due_at"]
            )
            Complaint.objects.bulk_update(
                [Complaint(pk=pk, resolve_due_at=v) for pk, v in r], ["resolve_due_at"]
            )

        times, cpu, counts, found = [], [], [], []
        reps = 3
        for i in range(reps + 2):  # timed reps, then one counting queries, one for memory
            d, r = arrange()
            counter = QueryCounter()
            gc.collect()
            if i == reps + 1:
                tracemalloc.start()
            start, start_cpu = time.perf_counter(), time.process_time()
            if i == reps:
                with connection.execute_wrapper(counter):
                    result = sla_sweep(now=now)
            else:
                result = sla_sweep(now=now)
            elapsed = (time.perf_counter() - start) * 1000
            elapsed_cpu = (time.process_time() - start_cpu) * 1000
            if i == reps + 1:
                peak = tracemalloc.get_traced_memory()[1] / 1048576
                tracemalloc.stop()
            elif i == reps:
                counts.append(counter.count)
            else:
                times.append(elapsed)
                cpu.append(elapsed_cpu)
            found.append(result.escalations)
            undo(d, r)
        out = {
            "label": f"SLA sweep, {k} due ({k_dispatch} dispatch + {k_resolve} resolution)",
            "median_ms": statistics.median(times),
            "p95_ms": pct(times, 95),
            "min_ms": min(times),
            "cpu_ms": statistics.median(cpu),
            "reps": reps,
            "queries": counts[0],
            "peak_mb": peak,
            "escalations": found[0],
            "per_item_ms": statistics.median(times) / max(1, found[0]),
        }
        if len(set(found)) != 1 or found[0] != k_dispatch + k_resolve:
            self.note(f"sweep with {k} due recorded {found} escalations per run")
        self.results["measurements"][f"sweep_due_{k}"] = out
        print(
            f"  {out['label']}: median {out['median_ms']:.0f} ms, {out['queries']} queries, "
            f"{found[0]} escalations, peak {peak:.1f} MB",
            flush=True,
        )

    def services(self):
        """The real path, one call at a time: complaint_create, then confirm (+ dispatch)."""
        from complaints.models import Category, Department
        from complaints.services import complaint_confirm, complaint_create
        from residents.models import Resident

        rng = self.rng
        desk, supervisor = self.users["frontdesk"], self.users["supervisor"]
        residents = list(
            Resident.objects.select_related("unit__building__property").order_by("pk")[::25]
        )
        leaves = list(Category.objects.filter(parent__isnull=False).select_related("parent"))
        departments = {d.code: d for d in Department.objects.all()}

        def create():
            resident = rng.choice(residents)
            return complaint_create(
                by=desk,
                channel="phone",
                description="楼道声控灯坏了好几天，晚上回家看不见",
                demand="今天之内修好",
                contact_name=resident.name,
                contact_phone=resident.phone,
                resident=resident,
                category=rng.choice(leaves),
                location="3栋2单元",
            )

        def confirm(c):
            code = self.loader.department_of[c.category.parent.code]
            return complaint_confirm(
                complaint=c,
                by=supervisor,
                severity="minor",
                category=c.category,
                validity="valid",
                responsibility="class1",
                department=departments[code],
            )

        created = []
        self.calls("svc_create", "complaint_create (service path)", 200, create, created)
        self.calls(
            "svc_confirm", "complaint_confirm + dispatch (service path)", 100, confirm, created
        )

    def calls(self, key, label, calls, fn, pool):
        """Time ``calls`` single calls (after one warm-up), then one under tracemalloc.

        With ``pool`` empty, ``fn()`` makes objects and they are added to it; otherwise each
        call takes the next object of the pool as its argument."""
        from django.db import connection

        producing = not pool
        todo = iter(list(pool))

        def one():
            if producing:
                pool.append(fn())
            else:
                fn(next(todo))

        one()  # warm-up
        times, cpu, queries = [], [], []
        for _ in range(calls):
            counter = QueryCounter()
            gc.collect()
            with connection.execute_wrapper(counter):
                start, start_cpu = time.perf_counter(), time.process_time()
                one()
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            queries.append(counter.count)
        tracemalloc.start()
        one()
        peak = tracemalloc.get_traced_memory()[1] / 1048576
        tracemalloc.stop()
        out = {
            "label": f"{label}, per call ({calls} calls)",
            "median_ms": statistics.median(times),
            "mean_ms": statistics.fmean(times),
            "p95_ms": pct(times, 95),
            "min_ms": min(times),
            "cpu_ms": statistics.fmean(cpu),
            "reps": calls,
            "queries": round(statistics.fmean(queries), 1),
            "peak_mb": peak,
        }
        self.results["measurements"][key] = out
        print(
            f"  {out['label']}: mean {out['mean_ms']:.1f} ms, p95 {out['p95_ms']:.1f} ms, "
            f"{out['queries']} queries/call",
            flush=True,
        )

    def machine(self):
        import django
        import psycopg
        from django.db import connection

        cpu = ""
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        try:
            mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        except (OSError, TypeError):
            mem_kb = 0
        if connection.vendor == "sqlite":
            import sqlite3

            db = f"SQLite {sqlite3.sqlite_version}"
        else:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                db = f"PostgreSQL {cursor.fetchone()[0]} (psycopg {psycopg.__version__})"
        self.results["machine"] = {
            "nproc": os.cpu_count(),
            "cpu": cpu,
            "memory_gb": round(mem_kb / 1048576, 1),
            "os": platform.platform(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": db,
        }

    def run(self):
        n = self.args.complaints
        small = n // 10
        started = time.perf_counter()
        self.results.update(
            {
                "n": n,
                "n_small": small,
                "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            }
        )
        self.results["loadavg"] = {"start": os.getloadavg()}
        print("migrating…", flush=True)
        self.setup_database()
        self.results["backend"] = self.vendor
        self.machine()
        print("registry and staff…", flush=True)
        self.seed()
        print(f"loading {small} complaints (N/10)…", flush=True)
        self.load(small, "stage1")
        self.drain("stage1")
        self.pick_targets()
        print("measuring at N/10…", flush=True)
        self.sweep_idle(small=True)
        self.pages(small=True)
        print(f"loading {n - small} more complaints (to N={n})…", flush=True)
        self.load(n - small, "stage2")
        self.drain("stage2")
        print("volumes:", self.volumes(), flush=True)
        print("measuring at N…", flush=True)
        self.results["loadavg"]["measuring at N"] = os.getloadavg()
        self.sweep_idle(small=False)
        self.pages(small=False)
        for k in (100, 1000):
            self.sweep_due(k)
        print("service path…", flush=True)
        self.services()
        self.results["loadavg"]["end"] = os.getloadavg()
        self.results["duration_s"] = time.perf_counter() - started


def get(client, url):
    def fn():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url} → {response.status_code}")
        return response

    return fn


# --- the report -----------------------------------------------------------------------------
ORDER = [
    "list_p1",
    "list_p50",
    "search_number",
    "search_phone",
    "search_room",
    "search_text_p1",
    "search_text_p50",
    "desk_frontdesk",
    "desk_head",
    "desk_manager",
    "detail",
    "admin_changelist",
    "stats_selector",
    "stats_page",
    "sweep_idle",
    "sweep_due_100",
    "sweep_due_1000",
    "svc_create",
    "svc_confirm",
]
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
INTERPRETATION_START = "<!-- interpretation:start -->"
INTERPRETATION_END = "<!-- interpretation:end -->"


def fmt(value, digits=0):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def load_results() -> list[dict]:
    runs = []
    for name in ("sqlite", "postgresql"):
        path = OUT / f"results-{name}.json"
        if path.exists():
            runs.append(json.loads(path.read_text()))
    return runs


def _m(run, key, small=False):
    m = (run["small"] if small else run["measurements"]).get(key)
    return None if m is None or "error" in m else m


def _queries(m):
    if m is None or m.get("queries") is None:
        return "—"
    return fmt(m["queries"], 1) if isinstance(m["queries"], float) else fmt(m["queries"])


def render_report(runs: list[dict]) -> str:
    old = REPORT.read_text() if REPORT.exists() else ""
    kept = ""
    if INTERPRETATION_START in old and INTERPRETATION_END in old:
        kept = old.split(INTERPRETATION_START, 1)[1].split(INTERPRETATION_END, 1)[0].strip("\n")
    names = [BACKEND_NAMES.get(r["backend"], r["backend"]) for r in runs]
    lines = [
        "# Benchmark report",
        "",
        "Generated by `bench/run.py` (how to run it: `bench/README.md`). The interpretation at "
        "the end is written by hand and kept when the report is regenerated.",
        "",
        "## Machine and runs",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(runs),
    ]

    def loadavg(r):
        la = r.get("loadavg", {})
        return ", ".join(f"{k} {v[0]:.1f}" for k, v in la.items())

    rows = [
        ("date", lambda r: r["date"]),
        ("complaints (N)", lambda r: fmt(r["n"])),
        ("CPU", lambda r: f"{r['machine']['nproc']} × {r['machine']['cpu']}"),
        ("memory", lambda r: f"{r['machine']['memory_gb']} GB"),
        ("OS", lambda r: r["machine"]["os"]),
        ("Python / Django", lambda r: f"{r['machine']['python']} / {r['machine']['django']}"),
        ("database", lambda r: r["machine"]["database"]),
        ("load average (1 min)", loadavg),
        ("migrate", lambda r: f"{r['load']['migrate_s']:.0f} s"),
        (
            "bulk load N/10, then the rest",
            lambda r: (
                f"{r['load']['stage1']['seconds']:.0f} s + {r['load']['stage2']['seconds']:.0f} s"
            ),
        ),
        (
            "breaches a sweep found right after each load (0 = consistent history)",
            lambda r: (
                f"{r['load'].get('drained_stage1', '?')} / {r['load'].get('drained_stage2', '?')}"
            ),
        ),
        ("whole run", lambda r: f"{r['duration_s'] / 60:.1f} min"),
    ]
    for label, value in rows:
        lines.append(f"| {label} | " + " | ".join(value(r) for r in runs) + " |")
    lines += [
        "",
        "The machine is shared: other jobs (test suites) ran at the same time, so wall times "
        "carry noise of a few tens of per cent; the CPU column (process time of this Python "
        "process, which for SQLite includes the database engine) is steadier.",
        "",
        "## Data set at N",
        "",
        "| rows | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for key in list(runs[0]["volumes"]) if runs else []:
        lines.append(f"| {key} | " + " | ".join(fmt(r["volumes"].get(key)) for r in runs) + " |")
    lines.append(
        "| properties (1 demo + generated) | "
        + " | ".join(fmt(r["properties"]) for r in runs)
        + " |"
    )
    lines += [
        "",
        "Complaints are spread over the last 12 months (3 % in the last three days) in every "
        "state, class, category, channel and department, with a work order for every dispatch "
        "(rework included), revisits, a full timeline for 30 %, today's progress report on "
        "every signed work order, and the escalation history (with notifications, mostly read) "
        "that the sweep would have recorded by the moment of the load, so that a sweep at that "
        "moment finds nothing due. Deadlines come from the app's own `dispatch_due`, "
        "`schedule_classified` and `schedule_reminders`. The demo registry (1 property) is "
        "extended to one property per 2,000 complaints, each like the demo one (432 units, "
        "~200 residents).",
        "",
        "## Measurements at N",
        "",
        "Pages: median of 5 timed runs after one warm-up (p95 = nearest rank, so the slowest "
        "of the 5); *queries* from one more run under `CaptureQueriesContext` (the sweep and the "
        "services count with `connection.execute_wrapper`, which has no 9,000-query cap); "
        "*peak* = `tracemalloc` peak of Python allocations during one more run; *N/10* = median "
        "of 3 runs when only a tenth of the complaints was loaded, with its query count. "
        "Requests go through `django.test.Client` with `force_login` (full middleware, "
        "sessions, templates), with `DEBUG` off. ⚠ = slower than 500 ms.",
    ]
    for r, name in zip(runs, names, strict=True):
        lines += [
            "",
            f"### {name} ({r['machine']['database']}), N = {fmt(r['n'])}",
            "",
            "| measurement | median ms | p95 ms | CPU ms | N/10 ms | queries N/10 → N | peak MB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for key in ORDER:
            m = r["measurements"].get(key)
            if m is None:
                continue
            if "error" in m:
                lines.append(f"| {m['label']} | failed: {m['error']} | | | | | |")
                continue
            service = key.startswith("svc_")
            median = m["mean_ms"] if service else m["median_ms"]
            flag = " ⚠" if median > SLOW_PAGE_MS and not key.startswith(("sweep", "svc")) else ""
            small = _m(r, key, small=True)
            queries = _queries(m)
            if small is not None:
                queries = f"{_queries(small)} → {queries}"
            lines.append(
                f"| {m['label']} | "
                + " | ".join(
                    [
                        ("mean " if service else "") + fmt(median, 1) + flag,
                        fmt(m.get("p95_ms"), 1),
                        fmt(m.get("cpu_ms"), 1),
                        fmt(small["median_ms"], 1) if small else "—",
                        queries,
                        fmt(m.get("peak_mb"), 1),
                    ]
                )
                + " |"
            )
    if len(runs) > 1:
        lines += [
            "",
            "### Side by side (median ms at N; services: mean per call)",
            "",
            "| measurement | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(runs),
        ]
        labels = {}
        for r in runs:
            for key, m in r["measurements"].items():
                labels.setdefault(key, m.get("label", key))
        for key in ORDER:
            if key not in labels:
                continue
            cells = []
            for r in runs:
                m = _m(r, key)
                cells.append(
                    "—"
                    if m is None
                    else fmt(m["mean_ms" if key.startswith("svc_") else "median_ms"], 1)
                )
            lines.append(f"| {labels[key]} | " + " | ".join(cells) + " |")
    lines += ["", "## SLA sweep: what its cost follows", ""]
    lines += ["| sweep | " + " | ".join(names) + " |", "|---|" + "---:|" * len(runs)]

    def sweep_cell(r, key, small=False):
        m = _m(r, key, small)
        if m is None:
            return "—"
        extra = f", {m['escalations']} escalations" if "escalations" in m else ""
        return f"{m['median_ms']:.0f} ms ({m.get('queries', '?')} queries{extra})"

    lines.append(
        "| nothing due, N/10 | "
        + " | ".join(sweep_cell(r, "sweep_idle", True) for r in runs)
        + " |"
    )
    lines.append(
        "| nothing due, N | " + " | ".join(sweep_cell(r, "sweep_idle") for r in runs) + " |"
    )
    for k in (100, 1000):
        lines.append(
            f"| {k} due, N | " + " | ".join(sweep_cell(r, f"sweep_due_{k}") for r in runs) + " |"
        )
    per_item = []
    for r in runs:
        a, b = _m(r, "sweep_due_100"), _m(r, "sweep_due_1000")
        if a and b and b["escalations"] > a["escalations"]:
            slope = (b["median_ms"] - a["median_ms"]) / (b["escalations"] - a["escalations"])
            per_item.append(f"{slope:.1f} ms")
        else:
            per_item.append("—")
    lines.append("| marginal cost per due item | " + " | ".join(per_item) + " |")
    lines += [
        "",
        "Due items are made by moving deadlines into the past with `queryset.update` (a tenth "
        "dispatch deadlines of undispatched complaints, the rest resolution deadlines of open "
        "ones), so each yields exactly one escalation; after each run the escalations, their "
        "notifications and timeline rows are deleted and the deadlines restored. The sweep "
        "runs with `now` = the moment of the load. Its time includes queuing one Celery "
        "delivery task per escalation (filesystem broker).",
        "",
        "## Interpretation",
        "",
        INTERPRETATION_START,
        kept or "(not written yet)",
        INTERPRETATION_END,
    ]
    notes = [(name, n) for r, name in zip(runs, names, strict=True) for n in r["notes"]]
    if notes:
        lines += ["", "## Notes from the runs", ""]
        lines += [f"- {name}: {n}" for name, n in notes]
    lines += [
        "",
        "## Appendix: slowest queries and their plans",
        "",
        "The two slowest queries of every measurement at N, where they took "
        f"≥ {SLOW_QUERY_MS} ms, with their plans (SQLite: `EXPLAIN QUERY PLAN`; PostgreSQL: "
        "`EXPLAIN (ANALYZE, COSTS OFF)`); the idle sweep's from 20 ms. Long SQL is shortened in "
        "the middle.",
    ]
    for r, name in zip(runs, names, strict=True):
        for key in ORDER:
            m = _m(r, key)
            for q in (m or {}).get("slowest", []):
                if not q.get("explain"):
                    continue
                sql = q["sql"]
                if len(sql) > 900:
                    sql = sql[:450] + " … " + sql[-400:]
                lines += [
                    "",
                    f"### {name}: {m['label']} — {q['ms']} ms "
                    f"(of {m['sql_ms']:.0f} ms SQL in {m['queries']} queries)",
                    "",
                    "```sql",
                    sql,
                    "```",
                    "",
                    "```",
                    q["explain"],
                    "```",
                ]
    lines.append("")
    return "\n".join(lines)


def write_report() -> None:
    runs = load_results()
    if runs:
        REPORT.write_text(render_report(runs))
        print(f"wrote {REPORT.relative_to(ROOT)}")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.report_only:
        write_report()
        return 0
    info = configure_environment(args)
    if info["pg"]:
        pg_recreate(*info["pg"])
    ok = False
    try:
        import django

        django.setup()
        bench = Bench(args, info)
        bench.run()
        path = OUT / f"results-{bench.vendor}.json"
        path.write_text(json.dumps(bench.results, indent=1, default=str, ensure_ascii=False))
        print(f"wrote {path.relative_to(ROOT)} ({bench.results['duration_s']:.0f} s)")
        ok = True
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if not args.keep:
            if info["pg"]:
                pg_recreate(*info["pg"], drop_only=True)
            shutil.rmtree(info["var_dir"], ignore_errors=True)
        else:
            print(f"kept: {info['pg'][1] if info['pg'] else info['var_dir']}")
    if ok:
        write_report()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
