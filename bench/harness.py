"""The harness: paths and constants, the environment Django reads, the throw-away database
(SQLite under ``bench/out/`` or a ``bench_*`` PostgreSQL database), and how one thing is
timed, its queries counted and its memory measured."""

from __future__ import annotations

import gc
import math
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
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


class BenchError(RuntimeError):
    pass


# --- environment and database ---------------------------------------------------------------
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
