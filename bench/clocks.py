"""Each generated complaint's deadlines, running clocks and escalation history up to the
moment of the load, computed with the engine's own ``complaints.sla.deadlines``."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace


class ClocksMixin:
    """The part of :class:`bench.data.Loader` that finishes a planned complaint."""

    def _finish(self, f, state, events, orders, revisits, timeline) -> dict:
        """Deadlines, running clocks and the escalation history up to ``now``.

        Deadlines come from the engine itself (``complaints.sla.deadlines.plan``, ``steps``,
        ``reminder_times``, ``next_look``); each clock is then taken through what the
        every-minute sweep would have done to it until it stopped (or until ``now``): its
        ``level``, its ``next_at`` (in the future, or empty once finished) and the escalations
        it raised.  A sweep at ``now`` therefore finds nothing due (checked: ``drain``).
        """
        from complaints.sla import deadlines

        now, rng, rules = self.now, self.rng, self.rules
        K = deadlines.K
        is_open = state != "closed"
        end = now if is_open else f["closed_at"]
        rework = [o["dispatched_at"] for o in orders if o["is_rework"]]
        if f.get("resolved_at"):  # the resident was told the result the same day
            from complaints import calendar as cal

            told = min(
                f["resolved_at"] + dt.timedelta(minutes=rng.uniform(10, 360)),
                cal.end_of_local_day(f["resolved_at"]),
                now - dt.timedelta(minutes=1),
            )
            if told > f["resolved_at"] and "result_told_at" in self.complaint_defaults:
                f["result_told_at"] = told
                f["result_told_by_id"] = f["received_by_id"]
        if "owner_id" in self.complaint_defaults:
            f["owner_id"] = f["received_by_id"]  # 首问负责: whoever received it
        # Every field the engine may read, with its default, then this complaint's values
        # (fields added to Complaint later are there too, with their defaults).
        c = SimpleNamespace(**{**self.complaint_defaults, **f})
        c.__dict__.update(
            pk=None,  # no extensions to look up
            state=state,
            severity=f.get("severity", ""),
            validity=f.get("validity", ""),
            received_at=f["received_at"],
            clocks_started_at=f["received_at"],
            is_urgent=f.get("is_urgent", False),
            category_id=f["category_id"],
            category=self.categories[f["category_id"]],
            requested_deadline=f.get("requested_deadline"),
            confirmed_at=f.get("confirmed_at"),
            dispatched_at=f.get("dispatched_at"),
            answered_at=f.get("answered_at"),
            resolved_at=f.get("resolved_at"),
            department_id=f.get("department_id"),
            rework_started_at=rework[-1] if rework else None,
            agreed_due_at=None,
            revisit_appointment_at=None,
        )
        esc = []  # (clock, level, role, due_at, escalated_at)
        seen = set()

        def add(kind, level, role, due_at, at):
            if (kind, level, due_at) not in seen:  # the escalations' unique key
                seen.add((kind, level, due_at))
                esc.append((kind, level, role, due_at, min(at, now - dt.timedelta(seconds=1))))

        clocks = {}  # kind -> (started_at, due_at, level, next_at)

        def stepped(kind, started, due, stop, active, roles_):
            """dispatch/answer/resolve/revisit: one level per step that came before ``stop``."""
            ladder = deadlines.steps(kind, c.severity, rules)
            level = 0
            while level < len(ladder) and due + ladder[level] <= stop:
                level += 1
                add(kind, level, roles_(level), due, due + ladder[level - 1])
            clock = SimpleNamespace(kind=kind, started_at=started, due_at=due, level=level)
            next_at = deadlines.next_look(clock, c.severity, rules, now) if active else None
            clocks[kind] = (started, due, level, next_at)

        def ladder_role(level):
            return self.level_roles[min(level, 3) - 1]

        # The one-month rule: a valid complaint unresolved a month after receipt became major
        # (through complaint_reclassify, which re-planned every deadline for the new class).
        original = c.severity
        month_due = c.received_at + dt.timedelta(days=rules.desk.auto_major_days)
        month_fired = (
            c.validity == "valid"
            and c.severity in ("minor", "important")
            and month_due <= (c.resolved_at or end)
        )
        if month_fired:
            c.severity = "major"
            add(K.MONTH, 1, self.gm_role, month_due, month_due + dt.timedelta(minutes=1))
            clocks[K.MONTH] = (c.received_at, month_due, 1, None)

        wanted = deadlines.plan(c, rules)
        if c.validity != "invalid" and c.dispatched_at is not None:
            # Dispatched: the clock the services started at receipt, stopped at dispatch.
            begins, due = deadlines.dispatch_due(c, rules)
            stepped(K.DISPATCH, begins, due, c.dispatched_at, False, ladder_role)
            f["dispatch_due_at"] = due
        elif K.DISPATCH in wanted:
            begins, due, active = wanted[K.DISPATCH]
            stepped(K.DISPATCH, begins, due, end, active, ladder_role)
            f["dispatch_due_at"] = due
        elif c.validity == "invalid" and c.confirmed_at:
            begins, due = deadlines.dispatch_due(c, rules)
            stepped(K.DISPATCH, begins, due, c.confirmed_at, False, ladder_role)
            f["dispatch_due_at"] = None
        if K.NOTIFY in wanted:
            started, due, _active = wanted[K.NOTIFY]
            told = c.confirmed_at + dt.timedelta(seconds=rng.uniform(5, 55))
            if month_fired:
                first = rules.policies.get(original)
                if first is not None and first.notify_role:
                    add(K.NOTIFY, 1, first.notify_role, deadlines.notify_due(started, first), told)
                told = month_due + dt.timedelta(minutes=1)
            add(K.NOTIFY, 1, rules.policies[c.severity].notify_role, due, told)
            clocks[K.NOTIFY] = (started, due, 1, None)
        if K.ANSWER in wanted:
            started, due, active = wanted[K.ANSWER]
            stepped(K.ANSWER, started, due, c.answered_at or end, active, lambda _l: self.gm_role)
        if K.RESOLVE in wanted:
            started, due, active = wanted[K.RESOLVE]
            stepped(K.RESOLVE, started, due, c.resolved_at or end, active, ladder_role)
            stop = min(c.resolved_at or end, end)
            clock = SimpleNamespace(kind=K.REMINDER, started_at=started, due_at=due, level=0)
            times = deadlines.reminder_times(clock, c.severity, rules)
            level = 0
            while level < len(times) and times[level] <= stop:
                level += 1
                if c.department_id:
                    add(K.REMINDER, level, self.head_role, due, times[level - 1])
            next_at = times[level] if active and level < len(times) else None
            clocks[K.REMINDER] = (started, due, level, next_at)
        if K.MONTH in wanted and not month_fired:
            started, due, active = wanted[K.MONTH]
            clocks[K.MONTH] = (started, due, 0, due if active else None)
        if K.REVISIT in wanted:  # resolved, waiting for the revisit
            started, due, active = wanted[K.REVISIT]
            stepped(K.REVISIT, started, due, end, active, lambda _l: self.supervisor_role)
        elif revisits and c.resolved_at:  # the last revisit's clock, stopped by the revisit
            due = deadlines.revisit_due(c, rules)
            stepped(
                K.REVISIT, c.resolved_at, due, revisits[-1]["at"], False,
                lambda _l: self.supervisor_role,
            )  # fmt: skip

        # Progress reports: daily by the desk's time on a signed work order.  Today's report
        # came in before today's deadline, so the clock waits for the next one.
        progress = None
        signed = [o for o in orders if o.get("signed_at")]
        if signed:
            order = signed[-1]
            running = is_open and c.resolved_at is None and order.get("status") == "signed"
            started, due = deadlines.progress_window(order["signed_at"], rules)
            if running:
                while due <= now:
                    started, due = deadlines.daily_window(
                        cal_date(due) + dt.timedelta(days=1), rules
                    )
                latest = now - dt.timedelta(minutes=5)
                if started <= latest:  # today's window: its report is in (before now)
                    progress = started + (latest - started) * rng.uniform(0.05, 0.95)
                clocks[K.PROGRESS] = (started, due, 0, due)
            else:
                clocks[K.PROGRESS] = (started, due, 0, None)

        # Any other clock the engine plans (e.g. telling the resident the result): stopped if
        # done, else waiting for its deadline, or raised once if that has passed.
        for kind, (started, due, active) in wanted.items():
            if kind in clocks or kind in (K.DISPATCH, K.NOTIFY, K.ANSWER, K.RESOLVE, K.MONTH):
                continue
            if not active:
                clocks[kind] = (started, due, 0, None)
            elif due > now:
                clocks[kind] = (started, due, 0, due)
            else:
                add(kind, 1, "owner", due, due)
                clocks[kind] = (started, due, 1, None)

        f["answer_due_at"] = wanted[K.ANSWER].due_at if K.ANSWER in wanted else None
        f["resolve_due_at"] = wanted[K.RESOLVE].due_at if K.RESOLVE in wanted else None
        f["revisit_due_at"] = wanted[K.REVISIT].due_at if K.REVISIT in wanted else None
        f["rework_started_at"] = c.rework_started_at
        f["clocks_started_at"] = c.clocks_started_at
        f["severity"] = c.severity
        f["state"] = state
        return {
            "complaint": f,
            "events": events,
            "orders": orders,
            "revisits": revisits,
            "escalations": esc,
            "clocks": clocks,
            "progress": progress,
        }


def cal_date(value) -> dt.date:
    from complaints import calendar as cal

    return cal.to_local(value).date()
