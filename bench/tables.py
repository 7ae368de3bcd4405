"""Writing the generated rows: :class:`Table` (``executemany`` / ``COPY`` with explicit
primary keys) and the part of :class:`bench.data.Loader` that inserts a batch."""

from __future__ import annotations

import datetime as dt
import json

from bench.harness import BATCH


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


class Table:
    """Rows for one model with explicit primary keys, written with ``executemany`` (SQLite)
    or ``COPY`` (PostgreSQL): Django's bulk_create spends ~30 µs on every field value, which
    at 100,000 complaints and their dependants is minutes."""

    def __init__(self, model, *, now: dt.datetime):
        from django.db import connection, models
        from django.db.models import Max

        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {}
        self.adapters = []
        sqlite = connection.vendor == "sqlite"
        for f in self.fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                self.defaults[f.attname] = now
            elif not f.primary_key:
                self.defaults[f.attname] = f.get_default()
            is_datetime = isinstance(f, models.DateTimeField)
            if isinstance(f, models.JSONField):  # the events' and notifications' facts
                self.adapters.append(_json_text)
            else:
                self.adapters.append(
                    connection.ops.adapt_datetimefield_value if sqlite and is_datetime else None
                )
        self.next_id = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, values: dict) -> int:
        pk = self.next_id
        self.next_id += 1
        row = []
        get, defaults = values.get, self.defaults
        for f, adapt in zip(self.fields, self.adapters, strict=True):
            value = pk if f.primary_key else get(f.attname, defaults.get(f.attname))
            row.append(adapt(value) if adapt is not None and value is not None else value)
        self.rows.append(tuple(row))
        return pk

    def flush(self) -> None:
        from django.db import connection

        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", self.rows)
        self.written += len(self.rows)
        self.rows = []

    def reset_sequence(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(statement)


class InsertMixin:
    """The part of :class:`bench.data.Loader` that writes its plans, a batch at a time."""

    # -- a batch ------------------------------------------------------------------------
    def load(self, count: int) -> None:
        from django.db import transaction

        done = 0
        while done < count:
            size = min(BATCH, count - done)
            plans = [self.plan() for _ in range(size)]
            with transaction.atomic():
                self._insert(plans)
            done += size
        for table in self.tables.values():
            table.reset_sequence()

    def _insert(self, plans) -> None:
        from complaints.models import (
            Clock,
            Complaint,
            ComplaintEvent,
            Escalation,
            Notification,
            Revisit,
            WorkOrder,
        )

        now, rng = self.now, self.rng
        desk, supervisor = self.users["frontdesk"].pk, self.users["supervisor"].pk
        t = self.tables
        for p in plans:
            c = p["complaint"]
            pk = t[Complaint].add(c)
            order_ids = [
                t[WorkOrder].add(
                    {
                        "complaint_id": pk,
                        "department_id": o["department_id"],
                        "status": o.get("status", "pending"),
                        "is_rework": o["is_rework"],
                        "dispatched_by_id": desk,
                        "dispatched_at": o["dispatched_at"],
                        "signed_by_id": o.get("signed_by_id"),
                        "signed_at": o.get("signed_at"),
                        "finished_at": o.get("finished_at"),
                    }
                )
                for o in p["orders"]
            ]
            for r in p["revisits"]:
                t[Revisit].add({"complaint_id": pk, "by_id": supervisor, **r})
            for kind, (started_at, due_at, level, next_at) in p["clocks"].items():
                t[Clock].add(
                    {
                        "complaint_id": pk,
                        "kind": kind,
                        "started_at": started_at,
                        "due_at": due_at,
                        "level": level,
                        "next_at": next_at,
                    }
                )
            for clock, level, role, due_at, at in p["escalations"]:
                escalation = t[Escalation].add(
                    {
                        "complaint_id": pk,
                        "clock": clock,
                        "level": level,
                        "role": role,
                        "due_at": due_at,
                        "escalated_at": at,
                    }
                )
                department = c.get("department_id")
                if role == self.head_role:  # reminders, progress: the department's head
                    recipients = [self.head_of[department]] if department else []
                else:
                    recipients = list(self.role_users.get(role, []))
                if department and (clock == "answer" or (clock == "resolve" and level == 1)):
                    recipients.append(self.head_of[department])
                message = f"{c['number']}: {clock} L{level}"
                old = now - at > dt.timedelta(days=3)
                for user_id in recipients:
                    read = old or rng.random() < 0.5
                    t[Notification].add(
                        {
                            "recipient_id": user_id,
                            "complaint_id": pk,
                            "escalation_id": escalation,
                            "message": message,
                            "created_at": at,
                            "delivered_at": at + dt.timedelta(seconds=20),
                            "attempts": 1,
                            "read_at": min(now, at + dt.timedelta(hours=2)) if read else None,
                        }
                    )
                if clock not in ("reminder", "notify"):
                    t[ComplaintEvent].add(
                        {"complaint_id": pk, "kind": "escalated", "at": at, "note": message}
                    )
            for kind, at, actor, from_state, to_state, note, order in p["events"]:
                t[ComplaintEvent].add(
                    {
                        "complaint_id": pk,
                        "kind": kind,
                        "actor_id": actor,
                        "at": at,
                        "from_state": from_state,
                        "to_state": to_state,
                        "note": note,
                        "work_order_id": order_ids[order] if order is not None else None,
                    }
                )
            if p["progress"] is not None:
                t[ComplaintEvent].add(
                    {
                        "complaint_id": pk,
                        "kind": "progress",
                        "actor_id": self.head_of[c["department_id"]],
                        "at": p["progress"],
                        "note": "今日进展：材料已订购",
                        "work_order_id": order_ids[-1],
                    }
                )
        for table in t.values():  # in dependency order (dicts keep insertion order)
            table.flush()

    def save_sequences(self) -> None:
        from complaints.models import ComplaintSequence

        for period, value in self.seq.items():
            ComplaintSequence.objects.update_or_create(
                period=period, defaults={"last_value": value}
            )
