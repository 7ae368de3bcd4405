"""Demo complaints: about 300 over the last six months, in every state, class and category.

Each one is driven through the real services with the clock set to the moment the step
happened, so timelines, deadlines and work orders look like a real service centre's.  A fixed
random seed keeps the data the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager
from unittest import mock

from django.db import transaction
from django.utils import timezone

from residents.models import Resident

from . import services
from .models import Category, Complaint, Department

DEPARTMENT_OF = {
    "building": "engineering",
    "equipment": "engineering",
    "security": "security",
    "environment": "environment",
    "service": "service",
}

STORIES = {
    "building": [
        ("楼道墙面大面积脱落，掉下来的墙皮差点砸到小孩", "尽快修补墙面"),
        ("楼顶防水层破损，下雨天顶层卧室渗水", "修好防水并赔偿墙纸损失"),
        ("隔壁在阳台违章搭建阳光房，挡住采光", "要求物业制止并拆除"),
        ("小区主干道路面塌陷一个坑，晚上很危险", "设置警示并修复路面"),
        ("楼梯扶手松动，老人上下楼不安全", "加固扶手"),
    ],
    "equipment": [
        ("楼道声控灯坏了好几天，晚上回家看不见", "今天之内修好"),
        ("电梯经常停在半层，昨天又困人了", "彻查电梯故障并公布维保记录"),
        ("家里水压太低，早上几乎没水", "检查二次供水水泵"),
        ("地下车库排水管漏水，车顶都是水渍", "修理管道"),
        ("暖气片不热，室温只有十几度", "尽快排查供暖"),
        ("消防栓箱玻璃破了一直没人换", "更换并检查消防设施"),
    ],
    "security": [
        ("外来车辆随意停在消防通道", "加强巡查并清理"),
        ("半夜有陌生人进单元楼，门禁形同虚设", "加强门岗登记"),
        ("保安夜间巡逻对讲机声音太大，吵得睡不着", "巡逻时调低音量"),
        ("车位被人长期占用，物业不管", "处理占用车位"),
        ("搬家公司搬东西出门没人核查", "规范物品放行"),
    ],
    "environment": [
        ("垃圾桶满了没人清，味道很大", "每天按时清运"),
        ("楼下餐馆油烟直排，窗户都不敢开", "协调商户整改"),
        ("草坪很久没修剪，蚊子特别多", "修剪绿化并消杀"),
        ("电梯间地面很脏，保洁好几天没拖", "加强保洁频次"),
        ("广场舞音乐太响，晚上十点还没停", "协调控制音量和时间"),
    ],
    "service": [
        ("物业费账单多收了一个月的费用", "核对并退还多收费用"),
        ("前台工作人员态度很差，不耐烦", "要求道歉并加强培训"),
        ("会所游泳池开放时间没有通知就改了", "提前公示开放时间"),
        ("班车经常晚点，上班迟到", "按时发车"),
        ("报修的家政服务预约了没人上门", "尽快安排上门"),
    ],
}
RESULTS = [
    "已现场处理完毕，业主确认",
    "已更换损坏部件并测试正常",
    "已协调相关方整改到位",
    "已安排专人跟进并完成整改",
    "已修复并加强日常巡查",
]
UNHAPPY = ["问题没有彻底解决，又出现了", "处理得太慢，不满意", "只是临时处理，没有根治"]

CHANNELS = [
    ("phone", 40),
    ("walk_in", 25),
    ("online", 15),
    ("on_site", 8),
    ("letter", 3),
    ("box", 3),
    ("email", 2),
    ("on_behalf", 3),
    ("forwarded", 1),
]
SEVERITIES = [("minor", 62), ("important", 30), ("major", 8)]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


@contextmanager
def _clock(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _workday_moment(rng: random.Random, day: dt.date) -> dt.datetime:
    hour = rng.choices(
        [8, 9, 10, 11, 13, 14, 15, 16, 17, 19, 21], weights=[5, 12, 12, 10, 8, 10, 10, 9, 7, 4, 2]
    )[0]
    naive = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))
    return timezone.make_aware(naive)


def seed_complaints(*, users: dict, estate, count: int = 300, seed: int = 42) -> int:
    """Create the demo complaints once; return how many exist for the demo property."""
    existing = Complaint.objects.filter(estate=estate).count()
    if existing:
        return existing
    rng = random.Random(seed)
    residents = list(
        Resident.objects.filter(unit__building__property=estate)
        .select_related("unit__building__property")
        .order_by("id")
    )
    leaves = list(
        Category.objects.filter(parent__code__in=STORIES, is_urgent=False)
        .select_related("parent")
        .order_by("id")
    )
    departments = {d.code: d for d in Department.objects.all()}
    heads = {
        "engineering": users["eng_head"],
        "security": users["sec_head"],
        "environment": users["env_head"],
        "service": users["svc_head"],
    }
    desk, supervisor = users["frontdesk"], users["supervisor"]
    real_now = timezone.now()
    today = timezone.localdate(real_now)
    regulars = rng.sample(residents, 12)  # people who complain again and again

    habits = {r.pk: rng.choice(leaves) for r in regulars}  # each regular has a pet topic
    plans = []
    for _ in range(count):
        if rng.random() < 0.2:
            age_days = rng.randrange(0, 4)  # this week's work, still moving
        else:
            age_days = int(rng.triangular(4, 182, 30))
        plans.append((today - dt.timedelta(days=age_days), None, None))
    # A burst: six households of the property report low water pressure one morning.
    burst_day = today - dt.timedelta(days=5)
    pump = Category.objects.get(code="equipment-4")
    for n, res in enumerate(rng.sample(residents, 6)):
        moment = timezone.make_aware(dt.datetime.combine(burst_day, dt.time(7, 10 + n * 7)))
        plans.append((moment, res, pump))
    plans.sort(
        key=lambda p: (
            p[0]
            if isinstance(p[0], dt.datetime)
            else timezone.make_aware(dt.datetime.combine(p[0], dt.time()))
        )
    )

    for when, resident, leaf in plans:
        received_at = when if isinstance(when, dt.datetime) else _workday_moment(rng, when)
        if received_at >= real_now:
            received_at = real_now - dt.timedelta(minutes=rng.randrange(5, 240))
        _one(
            rng,
            received_at=received_at,
            real_now=real_now,
            residents=residents,
            regulars=regulars,
            habits=habits,
            leaves=leaves,
            departments=departments,
            heads=heads,
            desk=desk,
            supervisor=supervisor,
            resident=resident,
            leaf=leaf,
        )
    _near_deadlines(
        rng,
        residents=residents,
        leaves=leaves,
        departments=departments,
        heads=heads,
        desk=desk,
        real_now=real_now,
    )
    return Complaint.objects.filter(estate=estate).count()


def _near_deadlines(rng, *, residents, leaves, departments, heads, desk, real_now):
    """A few complaints whose deadlines fall in the first minutes after `make run` starts,
    so the beat's sweep is seen escalating them.  The urgent one escalates at any hour; the
    other waits for the day shift when `make run` starts at night (night duty)."""
    for minutes_ago, stage in [
        (8, "received"),
        (9, "urgent"),
        (47 * 60 + 57, "signed"),
        (71 * 60 + 58, "signed"),
    ]:
        resident = rng.choice(residents)
        leaf = rng.choice(leaves)
        text, demand = rng.choice(STORIES[leaf.parent.code])
        received_at = real_now - dt.timedelta(minutes=minutes_ago)
        with _clock(received_at):
            c = services.complaint_create(
                by=desk,
                channel="phone",
                description=text,
                demand=demand,
                contact_name=resident.name,
                contact_phone=resident.phone,
                resident=resident,
                category=leaf,
                received_at=received_at,
                is_urgent=stage == "urgent",
            )
        if stage in ("received", "urgent"):
            continue
        department = departments[DEPARTMENT_OF[leaf.parent.code]]
        with _clock(received_at + dt.timedelta(minutes=4)):
            services.complaint_confirm(
                complaint=c,
                by=desk,
                severity="minor" if minutes_ago < 60 * 60 else "important",
                category=leaf,
                validity="valid",
                responsibility="class1",
                department=department,
            )
        with _clock(received_at + dt.timedelta(minutes=9)):
            c.refresh_from_db()
            services.work_order_sign(work_order=c.active_work_order, by=heads[department.code])


@transaction.atomic
def _one(
    rng,
    *,
    received_at,
    real_now,
    residents,
    regulars,
    habits,
    leaves,
    departments,
    heads,
    desk,
    supervisor,
    resident=None,
    leaf=None,
):
    if resident is None:
        resident = rng.choice(regulars) if rng.random() < 0.12 else rng.choice(residents)
    if leaf is None:
        leaf = habits.get(resident.pk) or rng.choice(leaves)
    root = leaf.parent.code
    text, demand = rng.choice(STORIES[root])
    anonymous = rng.random() < 0.04
    with _clock(received_at):
        complaint = services.complaint_create(
            by=desk,
            channel=_pick(rng, CHANNELS),
            description=text,
            demand=demand,
            contact_name="匿名" if anonymous else resident.name,
            contact_phone=resident.phone,
            resident=resident,
            is_anonymous=anonymous,
            category=leaf,
            location=f"{resident.unit.building.number}栋{resident.unit.stairway}单元",
            received_at=received_at,
            occurred_at=received_at - dt.timedelta(hours=rng.randrange(1, 72)),
            economic_loss=(
                rng.choice([180, 350, 620, 1200, 2800]) if rng.random() < 0.04 else None
            ),
        )
    age = real_now - received_at
    moment = received_at

    stalls = rng.random() < 0.08  # a department that lets this one slip

    def later(minutes_low, minutes_high):
        nonlocal moment
        if stalls and moment > received_at and rng.random() < 0.5:
            return None
        step = dt.timedelta(minutes=rng.randrange(minutes_low, minutes_high))
        if moment + step >= real_now:
            return None
        moment = moment + step
        return moment

    # Recent ones stay earlier in the workflow; old ones are mostly closed.
    if age < dt.timedelta(minutes=30) and rng.random() < 0.7:
        return complaint
    # Most are dispatched well inside the 10 minutes; some slip.
    when = later(2, 10) if rng.random() < 0.85 else later(10, 90)
    if when is None:
        return complaint
    severity = _pick(rng, SEVERITIES)
    invalid = rng.random() < 0.06
    department = departments[DEPARTMENT_OF[root]]
    with _clock(when):
        services.complaint_confirm(
            complaint=complaint,
            by=desk,
            severity=severity,
            category=leaf,
            validity="invalid" if invalid else ("assist" if rng.random() < 0.1 else "valid"),
            responsibility=_pick(rng, [("class1", 80), ("class2", 12), ("class3", 8)]),
            department=None if invalid else department,
            explanation="经核实不属于物业服务范围，已向业主耐心解释" if invalid else "",
        )
    complaint.refresh_from_db()
    if invalid:
        when = later(30, 600)
        if when:
            with _clock(when):
                services.complaint_close_invalid(complaint=complaint, by=desk)
        return complaint
    head = heads[department.code]
    for round_ in range(3):
        order = complaint.active_work_order
        when = later(3, 40 if rng.random() < 0.8 else 300)
        if when is None:
            return complaint
        with _clock(when):
            services.work_order_sign(work_order=order, by=head)
        complaint.refresh_from_db()
        if complaint.state == Complaint.State.CONFIRMED:
            when = later(30, 600)
            if when is None:
                return complaint
            with _clock(when):
                services.complaint_investigate(
                    complaint=complaint, by=head, plan="已到现场查看，制定处理方案并告知业主"
                )
            complaint.refresh_from_db()
        budget = {"minor": 2, "important": 3, "major": 10}[complaint.severity] * 24 * 60
        late = rng.random() < 0.12
        when = later(60, int(budget * (1.6 if late else 0.8)))
        if when is None:
            if rng.random() < 0.5:
                with _clock(real_now - dt.timedelta(hours=rng.randrange(1, 20))):
                    services.complaint_progress(
                        complaint=complaint, by=head, note="材料已订购，预计明天到货"
                    )
            return complaint
        with _clock(when):
            services.complaint_resolve(complaint=complaint, by=head, result=rng.choice(RESULTS))
        complaint.refresh_from_db()
        when = later(60, 12 * 60)
        if when is None:
            return complaint
        unhappy = round_ < 2 and rng.random() < 0.08
        with _clock(when):
            services.complaint_revisit(
                complaint=complaint,
                by=supervisor,
                method=_pick(rng, [("phone", 80), ("visit", 15), ("online", 5)]),
                satisfaction="unsatisfied"
                if unhappy
                else _pick(rng, [("satisfied", 85), ("basic", 15)]),
                comment=rng.choice(UNHAPPY) if unhappy else "",
            )
        complaint.refresh_from_db()
        if not unhappy:
            break
    when = later(60, 3 * 24 * 60)
    if when is not None and complaint.state == Complaint.State.REVISITED:
        with _clock(when):
            # The desk proposes with the case summary; the supervisor reviews and archives.
            services.complaint_propose_archive(
                complaint=complaint, by=desk, summary=f"{complaint.result_note}；业主已确认满意"
            )
            services.complaint_close(complaint=complaint, by=supervisor)
    return complaint
