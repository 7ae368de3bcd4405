"""The run: :class:`Bench` sets up the database, loads the data in two stages and takes
every measurement in order.  Its measurements live in mixins, one module each:
:mod:`bench.pages`, :mod:`bench.monthly`, :mod:`bench.sweep`, :mod:`bench.sweep_sql` and
:mod:`bench.services`."""

from __future__ import annotations

import datetime as dt
import logging
import os
import platform
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.data import Loader, seed_more_properties
from bench.harness import SEED, measure
from bench.monthly import MonthlyStatisticsMixin
from bench.pages import PagesMixin
from bench.services import ServicesMixin
from bench.step10 import Step10Mixin
from bench.sweep import SweepMixin
from bench.sweep_sql import SweepSQLMixin


# --- the run --------------------------------------------------------------------------------
class Bench(
    PagesMixin, MonthlyStatisticsMixin, SweepMixin, SweepSQLMixin, ServicesMixin, Step10Mixin
):
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
        if self.args.reuse:
            self.reuse()
            return self.measure_at_n(started)
        print("registry and staff…", flush=True)
        self.seed()
        print(f"loading {small} complaints (N/10)…", flush=True)
        self.load(small, "stage1")
        self.drain("stage1")
        self.rollup_build("stage1")
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
        self.rollup_build("stage2")
        self.measure_at_n(started)

    def reuse(self):
        """The database of an earlier ``--keep`` run: its staff, its load moment (from that
        run's results file, if there), the roll-up rebuilt with this code's figures."""
        import json

        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from bench.harness import OUT

        self.users = {
            u.username: u for u in get_user_model().objects.prefetch_related("groups").all()
        }
        earlier = OUT / f"results-{self.vendor}.json"
        now = None
        if earlier.exists():
            done = json.loads(earlier.read_text())
            if done.get("n") == self.args.complaints and done.get("sweep_now"):
                now = dt.datetime.fromisoformat(done["sweep_now"])
        self.now = now or timezone.now().replace(microsecond=0)
        self.results["sweep_now"] = self.now.isoformat()
        self.results["reused"] = True
        from residents.models import Property

        self.results["properties"] = Property.objects.count() - 1  # the demo's one besides
        self.note(f"database reused from an earlier --keep run (load moment {self.now})")
        self.loader = Loader(now=self.now, users=self.users)
        self.analyze()
        self.drain("reused")
        self.rollup_build("stage2")
        self.pick_targets()

    def measure_at_n(self, started):
        print("volumes:", self.volumes(), flush=True)
        print("measuring at N…", flush=True)
        self.results["loadavg"]["measuring at N"] = os.getloadavg()
        if self.args.sweep_only:
            self.sweep_suite("N")
        else:
            self.sweep_idle(small=False)
            self.pages(small=False)
            self.trend_parts(small=False)
            print("hand-written statements…", flush=True)
            self.sql_equivalents()
            if not self.args.no_concurrency:
                print("concurrency (gunicorn)…", flush=True)
                self.concurrency(seconds=self.args.concurrency_seconds)
            for k in (100, 1000):
                self.sweep_due(k, reps=3)
            self.sweep_suite("N")
            print("service path…", flush=True)
            self.services()
        self.results["loadavg"]["end"] = os.getloadavg()
        self.results["duration_s"] = time.perf_counter() - started
