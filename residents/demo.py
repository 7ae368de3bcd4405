"""Demo registry: one property with a few buildings and about 200 residents.

Generated from a fixed random seed, so every run (and every test or screenshot) sees the
same names, rooms and phone numbers.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from .models import Building, Property, Resident, Unit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏建华飞鑫波宇浩凯健俊帆帅旭宁欣怡佳琪梓涵子轩雨桐浩然一诺梦瑶思远嘉怡晨阳"
MOBILE_PREFIXES = [
    "138",
    "139",
    "137",
    "136",
    "135",
    "150",
    "151",
    "158",
    "159",
    "186",
    "187",
    "188",
    "189",
    "177",
    "133",
    "153",
    "180",
    "181",
    "199",
]

PROPERTY_NAME = "翠湖花园"
PROPERTY_CODE = "cuihu"


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
    return rng.choice(SURNAMES) + given


def _mobile(rng: random.Random, used: set[str]) -> str:
    while True:
        number = rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(8))
        if number not in used:
            used.add(number)
            return "+86" + number


@transaction.atomic
def seed_registry(*, households: int = 130, seed: int = 20261123) -> Property:
    """Create the demo property unless it exists; return it. Idempotent."""
    existing = Property.objects.filter(code=PROPERTY_CODE).first()
    if existing:
        return existing
    rng = random.Random(seed)
    prop = Property.objects.create(
        name=PROPERTY_NAME, code=PROPERTY_CODE, address="杭州市西湖区文三路 88 号"
    )
    buildings = [
        Building.objects.create(property=prop, number=str(n), name=f"{n}栋") for n in range(1, 7)
    ]
    units: list[Unit] = []
    for building in buildings:
        for stairway in ("1", "2"):
            for floor in range(1, 19):
                for door in (1, 2):
                    units.append(
                        Unit(
                            building=building,
                            stairway=stairway,
                            room=f"{floor}{door:02d}",
                            floor=floor,
                            area=Decimal(rng.choice([89, 96, 108, 125, 143])) + Decimal("0.50"),
                        )
                    )
    Unit.objects.bulk_create(units)
    units = list(Unit.objects.filter(building__property=prop))
    used: set[str] = set()
    residents: list[Resident] = []
    for unit in rng.sample(units, households):
        moved_in = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650))
        owner = _name(rng)
        residents.append(
            Resident(
                unit=unit,
                name=owner,
                phone=_mobile(rng, used),
                relation=Resident.Relation.OWNER,
                moved_in=moved_in,
            )
        )
        if rng.random() < 0.45:
            residents.append(
                Resident(
                    unit=unit,
                    name=owner[0] + _name(rng)[1:],
                    phone=_mobile(rng, used),
                    relation=Resident.Relation.FAMILY,
                    moved_in=moved_in,
                )
            )
        if rng.random() < 0.15:
            residents.append(
                Resident(
                    unit=unit,
                    name=_name(rng),
                    phone=_mobile(rng, used),
                    relation=Resident.Relation.TENANT,
                    moved_in=moved_in + dt.timedelta(days=400),
                    notes="租户，合同至明年年底",
                )
            )
    Resident.objects.bulk_create(residents)
    return prop
