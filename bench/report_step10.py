"""The "Step 10" section of REPORT.md: each page before and after Step 10 (two runs of
``bench/run.py`` on the same machine and N), beside the hand-written statement measured in the
*after* run, with the ratios; the roll-up's build time and the concurrency run.

    .venv/bin/python bench/report_step10.py --before OLD.json --after bench/out/results-sqlite.json

The section is written between its heading and ``<!-- step10:end -->`` (replaced if present)
and carried over when ``bench/run.py`` regenerates the rest of the report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import REPORT
from bench.report_runs import STEP10_END, STEP10_START

ROWS = [
    ("list_p1", "Search: no query, page 1", 500),
    ("list_p50", "Search: no query, page 50", 500),
    ("search_number", "Search: a complete number", 500),
    ("search_phone", "Search: a phone, national (139…)", 500),
    ("search_phone_e164", "Search: a phone, E.164 (+86 139…)", 500),
    ("search_phone_last4", "Search: a phone's last 4 digits", 500),
    ("search_number_fragment", "Search: a number's last 4 digits", 500),
    ("search_room", "Search: a room (3-2-1201)", 500),
    ("search_text_p1", "Search: 电梯, page 1", 500),
    ("search_text_p50", "Search: 电梯, page 50", 500),
    ("desk_frontdesk", "Desk: front desk", 500),
    ("desk_head", "Desk: department head", 500),
    ("desk_manager", "Desk: manager", 500),
    ("detail", "Complaint page", 500),
    ("admin_changelist", "Admin changelist", 500),
    ("stats_selector", "Monthly statistics selector", 500),
    ("stats_page", "Monthly statistics page (admin)", 500),
    ("trend_direct", "12-month trend, from the complaints", None),
    ("trend_rollup", "12-month trend, from the roll-up", None),
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


def render(before: dict | None, after: dict) -> str:
    m_after = after["measurements"]
    m_before = (before or {}).get("measurements", {})
    name = after["machine"]["database"]
    lines = [
        "## Step 10",
        "",
        STEP10_START,
        f"{name}, N = {after['n']:,}; *before* = the code before Step 10 "
        f"({(before or {}).get('date', 'not measured')}), *after* = this branch "
        f"({after['date']}), the same generator and seed. *SQL* = one hand-written statement "
        "giving the page's rows (or the figures) on the same data, measured in the *after* "
        "run; *after/SQL* is how far the page (Django, templates, middleware, the other "
        "queries) is from that floor. Medians of "
        f"{after.get('reps', 5)} runs; the machine is shared (load average "
        f"{', '.join(f'{k} {v[0]:.1f}' for k, v in after['loadavg'].items())}).",
        "",
        "| measurement | before ms | after ms | before/after | SQL ms | after/SQL |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label, limit in ROWS:
        a, b = _ms(m_after.get(key)), _ms(m_before.get(key))
        sql = _ms(m_after.get(f"sql_{key}"))
        flag = " ⚠" if limit is not None and a is not None and a > limit else ""
        matches = (m_after.get(key) or {}).get("matches")
        if matches is not None:
            label += f" ({matches:,} matches)"
        lines.append(
            f"| {label} | {_f(b)} | {_f(a)}{flag} | {_ratio(b, a)} | {_f(sql, 2)} | "
            f"{_ratio(a, sql)} |"
        )
    load = after.get("load", {})
    roll = [load.get(f"rollup_{s}") for s in ("stage1", "stage2")]
    if all(roll):
        lines += [
            "",
            f"Roll-up built from scratch after each load: {roll[0]['days']} days in "
            f"{roll[0]['seconds']:.1f} s (N/10), {roll[1]['days']} days in "
            f"{roll[1]['seconds']:.1f} s (N). A change afterwards rebuilds only its day.",
        ]
    conc = after.get("concurrency")
    if conc:
        lines += [
            "",
            f"**Concurrency** (gunicorn, {conc['workers']} sync workers on 127.0.0.1, "
            f"{conc['sessions']} sessions with no think time, {conc['seconds']} s; the bench "
            "process itself runs the 20 client threads on the same 2 cores):",
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
    lines.append(STEP10_END)
    return "\n".join(lines)


def write(section: str) -> None:
    text = REPORT.read_text()
    if "## Step 10" in text and STEP10_END in text:
        start = text.index("## Step 10")
        end = text.index(STEP10_END, start) + len(STEP10_END)
        text = text[:start] + section + text[end:]
    elif "## Interpretation" in text:
        at = text.index("## Interpretation")
        text = text[:at] + section + "\n\n" + text[at:]
    else:
        text += "\n\n" + section + "\n"
    REPORT.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--after", required=True, type=Path)
    parser.add_argument("--before", type=Path)
    parser.add_argument("--print", action="store_true", help="print instead of writing")
    args = parser.parse_args()
    after = json.loads(args.after.read_text())
    before = json.loads(args.before.read_text()) if args.before else None
    section = render(before, after)
    if args.print:
        print(section)
    else:
        write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
