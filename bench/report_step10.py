"""The "Step 10" section of REPORT.md: for one backend, each page before Step 10 (and after any
intermediate run) and now, beside the hand-written statement measured in the *now* run, with
the ratios and the target; the roll-up's build time and the concurrency run.

    .venv/bin/python bench/report_step10.py --after bench/out/results-postgresql.json \\
        --before bench/baselines/pg-1m-before-step10.json \\
        --before bench/baselines/pg-1m-step10-first-part.json
    .venv/bin/python bench/report_step10.py --after bench/out/results-sqlite.json

Each backend's table is written between its own markers inside the section (replaced if
present); the section, and the hand-written text in it outside those markers, are carried over
when ``bench/run.py`` regenerates the rest of the report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import REPORT
from bench.report_runs import STEP10_END, STEP10_START

# (key, label, target ms on PostgreSQL at 1M, target ms on SQLite at 100k) — issue #14.
ROWS = [
    ("list_p1", "Search: no query, page 1", 100, 500),
    ("list_p50", "Search: no query, page 50 (Next)", 100, 500),
    ("search_number", "Search: a complete number", 100, 500),
    ("search_phone", "Search: a phone, national (139…)", 100, 500),
    ("search_phone_e164", "Search: a phone, E.164 (+86 139…)", 100, 500),
    ("search_phone_last4", "Search: a phone's last 4 digits", 100, 500),
    ("search_number_fragment", "Search: a number's last 4 digits", 100, 500),
    ("search_room", "Search: a room (3-2-1201)", 100, 500),
    ("search_text_p1", "Search: 电梯, page 1", 100, 500),
    ("search_text_p50", "Search: 电梯, page 50 (Next)", 100, 500),
    ("desk_frontdesk", "Desk: front desk", 150, 500),
    ("desk_head", "Desk: department head", 150, 500),
    ("desk_manager", "Desk: manager", 150, 500),
    ("detail", "Complaint page", None, 500),
    ("admin_changelist", "Admin changelist", 100, 500),
    ("stats_selector", "Monthly statistics selector (the export's data)", None, None),
    ("stats_page", "Monthly statistics page (admin)", 300, 500),
    ("trend_direct", "12-month trend, from the complaints", None, None),
    ("trend_rollup", "12-month trend, from the roll-up", 20, None),
    ("notifications_manager", "Notifications page (manager)", 150, 500),
    ("notifications_eng_head", "Notifications page (department head)", 150, 500),
    ("deliver_100", "Delivering 100 notifications (in-app + e-mail)", None, None),
    ("portal_home", "Resident: my complaints", 100, 500),
    ("portal_complaint", "Resident: one complaint", 100, 500),
    ("svc_create", "complaint_create (service), per call", None, None),
    ("svc_confirm", "complaint_confirm + dispatch (service), per call", None, None),
]


def _ms(m: dict | None) -> float | None:
    if not m or "median_ms" not in m:
        return None
    return m["median_ms"]


def _f(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "—"
    return f"{a / b:,.1f}×"


def _markers(backend: str) -> tuple[str, str]:
    return f"<!-- step10:{backend}:start -->", f"<!-- step10:{backend}:end -->"


def render(befores: list[dict], after: dict) -> str:
    """The backend's part: the table, the roll-up's build, the concurrency run."""
    m_after = after["measurements"]
    pg = after.get("backend") == "postgresql"
    start, end = _markers(after.get("backend", "sqlite"))
    name = after["machine"]["database"]
    names = [b.get("date", "before") for b in befores]
    lines = [
        start,
        f"### {name}, N = {after['n']:,}",
        "",
        "Columns: "
        + "; ".join(
            f"*{'before' if i == 0 else f'run {i + 1}'}* = {b.get('source', n)}"
            for i, (b, n) in enumerate(zip(befores, names, strict=True))
        )
        + ("; " if befores else "")
        + f"*now* = this code ({after['date']}). *SQL* = one hand-written statement giving the "
        "page's rows (or the figures) on the same data, measured in the *now* run; *now/SQL* is "
        "how far the page (Django, templates, middleware, its other queries) is from that floor. "
        f"Medians of {after.get('reps', 5)} runs after a warm-up; load average "
        f"{', '.join(f'{k} {v[0]:.1f}' for k, v in after['loadavg'].items())}."
        + (
            " The database was reused from an earlier run (no reload)."
            if after.get("reused")
            else ""
        ),
        "",
    ]
    head = ["measurement", "target ms"]
    head += ["before ms" if i == 0 else f"run {i + 1} ms" for i in range(len(befores))]
    head += ["now ms", "before/now", "SQL ms", "now/SQL", "met"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|---|" + "---:|" * (len(head) - 2) + ":-:|")
    for key, label, pg_target, lite_target in ROWS:
        m = m_after.get(key)
        if m is None:
            continue
        target = pg_target if pg else lite_target
        now = _ms(m)
        if key.startswith("svc_") and "mean_ms" in m:
            now = m["mean_ms"]
        olds = [_ms(b.get("measurements", {}).get(key)) for b in befores]
        sql = _ms(m_after.get(f"sql_{key}"))
        matches = m.get("matches")
        text = label + (f" ({matches:,} matches)" if matches is not None else "")
        met = "—" if target is None or now is None else ("yes" if now <= target else "**no**")
        first = next((o for o in olds if o is not None), None)
        row = [text, "—" if target is None else f"≤ {target}"]
        row += [_f(o) for o in olds]
        row += [_f(now), _ratio(first, now), _f(sql, 2), _ratio(now, sql), met]
        lines.append("| " + " | ".join(row) + " |")
    peak = (m_after.get("stats_selector") or {}).get("peak_mb")
    if peak is not None:
        lines += [
            "",
            f"Monthly statistics selector, all lists (what an export reads): peak "
            f"{peak:.1f} MB of Python allocations.",
        ]
    load = after.get("load", {})
    roll = [load.get(f"rollup_{s}") for s in ("stage1", "stage2")]
    built = [r for r in roll if r]
    if built:
        lines += [
            "",
            "Roll-up built from scratch: "
            + ", ".join(f"{r['days']} days in {r['seconds']:.1f} s" for r in built)
            + ". A change afterwards rebuilds only its day.",
        ]
    conc = after.get("concurrency")
    if conc:
        lines += [
            "",
            f"**Concurrency** (gunicorn, {conc['workers']} sync workers on 127.0.0.1, DEBUG off, "
            f"{conc['sessions']} sessions with no think time, {conc['seconds']} s; the bench "
            "process runs the 20 client threads on the same 2 cores):",
            "",
            "| request | count | per s | median ms | p95 ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for kind in ("intake", "desk", "search"):
            k = conc.get(kind)
            if k:
                lines.append(
                    f"| {kind} | {k['n']:,} | {k['per_s']:.1f} | {k['median_ms']:.0f} | "
                    f"{k['p95_ms']:.0f} |"
                )
        lines += [
            "",
            f"Errors: {conc['errors']}; complaints created: {conc['created']}; every number "
            f"unique: {'yes' if conc['numbers_unique'] else '**no**'}.",
        ]
    lines.append(end)
    return "\n".join(lines)


def write(part: str, backend: str) -> None:
    """Put ``part`` in the Step 10 section, replacing the backend's earlier part."""
    start, end = _markers(backend)
    text = REPORT.read_text()
    if start in text and end in text:
        i = text.index(start)
        text = text[:i] + part + text[text.index(end, i) + len(end) :]
    elif STEP10_START in text:
        at = text.index(STEP10_START) + len(STEP10_START)
        text = text[:at] + "\n" + part + "\n" + text[at:]
    else:
        section = f"## Step 10\n\n{STEP10_START}\n{part}\n{STEP10_END}\n\n"
        at = text.index("## Interpretation") if "## Interpretation" in text else len(text)
        text = text[:at] + section + text[at:]
    REPORT.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--after", required=True, type=Path)
    parser.add_argument("--before", type=Path, action="append", default=[])
    parser.add_argument("--print", action="store_true", help="print instead of writing")
    args = parser.parse_args()
    after = json.loads(args.after.read_text())
    befores = [json.loads(p.read_text()) for p in args.before]
    part = render(befores, after)
    if args.print:
        print(part)
    else:
        write(part, after.get("backend", "sqlite"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
