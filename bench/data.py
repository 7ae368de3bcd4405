"""The data set: the registry brought to one property per 2,000 complaints, and the
complaints themselves, generated as the services and the sweep would have left them.

:class:`Loader` plans each complaint here (its fields, work orders, revisits, timeline); its
deadlines, clocks and escalation history come from :class:`bench.clocks.ClocksMixin`, and
the rows are written by :class:`bench.tables.InsertMixin`."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from bench.clocks import ClocksMixin
from bench.harness import SEED
from bench.tables import InsertMixin, Table
from complaints.search import document_of

# --- the data set ---------------------------------------------------------------------------
ESTATE_NAMES = [
    "金桂苑", "银杏园", "滨江壹号", "锦绣华庭", "紫荆花园", "云栖里", "听涛苑", "香樟郡",
    "玉兰公寓", "枫丹白露", "御景湾", "南湖春晓", "星河湾", "翡翠城", "碧水蓝天", "书香门第",
]  # fmt: skip

HOURS = [8, 9, 10, 11, 13, 14, 15, 16, 17, 19, 21]
HOUR_WEIGHTS = [5, 12, 12, 10, 8, 10, 10, 9, 7, 4, 2]


def seed_more_properties(total: int, rng: random.Random) -> int:
    """Bring the registry to ``total`` properties like the demo one (432 units, ~200 people)."""
    from residents.demo import GIVEN, MOBILE_PREFIXES, SURNAMES
    from residents.models import Building, Property, Resident, Unit

    existing = Property.objects.count()
    used = {p.as_e164 for p in Resident.objects.values_list("phone", flat=True)}

    def name():
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))

    def mobile():
        while True:
            number = "+86" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if number not in used:
                used.add(number)
                return number

    for i in range(existing, total):
        label = ESTATE_NAMES[i % len(ESTATE_NAMES)] + (
            f"{i // len(ESTATE_NAMES) + 1}期" if i >= len(ESTATE_NAMES) else ""
        )
        prop = Property.objects.create(name=label, code=f"bench-{i}", address="杭州市")
        buildings = Building.objects.bulk_create(
            [Building(property=prop, number=str(n), name=f"{n}栋") for n in range(1, 7)]
        )
        units = Unit.objects.bulk_create(
            [
                Unit(building=b, stairway=s, room=f"{floor}{door:02d}", floor=floor)
                for b in buildings
                for s in ("1", "2")
                for floor in range(1, 19)
                for door in (1, 2)
            ]
        )
        residents = []
        for unit in rng.sample(units, 130):
            owner = name()
            residents.append(Resident(unit=unit, name=owner, phone=mobile()))
            if rng.random() < 0.45:
                residents.append(
                    Resident(
                        unit=unit, name=owner[0] + name()[1:], phone=mobile(), relation="family"
                    )
                )
            if rng.random() < 0.15:
                residents.append(
                    Resident(unit=unit, name=name(), phone=mobile(), relation="tenant")
                )
        Resident.objects.bulk_create(residents)
    return total


class Loader(ClocksMixin, InsertMixin):
    """Generates complaints whose fields, work orders, revisits, timeline and escalation
    history are what the services and the sweep would have left behind by ``now``.

    Deadlines come from the engine's own ``complaints.sla.deadlines`` (``plan``, ``steps``,
    ``reminder_times``, ``next_look``), and every complaint gets the ``Clock`` rows the
    services would have written (stopped ones with ``next_at`` empty); every breach the sweep
    would record by ``now`` is recorded and each running clock's ``next_at`` is in the future,
    so a sweep at ``now`` finds nothing to do (checked after each load: see ``drained``).
    :meth:`Bench.make_due` then makes any number of them newly due with one ``UPDATE``.
    """

    TIMELINE_SHARE = 0.3  # complaints with a full timeline (every one gets its escalations)

    def __init__(self, *, now: dt.datetime, users: dict, seed: int = SEED):
        from complaints import roles
        from complaints.demo_complaints import CHANNELS, DEPARTMENT_OF, RESULTS, STORIES, UNHAPPY
        from complaints.models import Category, Department
        from complaints.sla.rules import Rules
        from residents.models import Resident, Unit

        self.rng = random.Random(seed)
        self.now = now
        self.users = users
        self.rules = Rules.load()
        self.categories = {c.pk: c for c in Category.objects.all()}
        from complaints.models import Complaint

        self.complaint_defaults = {
            f.attname: (None if f.null else f.get_default())
            for f in Complaint._meta.concrete_fields
            if not f.primary_key
        }
        self.stories, self.results, self.unhappy = STORIES, RESULTS, UNHAPPY
        self.channels = CHANNELS
        self.departments = {d.code: d.pk for d in Department.objects.all()}
        self.department_of = DEPARTMENT_OF
        # The demo's headings (with stories and a department each); headings added later by
        # migrations, that the demo has no stories for, are left out.
        self.leaves = [
            (c.pk, c.parent.code)
            for c in Category.objects.filter(parent__isnull=False)
            .select_related("parent")
            .order_by("pk")
            if c.parent.code in STORIES and c.parent.code in DEPARTMENT_OF
        ]
        heads = {"engineering": "eng_head", "security": "sec_head", "environment": "env_head"}
        heads["service"] = "svc_head"
        self.head_of = {self.departments[code]: users[name].pk for code, name in heads.items()}
        self.residents = [
            # The phone as the app stores it: E.164 (str() would give the national display
            # format, PHONENUMBER_DEFAULT_FORMAT, which the search's exact path never matches).
            (*row[:4], row[4].as_e164, *row[5:])
            for row in Resident.objects.order_by("pk").values_list(
                "pk",
                "unit_id",
                "unit__building__property_id",
                "name",
                "phone",
                "unit__building__number",
                "unit__stairway",
            )
        ]
        self.units = list(
            Unit.objects.order_by("pk").values_list(
                "pk", "building__property_id", "building__number", "stairway"
            )
        )
        self.regulars = self.rng.sample(self.residents, max(12, len(self.residents) // 40))
        self.level_roles = [roles.SUPERVISOR, roles.MANAGER, roles.GENERAL_MANAGER]
        self.gm_role = roles.GENERAL_MANAGER
        self.head_role = roles.DEPARTMENT_HEAD
        self.supervisor_role = roles.SUPERVISOR
        self.role_users = {
            role: [
                u.pk
                for u in users.values()
                if not u.is_superuser and role in {g.name for g in u.groups.all()}
            ]
            for role in (*self.level_roles, roles.DEPARTMENT_HEAD)
        }
        self.seq = defaultdict(int)
        local_now = timezone_localtime(now)
        self.day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        from complaints.models import (
            Clock,
            Complaint,
            ComplaintEvent,
            Escalation,
            Notification,
            Revisit,
            WorkOrder,
        )

        self.tables = {
            model: Table(model, now=now)
            for model in (
                Complaint,
                WorkOrder,
                Revisit,
                Clock,
                Escalation,
                Notification,
                ComplaintEvent,
            )
        }

    # -- one complaint ------------------------------------------------------------------
    def _pick(self, weighted):
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def _received_at(self) -> dt.datetime:
        rng, now = self.rng, self.now
        if rng.random() < 0.03:  # this week's work, still moving
            return now - dt.timedelta(seconds=rng.uniform(60, 3 * 86400))
        day = timezone_localtime(now - dt.timedelta(days=rng.uniform(0, 365))).date()
        hour = rng.choices(HOURS, weights=HOUR_WEIGHTS)[0]
        moment = make_aware_local(
            dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))
        )
        if moment >= now:
            moment = now - dt.timedelta(minutes=rng.uniform(1, 240))
        return moment

    def plan(self) -> dict:
        """Fields and dependants of one complaint (nothing saved)."""
        rng, now = self.rng, self.now
        desk, supervisor = self.users["frontdesk"].pk, self.users["supervisor"].pk
        received = self._received_at()
        period = timezone_localtime(received).strftime("%Y%m")
        self.seq[period] += 1
        leaf_id, root = rng.choice(self.leaves)
        text, demand = rng.choice(self.stories[root])
        f = {
            "number": f"TS-{period}-{self.seq[period]:04d}",
            "channel": self._pick(self.channels),
            "received_at": received,
            "occurred_at": received - dt.timedelta(hours=rng.randrange(1, 72)),
            "description": text,
            "demand": demand,
            "category_id": leaf_id,
            "received_by_id": desk,
            "dispatch_due_at": None,
            "is_urgent": rng.random() < 0.02,
        }
        if rng.random() < 0.88:
            pool = self.regulars if rng.random() < 0.12 else self.residents
            rid, unit_id, estate_id, name, phone, building, stair = rng.choice(pool)
            anonymous = rng.random() < 0.04
            f.update(
                resident_id=None if anonymous else rid,
                unit_id=unit_id,
                estate_id=estate_id,
                is_anonymous=anonymous,
                contact_name="匿名" if anonymous else name,
                contact_phone=phone,
            )
        else:  # someone not in the registry (a visitor, a new tenant)
            unit_id, estate_id, building, stair = rng.choice(self.units)
            f.update(
                unit_id=unit_id if rng.random() < 0.5 else None,
                estate_id=estate_id,
                contact_name="访客" + str(rng.randrange(100)),
                contact_phone=f"+86139{rng.randrange(10**8):08d}",
            )
        f["location"] = f"{building}栋{stair}单元"
        # What Complaint.save() writes for the free-text search's index.
        f["search_tokens"] = document_of(f["contact_name"], f["description"], f["location"])
        if rng.random() < 0.03:
            f["economic_loss"] = Decimal(rng.randrange(50, 5000))
        if rng.random() < 0.15:
            f["repeat_level"] = self._pick([("intermediate", 70), ("advanced", 30)])

        events, orders, revisits = [], [], []
        timeline = rng.random() < self.TIMELINE_SHARE

        def event(kind, at, actor, from_state="", to_state="", note="", order=None):
            if timeline:
                events.append((kind, at, actor, from_state, to_state, note, order))

        event("created", received, desk, to_state="received", note="电话")
        state = "received"
        clock = {"moment": received}
        stalls = rng.random() < 0.08

        def later(low, high):
            if stalls and clock["moment"] > received and rng.random() < 0.5:
                return None
            moment = clock["moment"] + dt.timedelta(minutes=rng.uniform(low, high))
            if moment >= now:
                return None
            clock["moment"] = moment
            return moment

        def finish():
            return self._finish(f, state, events, orders, revisits, timeline)

        if now - received < dt.timedelta(minutes=30) and rng.random() < 0.7:
            return finish()
        when = later(2, 25 if rng.random() < 0.85 else 90)
        if when is None:
            return finish()
        severity = self._pick([("minor", 62), ("important", 30), ("major", 8)])
        invalid = rng.random() < 0.06
        f.update(
            severity=severity,
            validity="invalid" if invalid else ("assist" if rng.random() < 0.1 else "valid"),
            responsibility=self._pick([("class1", 80), ("class2", 12), ("class3", 8)]),
            confirmed_at=when,
        )
        if severity == "minor" and rng.random() < 0.1:
            f["requested_deadline"] = received + dt.timedelta(hours=rng.randrange(12, 72))
        if rng.random() < 0.005:
            f["is_special"] = True
            f["severity"] = "major"
        state = "confirmed"
        event("classified", when, desk, note=f["severity"])
        event("transition", when, desk, "received", "confirmed")
        if invalid:
            f["explanation"] = "经核实不属于物业服务范围，已向业主耐心解释"
            when = later(30, 600)
            if when:
                state = "closed"
                f.update(closed_at=when, answered_at=when)
                event("transition", when, desk, "confirmed", "closed", f["explanation"])
            return finish()
        department = self.departments[self.department_of[root]]
        head = self.head_of[department]
        f.update(department_id=department, dispatched_at=when)
        orders.append({"department_id": department, "dispatched_at": when, "is_rework": False})
        event("dispatched", when, desk, note="派工", order=len(orders) - 1)
        for round_ in range(3):
            order = orders[-1]
            when = later(3, 40 if rng.random() < 0.8 else 300)
            if when is None:
                return finish()
            order.update(status="signed", signed_at=when, signed_by_id=head)
            event("signed", when, head, order=len(orders) - 1)
            if state == "confirmed":
                when = later(30, 600)
                if when is None:
                    return finish()
                state = "investigated"
                f["investigation_plan"] = "已到现场查看，制定处理方案并告知业主"
                f.setdefault("answered_at", when)
                event("transition", when, head, "confirmed", "investigated", order=len(orders) - 1)
            budget = {"minor": 2, "important": 3, "major": 10}[f["severity"]] * 24 * 60
            when = later(60, int(budget * (1.6 if rng.random() < 0.12 else 0.8)))
            if when is None:
                return finish()
            state = "resolved"
            f.update(resolved_at=when, result_note=rng.choice(self.results))
            order.update(status="done", finished_at=when)
            event("transition", when, head, "investigated", "resolved", f["result_note"])
            when = later(60, 12 * 60)
            if when is None:
                return finish()
            unhappy = round_ < 2 and rng.random() < 0.08
            satisfaction = (
                "unsatisfied" if unhappy else self._pick([("satisfied", 85), ("basic", 15)])
            )
            revisits.append(
                {
                    "method": self._pick([("phone", 80), ("visit", 15), ("online", 5)]),
                    "satisfaction": satisfaction,
                    "comment": rng.choice(self.unhappy) if unhappy else "",
                    "at": when,
                }
            )
            event("revisit", when, supervisor, note=satisfaction)
            if unhappy:
                state = "investigated"
                f.update(resolved_at=None, result_note="")
                event("transition", when, supervisor, "resolved", "investigated")
                orders.append(
                    {"department_id": department, "dispatched_at": when, "is_rework": True}
                )
                event("dispatched", when, supervisor, note="返工", order=len(orders) - 1)
                continue
            state = "revisited"
            event("transition", when, supervisor, "resolved", "revisited")
            break
        if state == "revisited":
            when = later(60, 3 * 24 * 60)
            if when:
                state = "closed"
                f["closed_at"] = when
                event("transition", when, supervisor, "revisited", "closed")
        return finish()


def timezone_localtime(value):
    from django.utils import timezone

    return timezone.localtime(value)


def make_aware_local(value):
    from django.utils import timezone

    return timezone.make_aware(value)
