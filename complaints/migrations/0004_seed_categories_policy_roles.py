"""Seed the five domain categories (with common sub-categories) and the desk policy.  (Role
permissions are applied after every migrate: see the table in complaints/roles.py.)"""

from django.db import migrations

CATEGORIES = [
    ("building", "房屋管理", ["公共部位", "屋面与外墙", "楼梯与走道", "道路", "违章搭建", "装修审批"]),
    ("equipment", "设备管理", ["给排水管道", "照明", "电梯", "水泵", "供暖", "消防系统"]),
    ("security", "安全管理", ["来访管理", "物品搬出", "车辆与停车", "消防安全", "巡逻噪音", "突发事件"]),
    ("environment", "环境管理", ["保洁", "绿化", "垃圾清运", "消杀", "商铺油烟与摊贩", "噪音"]),
    ("service", "综合服务", ["家政服务", "收费", "员工态度", "社区活动", "会所", "班车"]),
]

def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    DeskPolicy = apps.get_model("complaints", "DeskPolicy")
    for order, (code, name, children) in enumerate(CATEGORIES, start=1):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order * 10}
        )
        for sub_order, child in enumerate(children, start=1):
            Category.objects.get_or_create(
                code=f"{code}-{sub_order}",
                defaults={"name": child, "parent": parent, "sort_order": sub_order},
            )
    if not DeskPolicy.objects.exists():
        DeskPolicy.objects.create()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_complaint_workflow")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
