"""Writing REPORT.md: the whole report from ``bench/out/results-*.json``
(:func:`bench.report_runs.render_report`) and the generated part of its "SLA sweep (Step 6)"
section from ``bench/out/sweep-*.json``."""

from __future__ import annotations

import json

from bench.harness import OUT, REPORT, ROOT
from bench.report_runs import BACKEND_NAMES, STEP6_END, STEP6_START, fmt, render_report


def load_results() -> list[dict]:
    runs = []
    for name in ("sqlite", "postgresql"):
        path = OUT / f"results-{name}.json"
        if path.exists():
            runs.append(json.loads(path.read_text()))
    return runs


# --- the SLA sweep section (Step 6) -----------------------------------------------------------
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
