"""The real service path, one call at a time: ``complaint_create``, then
``complaint_confirm`` (which dispatches)."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc

from bench.harness import QueryCounter, pct


class ServicesMixin:
    """The part of :class:`bench.runner.Bench` that measures the service path."""

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
