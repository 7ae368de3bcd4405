"""The SLA sweep's hand-written SQL: making running clocks newly due with one ``UPDATE``
and undoing it, and the single statements that do the sweep's database work (the ``SELECT``
of due clocks, one ``INSERT … SELECT … ON CONFLICT DO NOTHING``) with the plan of the
sweep's own due-clock query."""

from __future__ import annotations

import datetime as dt
import gc
import random
import time
from types import SimpleNamespace

from bench.harness import DUE_KINDS, SEED


class SweepSQLMixin:
    """The part of :class:`bench.runner.Bench` that arranges due clocks and times the SQL."""

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
