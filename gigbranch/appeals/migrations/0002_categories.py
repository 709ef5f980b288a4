from django.db import migrations

CATEGORIES = [
    ("wages", "劳动报酬/欠薪", "劳动权益", "urgent", "工资 欠薪 劳动报酬 结算"),
    ("social_insurance", "社会保险/职业伤害保障", "劳动权益", "general", "社保 职业伤害 工伤 保险"),
    ("platform_rules", "平台规则与算法/罚款申诉", "劳动权益", "general", "算法 罚款 派单 超时 申诉"),
    ("traffic", "交通通行与停车", "通行与生活", "general", "通行 停车 电动车 充电 小区进入"),
    ("housing", "住房", "通行与生活", "complex", "租房 宿舍 保障性住房"),
    ("medical", "医疗", "公共服务", "general", "就医 体检 医保"),
    ("schooling", "子女入学", "公共服务", "complex", "入学 随迁子女 学位"),
    ("stations", "驿站与休息", "通行与生活", "general", "驿站 休息 饮水 充电"),
    ("legal", "法律纠纷", "法律服务", "general", "法律援助 纠纷 交通事故 合同"),
    ("mental_health", "心理健康", "公共服务", "urgent", "心理 压力 疏导"),
    ("other", "其他", "其他", "general", ""),
]


def forward(apps, schema_editor):
    Category = apps.get_model("appeals", "Category")
    for position, (code, name, group, priority, keywords) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults={"name": name, "group": group, "default_priority": priority,
                      "keywords": keywords, "position": position,
                      "description": f"新就业群体{name}方面的诉求"},
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
