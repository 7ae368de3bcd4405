"""Demo corrective actions: for most major and important complaints older than a month, as a
quality team would have recorded them; the most recent ones still open."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint

from . import services
from .models import CorrectiveAction

CAUSES = [
    ("设备巡检不到位", "巡检记录流于形式，故障未及时发现", "修订设备巡检表，主管每周抽查"),
    ("派工响应慢", "夜间值班人手不足，派工超时", "调整夜班排班，增加一名值班员"),
    ("外包保洁质量下降", "外包单位人员流动大，培训不足", "约谈外包单位，按月考核并扣款"),
    ("员工服务态度", "新员工未经服务礼仪培训即上岗", "组织全员服务礼仪培训并考核"),
]


@transaction.atomic
def seed_corrective_actions(*, manager, seed: int = 7) -> int:
    if CorrectiveAction.objects.exists():
        return CorrectiveAction.objects.count()
    rng = random.Random(seed)
    cutoff = timezone.now() - dt.timedelta(days=30)
    needing = list(
        Complaint.objects.filter(severity__in=["major", "important"], received_at__lt=cutoff)
        .exclude(validity="invalid")
        .order_by("received_at")
    )
    made = 0
    for start in range(0, len(needing), 3):
        batch = needing[start : start + 3]
        if rng.random() < 0.25:
            continue  # some still lack an action: the report lists them
        title, cause, action_text = rng.choice(CAUSES)
        action = CorrectiveAction(
            title=title,
            cause_analysis=cause,
            action=action_text,
            owner=manager,
            due_date=timezone.localdate(batch[-1].received_at) + dt.timedelta(days=30),
        )
        services.corrective_action_save(action=action, by=manager)
        action.complaints.set(batch)
        if batch[-1].received_at < timezone.now() - dt.timedelta(days=75):
            services.corrective_action_verify(
                action=action, by=manager, note="复查三个月，同类投诉明显减少"
            )
        made += 1
    return made
