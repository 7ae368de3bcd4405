"""The SLA sweep measurements: nothing due, K newly due (beside the single statement that
does the same database work, see :mod:`bench.sweep_sql`), the Step 6 suite, and the
``--sweep-child`` process that measures one sweep's peak RSS."""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from bench.harness import BENCH, OUT, BenchError, QueryCounter, pct


class SweepMixin:
    """The part of :class:`bench.runner.Bench` that measures the SLA sweep."""

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

    def sweep_child(self, k: int) -> dict:
        """One sweep in a fresh interpreter, for its peak RSS (ru_maxrss)."""
        import subprocess

        cmd = [sys.executable, str(BENCH / "run.py"), "--sweep-child", self.now.isoformat()]
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
