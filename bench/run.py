#!/usr/bin/env python
"""Speed and memory of the complaint desk at scale (never part of the tests).

    .venv/bin/python bench/run.py [--complaints N] [--database-url URL] [--reps R] [--keep]

Builds a throw-away database (SQLite under ``bench/out/``, or its own PostgreSQL database
``bench_*`` created and dropped through the ``postgres`` maintenance database), migrates it,
loads the demo registry and staff, bulk-loads N complaints (N/10 first, then the rest), times
pages, the SLA sweep, the monthly statistics and the real service path, writes
``bench/out/results-<backend>.json`` and rebuilds ``bench/REPORT.md`` from every results file
in ``bench/out/`` (a table per backend, and one side by side).  See ``bench/README.md``.

This file is the command line only; the work is done by the modules of the package ``bench``
(one per concern, listed in ``bench/__init__.py`` and ``bench/README.md``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

# Run as a script, Python puts bench/ itself first on sys.path; its modules are imported as
# the package ``bench`` from the project root instead (which Django's config needs as well).
HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    sys.path.pop(0)
sys.path.insert(0, str(HERE.parent))

from bench.harness import OUT, ROOT, configure_environment, pg_recreate  # noqa: E402
from bench.report import write_report, write_step6  # noqa: E402
from bench.runner import Bench  # noqa: E402
from bench.sweep import sweep_child_main  # noqa: E402


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
        "--reuse",
        action="store_true",
        help="measure a database kept by an earlier --keep run of the same N (PostgreSQL): "
        "migrate it, rebuild the roll-up and measure at N only (no N/10, no load); keeps it",
    )
    parser.add_argument(
        "--no-concurrency", action="store_true", help="skip the gunicorn concurrency run"
    )
    parser.add_argument(
        "--concurrency-seconds", type=int, default=60, help="length of the concurrency run"
    )
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
    if args.reuse and not args.database_url:
        parser.error("--reuse measures a kept PostgreSQL database: give --database-url")
    if args.reuse:
        args.keep = True
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.report_only:
        write_report()
        return 0
    if args.sweep_child:
        return sweep_child_main(args.sweep_child)
    info = configure_environment(args)
    if info["pg"] and not args.reuse:
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
