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
# The clocks make_due moves: each yields exactly one escalation when made due.
DUE_KINDS = ("dispatch", "answer", "resolve", "reminder", "revisit", "progress")

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
    parser.add_argument(
        "--sweep-only",
        action="store_true",
        help="only the SLA sweep (Step 6 section of REPORT.md): no pages, statistics, services",
    )
    parser.add_argument(
        "--sweep-due",
        default="",
        metavar="K,K",
        help="newly due clocks per measured sweep run (default 2000,50000 with --sweep-only, "
        "else 2000; a run above 5,000 is timed once and its peak RSS taken in a subprocess)",
    )
    parser.add_argument("--sweep-child", metavar="NOW", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        text = args.sweep_due or ("2000,50000" if args.sweep_only else "2000")
        args.sweep_due = [int(k) for k in text.split(",") if k.strip()]
    except ValueError:
        parser.error("--sweep-due takes numbers separated by commas, e.g. 2000,50000")
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

    Deadlines come from the engine's own ``complaints.sla.deadlines`` (``plan``, ``steps``,
    ``reminder_times``, ``next_look``), and every complaint gets the ``Clock`` rows the
    services would have written (stopped ones with ``next_at`` empty); every breach the sweep
    would record by ``now`` is recorded and each running clock's ``next_at`` is in the future,
    so a sweep at ``now`` finds nothing to do (checked after each load: see ``drained``).
    :meth:`Bench.make_due` then makes any number of them newly due with one ``UPDATE``.
    """

    TIMELINE_SHARE = 0.3  # complaints with a full timeline (every one gets its escalations)

    def __init__(self, *, now: dt.datetime, users: dict, seed: int = SEED):
        from complaints import roles
        from complaints.demo_complaints import CHANNELS, DEPARTMENT_OF, RESULTS, STORIES, UNHAPPY
        from complaints.models import Category, Department
        from complaints.sla.rules import Rules
        from residents.models import Resident, Unit

        self.rng = random.Random(seed)
        self.now = now
        self.users = users
        self.rules = Rules.load()
        self.categories = {c.pk: c for c in Category.objects.all()}
        from complaints.models import Complaint

        self.complaint_defaults = {
            f.attname: (None if f.null else f.get_default())
            for f in Complaint._meta.concrete_fields
            if not f.primary_key
        }
        self.stories, self.results, self.unhappy = STORIES, RESULTS, UNHAPPY
        self.channels = CHANNELS
        self.departments = {d.code: d.pk for d in Department.objects.all()}
        self.department_of = DEPARTMENT_OF
        # The demo's headings (with stories and a department each); headings added later by
        # migrations, that the demo has no stories for, are left out.
        self.leaves = [
            (c.pk, c.parent.code)
            for c in Category.objects.filter(parent__isnull=False)
            .select_related("parent")
            .order_by("pk")
            if c.parent.code in STORIES and c.parent.code in DEPARTMENT_OF
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
        self.head_role = roles.DEPARTMENT_HEAD
        self.supervisor_role = roles.SUPERVISOR
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
            Clock,
            Complaint,
            ComplaintEvent,
            Escalation,
            Notification,
            Revisit,
            WorkOrder,
        )

        self.tables = {
            model: Table(model, now=now)
            for model in (
                Complaint,
                WorkOrder,
                Revisit,
                Clock,
                Escalation,
                Notification,
                ComplaintEvent,
            )
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
            "is_urgent": rng.random() < 0.02,
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
        """Deadlines, running clocks and the escalation history up to ``now``.

        Deadlines come from the engine itself (``complaints.sla.deadlines.plan``, ``steps``,
        ``reminder_times``, ``next_look``); each clock is then taken through what the
        every-minute sweep would have done to it until it stopped (or until ``now``): its
        ``level``, its ``next_at`` (in the future, or empty once finished) and the escalations
        it raised.  A sweep at ``now`` therefore finds nothing due (checked: ``drain``).
        """
        from complaints.sla import deadlines

        now, rng, rules = self.now, self.rng, self.rules
        K = deadlines.K
        is_open = state != "closed"
        end = now if is_open else f["closed_at"]
        rework = [o["dispatched_at"] for o in orders if o["is_rework"]]
        if f.get("resolved_at"):  # the resident was told the result the same day
            from complaints import calendar as cal

            told = min(
                f["resolved_at"] + dt.timedelta(minutes=rng.uniform(10, 360)),
                cal.end_of_local_day(f["resolved_at"]),
                now - dt.timedelta(minutes=1),
            )
            if told > f["resolved_at"] and "result_told_at" in self.complaint_defaults:
                f["result_told_at"] = told
                f["result_told_by_id"] = f["received_by_id"]
        if "owner_id" in self.complaint_defaults:
            f["owner_id"] = f["received_by_id"]  # 首问负责: whoever received it
        # Every field the engine may read, with its default, then this complaint's values
        # (fields added to Complaint later are there too, with their defaults).
        c = SimpleNamespace(**{**self.complaint_defaults, **f})
        c.__dict__.update(
            pk=None,  # no extensions to look up
            state=state,
            severity=f.get("severity", ""),
            validity=f.get("validity", ""),
            received_at=f["received_at"],
            clocks_started_at=f["received_at"],
            is_urgent=f.get("is_urgent", False),
            category_id=f["category_id"],
            category=self.categories[f["category_id"]],
            requested_deadline=f.get("requested_deadline"),
            confirmed_at=f.get("confirmed_at"),
            dispatched_at=f.get("dispatched_at"),
            answered_at=f.get("answered_at"),
            resolved_at=f.get("resolved_at"),
            department_id=f.get("department_id"),
            rework_started_at=rework[-1] if rework else None,
            agreed_due_at=None,
            revisit_appointment_at=None,
        )
        esc = []  # (clock, level, role, due_at, escalated_at)
        seen = set()

        def add(kind, level, role, due_at, at):
            if (kind, level, due_at) not in seen:  # the escalations' unique key
                seen.add((kind, level, due_at))
                esc.append((kind, level, role, due_at, min(at, now - dt.timedelta(seconds=1))))

        clocks = {}  # kind -> (started_at, due_at, level, next_at)

        def stepped(kind, started, due, stop, active, roles_):
            """dispatch/answer/resolve/revisit: one level per step that came before ``stop``."""
            ladder = deadlines.steps(kind, c.severity, rules)
            level = 0
            while level < len(ladder) and due + ladder[level] <= stop:
                level += 1
                add(kind, level, roles_(level), due, due + ladder[level - 1])
            clock = SimpleNamespace(kind=kind, started_at=started, due_at=due, level=level)
            next_at = deadlines.next_look(clock, c.severity, rules, now) if active else None
            clocks[kind] = (started, due, level, next_at)

        def ladder_role(level):
            return self.level_roles[min(level, 3) - 1]

        # The one-month rule: a valid complaint unresolved a month after receipt became major
        # (through complaint_reclassify, which re-planned every deadline for the new class).
        original = c.severity
        month_due = c.received_at + dt.timedelta(days=rules.desk.auto_major_days)
        month_fired = (
            c.validity == "valid"
            and c.severity in ("minor", "important")
            and month_due <= (c.resolved_at or end)
        )
        if month_fired:
            c.severity = "major"
            add(K.MONTH, 1, self.gm_role, month_due, month_due + dt.timedelta(minutes=1))
            clocks[K.MONTH] = (c.received_at, month_due, 1, None)

        wanted = deadlines.plan(c, rules)
        if c.validity != "invalid" and c.dispatched_at is not None:
            # Dispatched: the clock the services started at receipt, stopped at dispatch.
            begins, due = deadlines.dispatch_due(c, rules)
            stepped(K.DISPATCH, begins, due, c.dispatched_at, False, ladder_role)
            f["dispatch_due_at"] = due
        elif K.DISPATCH in wanted:
            begins, due, active = wanted[K.DISPATCH]
            stepped(K.DISPATCH, begins, due, end, active, ladder_role)
            f["dispatch_due_at"] = due
        elif c.validity == "invalid" and c.confirmed_at:
            begins, due = deadlines.dispatch_due(c, rules)
            stepped(K.DISPATCH, begins, due, c.confirmed_at, False, ladder_role)
            f["dispatch_due_at"] = None
        if K.NOTIFY in wanted:
            started, due, _active = wanted[K.NOTIFY]
            told = c.confirmed_at + dt.timedelta(seconds=rng.uniform(5, 55))
            if month_fired:
                first = rules.policies.get(original)
                if first is not None and first.notify_role:
                    add(K.NOTIFY, 1, first.notify_role, deadlines.notify_due(started, first), told)
                told = month_due + dt.timedelta(minutes=1)
            add(K.NOTIFY, 1, rules.policies[c.severity].notify_role, due, told)
            clocks[K.NOTIFY] = (started, due, 1, None)
        if K.ANSWER in wanted:
            started, due, active = wanted[K.ANSWER]
            stepped(K.ANSWER, started, due, c.answered_at or end, active, lambda _l: self.gm_role)
        if K.RESOLVE in wanted:
            started, due, active = wanted[K.RESOLVE]
            stepped(K.RESOLVE, started, due, c.resolved_at or end, active, ladder_role)
            stop = min(c.resolved_at or end, end)
            clock = SimpleNamespace(kind=K.REMINDER, started_at=started, due_at=due, level=0)
            times = deadlines.reminder_times(clock, c.severity, rules)
            level = 0
            while level < len(times) and times[level] <= stop:
                level += 1
                if c.department_id:
                    add(K.REMINDER, level, self.head_role, due, times[level - 1])
            next_at = times[level] if active and level < len(times) else None
            clocks[K.REMINDER] = (started, due, level, next_at)
        if K.MONTH in wanted and not month_fired:
            started, due, active = wanted[K.MONTH]
            clocks[K.MONTH] = (started, due, 0, due if active else None)
        if K.REVISIT in wanted:  # resolved, waiting for the revisit
            started, due, active = wanted[K.REVISIT]
            stepped(K.REVISIT, started, due, end, active, lambda _l: self.supervisor_role)
        elif revisits and c.resolved_at:  # the last revisit's clock, stopped by the revisit
            due = deadlines.revisit_due(c, rules)
            stepped(
                K.REVISIT, c.resolved_at, due, revisits[-1]["at"], False,
                lambda _l: self.supervisor_role,
            )  # fmt: skip

        # Progress reports: daily by the desk's time on a signed work order.  Today's report
        # came in before today's deadline, so the clock waits for the next one.
        progress = None
        signed = [o for o in orders if o.get("signed_at")]
        if signed:
            order = signed[-1]
            running = is_open and c.resolved_at is None and order.get("status") == "signed"
            started, due = deadlines.progress_window(order["signed_at"], rules)
            if running:
                while due <= now:
                    started, due = deadlines.daily_window(
                        cal_date(due) + dt.timedelta(days=1), rules
                    )
                latest = now - dt.timedelta(minutes=5)
                if started <= latest:  # today's window: its report is in (before now)
                    progress = started + (latest - started) * rng.uniform(0.05, 0.95)
                clocks[K.PROGRESS] = (started, due, 0, due)
            else:
                clocks[K.PROGRESS] = (started, due, 0, None)

        # Any other clock the engine plans (e.g. telling the resident the result): stopped if
        # done, else waiting for its deadline, or raised once if that has passed.
        for kind, (started, due, active) in wanted.items():
            if kind in clocks or kind in (K.DISPATCH, K.NOTIFY, K.ANSWER, K.RESOLVE, K.MONTH):
                continue
            if not active:
                clocks[kind] = (started, due, 0, None)
            elif due > now:
                clocks[kind] = (started, due, 0, due)
            else:
                add(kind, 1, "owner", due, due)
                clocks[kind] = (started, due, 1, None)

        f["answer_due_at"] = wanted[K.ANSWER].due_at if K.ANSWER in wanted else None
        f["resolve_due_at"] = wanted[K.RESOLVE].due_at if K.RESOLVE in wanted else None
        f["revisit_due_at"] = wanted[K.REVISIT].due_at if K.REVISIT in wanted else None
        f["rework_started_at"] = c.rework_started_at
        f["clocks_started_at"] = c.clocks_started_at
        f["severity"] = c.severity
        f["state"] = state
        return {
            "complaint": f,
            "events": events,
            "orders": orders,
            "revisits": revisits,
            "escalations": esc,
            "clocks": clocks,
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
            Clock,
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
            for kind, (started_at, due_at, level, next_at) in p["clocks"].items():
                t[Clock].add(
                    {
                        "complaint_id": pk,
                        "kind": kind,
                        "started_at": started_at,
                        "due_at": due_at,
                        "level": level,
                        "next_at": next_at,
                    }
                )
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
                department = c.get("department_id")
                if role == self.head_role:  # reminders, progress: the department's head
                    recipients = [self.head_of[department]] if department else []
                else:
                    recipients = list(self.role_users.get(role, []))
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


def cal_date(value) -> dt.date:
    from complaints import calendar as cal

    return cal.to_local(value).date()


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
        """A sweep at the load's moment should find nothing due; if it does, run it out."""
        from complaints.models import Clock
        from complaints.sla.sweep import sla_sweep

        due = Clock.objects.filter(next_at__isnull=False, next_at__lte=self.now).count()
        drained, by_clock = 0, defaultdict(int)
        for _ in range(20):
            result = sla_sweep(now=self.now)
            drained += result.escalations
            for kind, n in result.by_clock.items():
                by_clock[kind] += n
            if not result.batches:
                break
        self.results["load"][f"drained_{stage}"] = drained
        if due or drained:
            self.note(
                f"after the {stage} load {due} clocks were due and the sweep raised {drained} "
                f"escalations ({dict(by_clock)}) (drained)"
            )

    def volumes(self):
        from complaints.models import (
            Clock,
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
            "clocks": Clock.objects.count(),
            "clocks running (next_at set)": Clock.objects.filter(next_at__isnull=False).count(),
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

    # -- the SLA sweep -------------------------------------------------------------------
    def sweep_idle(self, *, small: bool):
        from complaints.sla.sweep import sla_sweep

        key = "sweep_idle"
        label = "SLA sweep, nothing due"

        def fn():
            result = sla_sweep(now=self.now)
            if result.batches or result.escalations:
                raise BenchError(f"sweep found {result.escalations} breaches, expected none")
            return result

        self.record(key, label, fn, small=small, reps=7, explain_ms=20)

    def _clock_sql(self):
        from django.db import connection

        from complaints.models import Clock, ComplaintEvent, Escalation, Notification

        q = connection.ops.quote_name
        return SimpleNamespace(
            clock=q(Clock._meta.db_table),
            escalation=q(Escalation._meta.db_table),
            notification=q(Notification._meta.db_table),
            event=q(ComplaintEvent._meta.db_table),
            pg=connection.vendor == "postgresql",
            adapt=connection.ops.adapt_datetimefield_value,
        )

    def running_clocks(self) -> int:
        from django.db.models import Q

        from complaints.models import Clock

        return Clock.objects.filter(
            Q(complaint__department__isnull=False) | ~Q(kind="reminder"),
            next_at__gt=self.now,
            kind__in=DUE_KINDS,
        ).count()

    def make_due(self, k: int) -> list[tuple]:
        """Make ``k`` running clocks newly due with one ``UPDATE``: each chosen clock
        (dispatch, answer, resolve, reminder or revisit of an open complaint) is moved earlier
        as a whole (started_at, due_at, next_at) so that its next step fell a minute ago and
        the step after it is still ahead; a progress clock gets a report window that closed a
        minute ago with no report in it.  The sweep raises exactly one escalation per clock.
        Returns the clocks' previous (id, complaint_id, started_at, due_at, level, next_at,
        kind) for :meth:`undo_due`."""
        from django.db import connection

        s = self._clock_sql()
        moment = self.now - dt.timedelta(minutes=1)
        window = moment - dt.timedelta(minutes=1)  # a progress report window with no report
        kinds = ", ".join(f"'{kind}'" for kind in DUE_KINDS)
        rng = random.Random(SEED + k)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id, c.complaint_id, c.started_at, c.due_at, c.level, c.next_at, "
                f"c.kind "
                f"FROM {s.clock} c JOIN complaints_complaint p ON p.id = c.complaint_id "
                f"WHERE c.next_at IS NOT NULL AND c.next_at > %s AND c.kind IN ({kinds}) "
                f"AND (p.department_id IS NOT NULL OR c.kind <> 'reminder') ORDER BY c.id",
                [s.adapt(self.now)],
            )
            pool = cursor.fetchall()
        if connection.vendor == "sqlite":  # SQLite gives back text: parse it as Django would
            from django.utils.dateparse import parse_datetime

            def aware(v):
                v = parse_datetime(v) if isinstance(v, str) else v
                return v if v is None or v.tzinfo else v.replace(tzinfo=dt.UTC)

            pool = [(a, b, aware(c), aware(d), e, aware(f), g) for a, b, c, d, e, f, g in pool]
        chosen = sorted(rng.sample(pool, min(k, len(pool))))
        with connection.cursor() as cursor:
            if s.pg:
                cursor.execute(
                    f"UPDATE {s.clock} SET started_at = CASE WHEN kind = 'progress' THEN %s "
                    f"ELSE started_at - (next_at - %s) END, due_at = CASE WHEN kind = "
                    f"'progress' THEN %s ELSE due_at - (next_at - %s) END, next_at = %s "
                    f"WHERE id = ANY(%s)",
                    [window, moment, moment, moment, moment, [row[0] for row in chosen]],
                )
            else:
                rows = []
                for pk, _cid, started, due, _level, next_at, kind in chosen:
                    if kind == "progress":
                        rows.append((s.adapt(window), s.adapt(moment), s.adapt(moment), pk))
                        continue
                    delta = next_at - moment
                    rows.append(
                        (s.adapt(started - delta), s.adapt(due - delta), s.adapt(moment), pk)
                    )
                cursor.executemany(
                    f"UPDATE {s.clock} SET started_at = %s, due_at = %s, next_at = %s "
                    f"WHERE id = %s",
                    rows,
                )
        return chosen

    def undo_due(self, chosen: list[tuple]) -> None:
        """Back to the loaded data: the escalations written at ``now`` (with their
        notifications and timeline rows) are deleted and the clocks restored."""
        from django.db import connection, transaction

        s = self._clock_sql()
        now = s.adapt(self.now)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {s.notification} WHERE escalation_id IN "
                f"(SELECT id FROM {s.escalation} WHERE escalated_at = %s)",
                [now],
            )
            cursor.execute(f"DELETE FROM {s.escalation} WHERE escalated_at = %s", [now])
            ids = [row[1] for row in chosen]
            if s.pg:
                cursor.execute(
                    f"DELETE FROM {s.event} WHERE complaint_id = ANY(%s) AND kind = 'escalated' "
                    f"AND at = %s",
                    [ids, now],
                )
                cursor.execute(
                    f"UPDATE {s.clock} c SET started_at = v.s, due_at = v.d, level = v.l, "
                    f"next_at = v.n FROM (SELECT unnest(%s::bigint[]) id, "
                    f"unnest(%s::timestamptz[]) s, unnest(%s::timestamptz[]) d, "
                    f"unnest(%s::int[]) l, unnest(%s::timestamptz[]) n) v WHERE c.id = v.id",
                    [[r[0] for r in chosen]] + [[r[i] for r in chosen] for i in (2, 3, 4, 5)],
                )
            else:
                cursor.execute(f"DELETE FROM {s.event} WHERE kind = 'escalated' AND at = %s", [now])
                cursor.executemany(
                    f"UPDATE {s.clock} SET started_at = %s, due_at = %s, level = %s, "
                    f"next_at = %s WHERE id = %s",
                    [(s.adapt(r[2]), s.adapt(r[3]), r[4], s.adapt(r[5]), r[0]) for r in chosen],
                )

    def sql_insert_select(self) -> tuple[float, int]:
        """The single statement that writes the escalation rows of every due clock: (ms,
        rows).  The same rows the sweep writes for the clocks ``make_due`` arranged (each
        one level up, raised to that level's role, at ``now``)."""
        from django.db import connection, transaction

        s = self._clock_sql()
        role = (
            "CASE WHEN c.kind = 'answer' THEN 'general_manager' "
            "WHEN c.kind = 'revisit' THEN 'supervisor' "
            "WHEN c.kind IN ('reminder', 'progress') THEN 'department_head' "
            "WHEN c.level = 0 THEN 'supervisor' WHEN c.level = 1 THEN 'manager' "
            "ELSE 'general_manager' END"
        )
        sql = (
            f"INSERT INTO {s.escalation} (complaint_id, clock, level, role, due_at, "
            f"escalated_at) SELECT c.complaint_id, c.kind, c.level + 1, {role}, c.due_at, %s "
            f"FROM {s.clock} c WHERE c.next_at IS NOT NULL AND c.next_at <= %s "
            "ON CONFLICT (complaint_id, clock, level, due_at) DO NOTHING"
        )
        gc.collect()
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [s.adapt(self.now), s.adapt(self.now)])
            rows = cursor.rowcount
        return (time.perf_counter() - start) * 1000, rows

    def sql_select_due(self) -> float:
        """The idle sweep's equivalent: the due clocks through the partial index (ms)."""
        from django.db import connection

        s = self._clock_sql()
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {s.clock} WHERE next_at IS NOT NULL AND next_at <= %s "
                f"ORDER BY next_at, id LIMIT 500",
                [s.adapt(self.now)],
            )
            cursor.fetchall()
        return (time.perf_counter() - start) * 1000

    def due_query_plan(self) -> dict:
        """The sweep's own due-clock query (as Django writes it), and its plan."""
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        from complaints.sla.sweep import _due

        s = self._clock_sql()
        with CaptureQueriesContext(connection) as ctx, transaction.atomic():
            _due(SimpleNamespace(now=self.now), 500)
            transaction.set_rollback(True)
        sql = next(q["sql"] for q in ctx.captured_queries if s.clock in q["sql"])
        with transaction.atomic(), connection.cursor() as cursor:
            if s.pg:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql.replace(" FOR UPDATE", ""))
                plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            transaction.set_rollback(True)
        return {"sql": sql, "plan": plan, "uses_clock_next": "clock_next" in plan}

    def sweep_child(self, k: int) -> dict:
        """One sweep in a fresh interpreter, for its peak RSS (ru_maxrss)."""
        import subprocess

        cmd = [sys.executable, str(Path(__file__).resolve()), "--sweep-child", self.now.isoformat()]
        done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ, check=False)
        if done.returncode:
            raise BenchError(f"sweep child failed: {done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def sweep_due(self, k: int, *, key=None, reps=3, child=False, plan=False) -> dict | None:
        """``k`` newly due clocks handled by one sweep run: timed ``reps`` times (each on a fresh
        arrangement, undone afterwards), once counting queries and once under tracemalloc (or,
        with ``child``, once in a subprocess for its peak RSS).  Beside it, on the same
        arrangement, the one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` that writes the same
        escalation rows."""
        from django.db import connection

        from complaints.sla.sweep import sla_sweep

        key = key or f"sweep_due_{k}"
        available = self.running_clocks()
        if available < k:
            self.note(f"only {available} running clocks could be made due (asked for {k})")
        times, cpu, found, sql_times = [], [], [], []
        out = {"asked": k, "running_clocks": available}
        runs = reps + (0 if child else 2)
        for i in range(runs + 1):
            chosen = self.make_due(k)
            try:
                if i == runs:  # the single-statement equivalent on the same rows
                    ms, rows = self.sql_insert_select()
                    sql_times.append(ms)
                    out["sql_rows"] = rows
                    continue
                if plan and i == 0:
                    out["explain_due"] = self.due_query_plan()
                counter = QueryCounter()
                gc.collect()
                traced = not child and i == reps + 1
                if traced:
                    tracemalloc.start()
                start, start_cpu = time.perf_counter(), time.process_time()
                with connection.execute_wrapper(counter):
                    result = sla_sweep(now=self.now)
                elapsed = (time.perf_counter() - start) * 1000
                elapsed_cpu = (time.process_time() - start_cpu) * 1000
                if traced:
                    out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1048576
                    tracemalloc.stop()
                elif i == reps:
                    out["queries"] = counter.count
                else:
                    times.append(elapsed)
                    cpu.append(elapsed_cpu)
                    out.setdefault("queries", counter.count)
                found.append(result.escalations)
                out["batches"] = result.batches
                out["by_clock"] = dict(result.by_clock)
                out["notifications"] = result.notifications
            finally:
                self.undo_due(chosen)
        if child:
            chosen = self.make_due(k)
            try:
                r = self.sweep_child(k)
            finally:
                self.undo_due(chosen)
            out.update(
                child_ms=r["ms"],
                maxrss_mb=r["maxrss_mb"],
                baseline_rss_mb=r["baseline_rss_mb"],
                child_escalations=r["escalations"],
            )
            found.append(r["escalations"])
        made = len(chosen)
        out.update(
            {
                "label": f"SLA sweep, {made:,} newly due clocks",
                "due": made,
                "median_ms": statistics.median(times),
                "p95_ms": pct(times, 95),
                "min_ms": min(times),
                "cpu_ms": statistics.median(cpu),
                "reps": len(times),
                "escalations": found[0],
                "per_item_ms": statistics.median(times) / max(1, found[0]),
                "sql_ms": min(sql_times),
            }
        )
        if len(set(found)) != 1 or found[0] != made:
            self.note(f"sweep with {made} due recorded {found} escalations per run")
        self.results["measurements"][key] = out
        print(
            f"  {out['label']}: median {out['median_ms']:.0f} ms ({out['cpu_ms']:.0f} ms CPU), "
            f"{out.get('queries')} queries, {found[0]} escalations, "
            f"INSERT…SELECT {out['sql_ms']:.0f} ms ({out.get('sql_rows')} rows)"
            + (f", peak {out['peak_mb']:.1f} MB (tracemalloc)" if "peak_mb" in out else "")
            + (f", maxrss {out['maxrss_mb']:.0f} MB" if "maxrss_mb" in out else ""),
            flush=True,
        )
        return out

    def sweep_suite(self, stage: str) -> None:
        """Step 6: the sweep at this size, each figure beside its single-statement equivalent."""
        from complaints.sla.sweep import sla_sweep

        print(f"SLA sweep (Step 6) at {stage}…", flush=True)
        suite = {"complaints": self.count_complaints()}
        suite.update(self.clock_volumes())
        idle = []
        for _ in range(2):
            sla_sweep(now=self.now)  # warm
        for _ in range(9):
            gc.collect()
            start = time.perf_counter()
            result = sla_sweep(now=self.now)
            idle.append((time.perf_counter() - start) * 1000)
            if result.batches:
                raise BenchError("the idle sweep found clocks due")
        sql = []
        for _ in range(9):
            sql.append(self.sql_select_due())
        suite["idle_ms"] = statistics.median(idle)
        suite["idle_all_ms"] = [round(v, 1) for v in idle]
        suite["idle_sql_ms"] = statistics.median(sql)
        print(
            f"  nothing due: median {suite['idle_ms']:.1f} ms (SELECT of due clocks "
            f"{suite['idle_sql_ms']:.2f} ms)",
            flush=True,
        )
        suite["explain_idle"] = self.due_query_plan()
        for k in self.args.sweep_due:
            out = self.sweep_due(
                k, key=f"step6_{stage}_{k}", reps=3 if k <= 5000 else 1,
                child=k > 5000, plan=(k == self.args.sweep_due[0]),
            )  # fmt: skip
            suite[f"due_{k}"] = out
        self.results.setdefault("sweep", {})[stage] = suite
        if self.args.sweep_only:
            self.save_partial()

    def count_complaints(self) -> int:
        from complaints.models import Complaint

        return Complaint.objects.count()

    def clock_volumes(self) -> dict:
        from complaints.models import Clock, Complaint

        return {
            "open": Complaint.objects.open().count(),
            "clocks": Clock.objects.count(),
            "running clocks": Clock.objects.filter(next_at__isnull=False).count(),
        }

    def save_partial(self) -> None:
        path = OUT / f"sweep-{self.vendor}-{self.args.complaints}.json"
        path.write_text(json.dumps(self.results, indent=1, default=str, ensure_ascii=False))

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
        leaves = [  # under the demo's headings, whose department the loader knows
            c
            for c in Category.objects.filter(parent__isnull=False).select_related("parent")
            if c.parent.code in self.loader.department_of
        ]
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
                "command": " ".join([".venv/bin/python bench/run.py", *sys.argv[1:]]),
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
        if self.args.sweep_only:
            self.sweep_suite("N/10")
        else:
            self.sweep_idle(small=True)
            self.pages(small=True)
        print(f"loading {n - small} more complaints (to N={n})…", flush=True)
        self.load(n - small, "stage2")
        self.drain("stage2")
        print("volumes:", self.volumes(), flush=True)
        print("measuring at N…", flush=True)
        self.results["loadavg"]["measuring at N"] = os.getloadavg()
        if self.args.sweep_only:
            self.sweep_suite("N")
        else:
            self.sweep_idle(small=False)
            self.pages(small=False)
            for k in (100, 1000):
                self.sweep_due(k, reps=3)
            self.sweep_suite("N")
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
    step6 = ""
    if STEP6_START in old and "## SLA sweep (Step 6)" in old:
        # The section, from its heading to its end marker, is carried over as it is.
        start = old.index("## SLA sweep (Step 6)")
        end = old.index(STEP6_END, start) + len(STEP6_END)
        step6 = old[start:end]
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
        "moment finds nothing due. Deadlines and the running clocks (`Clock` rows: level and "
        "`next_at` as the sweep would have left them) come from the engine's own "
        "`complaints.sla.deadlines` (`plan`, `steps`, `reminder_times`, `next_look`). The "
        "demo registry (1 property) is "
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
        "Due items are made by moving running clocks (dispatch, answer, resolution, reminder, "
        "revisit) earlier as a whole with one `UPDATE`, so that each one's next step fell a "
        "minute ago and yields exactly one escalation; after each run the escalations, their "
        "notifications and timeline rows are deleted and the clocks restored. The sweep runs "
        "with `now` = the moment of the load. Its time includes queuing one Celery delivery "
        "task per batch of 500 clocks (filesystem broker).",
    ]
    if step6:
        lines += ["", step6]
    lines += [
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


# --- the SLA sweep section (Step 6) -----------------------------------------------------------
STEP6_START = "<!-- sla-sweep-step6:start -->"
STEP6_END = "<!-- sla-sweep-step6:end -->"
STEP6_TARGETS = {"idle_ms": 20.0, "due_2000_ms": 1000.0, "due_50000_mb": 150.0}


def load_sweep_results() -> list[dict]:
    """Every ``bench/out/sweep-<backend>-<N>.json``: PostgreSQL first, then by N."""
    runs = [json.loads(path.read_text()) for path in OUT.glob("sweep-*-*.json")]
    return sorted(runs, key=lambda r: (r["backend"] != "postgresql", r["backend"], r["n"]))


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def render_step6(runs: list[dict]) -> str:
    """The generated part of the 'SLA sweep (Step 6)' section (between its markers)."""
    lines = []
    for r in runs:
        name = BACKEND_NAMES.get(r["backend"], r["backend"])
        sweep = r.get("sweep", {})
        lines += [
            "",
            f"### After: {name} ({r['machine']['database']}), {r['date']}",
            "",
            f"`{r.get('command', '')}` — {r['machine']['nproc']} × {r['machine']['cpu']}, "
            f"load average {', '.join(f'{k} {v[0]:.1f}' for k, v in r['loadavg'].items())}; "
            f"bulk load {r['load'].get('stage1', {}).get('seconds', 0):.0f} s + "
            f"{r['load'].get('stage2', {}).get('seconds', 0):.0f} s; clocks due right after each load "
            f"(drained): {r['load'].get('drained_stage1', '?')} / "
            f"{r['load'].get('drained_stage2', '?')} escalations.",
            "",
            "| complaints | open | clock rows | running (next_at set) |",
            "|---:|---:|---:|---:|",
        ]
        for stage in ("N/10", "N"):
            s = sweep.get(stage)
            if s:
                lines.append(
                    f"| {fmt(s['complaints'])} | {fmt(s['open'])} | {fmt(s['clocks'])} | "
                    f"{fmt(s['running clocks'])} |"
                )
        lines += [
            "",
            "| measurement | complaints | sweep | single statement, same rows | ratio | target |",
            "|---|---:|---:|---:|---:|---|",
        ]
        idle = [(stage, sweep[stage]) for stage in ("N/10", "N") if stage in sweep]
        for _stage, s in idle:
            ok = s["idle_ms"] <= STEP6_TARGETS["idle_ms"]
            lines.append(
                f"| nothing due (median of {len(s['idle_all_ms'])}) | {fmt(s['complaints'])} | "
                f"{s['idle_ms']:.1f} ms | {s['idle_sql_ms']:.2f} ms (SELECT due clocks, "
                f"partial index) | {s['idle_ms'] / max(s['idle_sql_ms'], 0.01):.0f}× | "
                f"≤ 20 ms: {_met(ok)} |"
            )
        if len(idle) == 2:
            a, b = idle[0][1]["idle_ms"], idle[1][1]["idle_ms"]
            lines.append(
                f"| nothing due, N / (N/10) | | {b / a:.2f}× | | | flat: {_met(b / a < 1.5)} |"
            )
        for _stage, s in idle:
            for key, m in s.items():
                if not key.startswith("due_"):
                    continue
                k = m["due"]
                if k < m["asked"]:
                    target = (
                        f"not measurable here: only {fmt(k)} of {fmt(m['asked'])} clocks are "
                        "running at this size"
                    )
                elif m["asked"] == 2000:
                    target = f"≤ 1 s: {_met(m['median_ms'] <= 1000)}"
                elif m["asked"] == 50000 and "maxrss_mb" in m:
                    target = f"≤ 150 MB: {_met(m['maxrss_mb'] <= 150)}"
                else:
                    target = ""
                timing = (
                    f"{m['median_ms']:,.0f} ms (median of {m['reps']})"
                    if m["reps"] > 1
                    else f"{m['median_ms']:,.0f} ms"
                )
                memory = (
                    f"; peak RSS {m['maxrss_mb']:.0f} MB ({m['baseline_rss_mb']:.0f} MB "
                    f"before the sweep; {m['child_ms']:,.0f} ms in that process)"
                    if "maxrss_mb" in m
                    else (f"; tracemalloc peak {m['peak_mb']:.1f} MB" if "peak_mb" in m else "")
                )
                lines.append(
                    f"| {fmt(k)} newly due, one run | {fmt(s['complaints'])} | {timing}, "
                    f"{fmt(m['escalations'])} escalations, {fmt(m.get('queries'))} queries, "
                    f"{m['batches']} batches{memory} | {m['sql_ms']:,.0f} ms (INSERT … SELECT … "
                    f"ON CONFLICT DO NOTHING, {fmt(m.get('sql_rows'))} rows) | "
                    f"{m['median_ms'] / max(m['sql_ms'], 0.01):.0f}× | {target} |"
                )
        for _stage, s in idle:
            first_due = next((m for key, m in s.items() if key.startswith("due_")), {})
            for title, ex in (
                ("nothing due", s.get("explain_idle")),
                (f"{fmt(first_due.get('due'))} newly due", first_due.get("explain_due")),
            ):
                if not ex:
                    continue
                lines += [
                    "",
                    f"The sweep's due-clock query at {fmt(s['complaints'])} complaints, "
                    f"{title} (`EXPLAIN (ANALYZE, BUFFERS)`; uses `clock_next`: "
                    f"{'yes' if ex['uses_clock_next'] else '**no**'}):",
                    "",
                    "```sql",
                    ex["sql"]
                    if len(ex["sql"]) < 1500
                    else ex["sql"][:700] + " … " + ex["sql"][-600:],
                    "```",
                    "",
                    "```",
                    ex["plan"],
                    "```",
                ]
        if r.get("notes"):
            lines += ["", "Notes from the run:", ""] + [f"- {n}" for n in r["notes"]]
    return "\n".join(lines).strip("\n")


def step6_block(old: str) -> str:
    if STEP6_START in old and STEP6_END in old:
        return old.split(STEP6_START, 1)[1].split(STEP6_END, 1)[0].strip("\n")
    return ""


def write_step6() -> None:
    """Rewrite the generated part of 'SLA sweep (Step 6)' in REPORT.md from
    bench/out/sweep-*.json, leaving every other line of the report alone."""
    runs = load_sweep_results()
    if not runs or not REPORT.exists():
        return
    old = REPORT.read_text()
    body = render_step6(runs)
    if STEP6_START in old and STEP6_END in old:
        head, rest = old.split(STEP6_START, 1)
        tail = rest.split(STEP6_END, 1)[1]
        new = f"{head}{STEP6_START}\n{body}\n{STEP6_END}{tail}"
    else:
        new = (
            old.rstrip("\n") + f"\n\n## SLA sweep (Step 6)\n\n{STEP6_START}\n{body}\n{STEP6_END}\n"
        )
    REPORT.write_text(new)
    print(f"updated the Step 6 section of {REPORT.relative_to(ROOT)}")


def write_report() -> None:
    runs = load_results()
    if runs:
        REPORT.write_text(render_report(runs))
        print(f"wrote {REPORT.relative_to(ROOT)}")
    write_step6()


def sweep_child_main(now_iso: str) -> int:
    """``--sweep-child NOW``: one sweep at NOW in this fresh process (started by the bench
    with its environment), then its wall time and peak RSS as one line of JSON.

    The peak is ``VmHWM`` of ``/proc/self/status`` (this process's own memory after ``exec``),
    falling back to ``ru_maxrss``: on Linux a child started with ``vfork``/``fork`` + ``exec``
    inherits the parent's high-water mark in ``ru_maxrss``, which is then the bench's, not the
    sweep's."""
    import resource

    import django

    def peak_mb() -> float:
        try:
            status = Path("/proc/self/status").read_text()
            return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024
        except (OSError, TypeError):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no debug cursor keeping every query
    from complaints.sla.rules import Rules
    from complaints.sla.sweep import sla_sweep

    Rules.load()  # connect, import, warm
    baseline = peak_mb()
    start = time.perf_counter()
    result = sla_sweep(now=dt.datetime.fromisoformat(now_iso))
    ms = (time.perf_counter() - start) * 1000
    peak = peak_mb()
    print(
        json.dumps(
            {
                "ms": ms,
                "maxrss_mb": peak,
                "baseline_rss_mb": baseline,
                "escalations": result.escalations,
                "batches": result.batches,
            }
        )
    )
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.report_only:
        write_report()
        return 0
    if args.sweep_child:
        return sweep_child_main(args.sweep_child)
    info = configure_environment(args)
    if info["pg"]:
        pg_recreate(*info["pg"])
    ok = False
    try:
        import django

        django.setup()
        bench = Bench(args, info)
        bench.run()
        if args.sweep_only:
            path = OUT / f"sweep-{bench.vendor}-{args.complaints}.json"
        else:
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
        if args.sweep_only:
            write_step6()
        else:
            write_report()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
