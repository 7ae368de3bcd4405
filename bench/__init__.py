"""The benchmark (``python bench/run.py``, see ``bench/README.md``), a module per concern.

- ``run``: the command line (options, ``main``); run as a script or ``python -m bench.run``.
- ``harness``: paths and constants, environment, database set-up, timing, queries, memory.
- ``data``: the registry and the complaints (``Loader``); ``clocks``: each complaint's
  deadlines, clocks and escalation history; ``tables``: writing the rows.
- ``runner``: ``Bench``, the run in order, with its measurements in mixins: ``pages``
  (search, desk, complaint page, admin list), ``monthly`` (the monthly statistics),
  ``sweep`` (the SLA sweep), ``sweep_sql`` (due clocks made and undone, and the hand-written
  SQL equivalents) and ``services`` (the service path).
- ``report_runs``: REPORT.md from ``bench/out/results-*.json``; ``report``: writing it, and
  the generated part of its "SLA sweep (Step 6)" section from ``bench/out/sweep-*.json``.
"""
