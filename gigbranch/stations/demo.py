"""Demo data for issue 7: stations, check-ins, providers and slots, articles, activities.

Stations follow DESIGN §5 (county 40, city 600). Bulk inserts for speed; deterministic.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from gigbranch.accounts import services as account_services
from gigbranch.accounts.roles import Role

AMENITY_SETS = [
    ["water", "microwave", "charging", "toilet", "seating", "air_conditioning"],
    ["water", "charging", "seating", "first_aid", "wifi"],
    [
        "water",
        "microwave",
        "charging",
        "seating",
        "air_conditioning",
        "first_aid",
        "wifi",
        "repair",
    ],
    ["water", "toilet", "seating", "umbrella"],
    ["water", "microwave", "charging", "books", "wifi"],
]
HOURS = [
    "24小时",
    "08:00-20:00",
    "周一至周五 08:30-21:00；周六、日 09:00-18:00",
    "07:00-22:00",
    "18:00-06:00",
]
KINDS = ["party_service", "union_outdoor", "warm_heart", "love", "rider_home"]
KIND_NAMES = {
    "party_service": "党群服务站",
    "union_outdoor": "户外劳动者服务站点",
    "warm_heart": "暖心驿站",
    "love": "爱心驿站",
    "rider_home": "骑手之家",
}
STATIONS_BY_SCALE = {"county": 40, "city": 600}

ARTICLES = [
    (
        "新就业形态劳动者权益保障十问十答",
        "article",
        "<h3>一、平台能不能随意扣钱？</h3><p>平台制定或调整直接涉及劳动者权益的制度规则和平台算法，"
        "应当充分听取劳动者意见，并公示。</p><h3>二、发生职业伤害怎么办？</h3><p>参加新就业形态就业人员"
        "职业伤害保障的，可向当地人社部门申请认定。</p>",
    ),
    (
        "学习贯彻党的二十届三中全会精神（微课）",
        "course",
        "<p>本微课约10分钟，介绍全会关于健全劳动者权益保障制度的部署。</p><ul><li>完善劳动关系协商协调机制</li>"
        "<li>加强新就业形态劳动者权益保障</li></ul>",
    ),
    (
        "交通安全：雨天骑行注意事项",
        "article",
        "<p>雨天路滑，请降低车速，保持车距，不闯红灯，不逆行。</p><p>遇到恶劣天气可就近到驿站休息。</p>",
    ),
    (
        "流动党员如何参加组织生活",
        "article",
        "<p>外出务工的党员可持流动党员活动证，就近到流入地党组织参加组织生活。</p>",
    ),
    (
        "心理调适：压力大时怎么办",
        "course",
        "<p>感到压力大、睡不好时，可以预约县心理健康服务中心的免费咨询，咨询内容严格保密。</p>",
    ),
    (
        "劳动合同与合作协议有什么区别",
        "article",
        "<table><tr><th>类型</th><th>特点</th></tr><tr><td>劳动合同</td><td>用工单位管理，缴纳社保</td></tr>"
        "<tr><td>合作协议</td><td>自主接单，权益保障以平台规则为主</td></tr></table>",
    ),
]
ACTIVITIES = [
    ("“骑手之家”技能比武", "城关街道党群服务中心", 30),
    ("七一主题党日：红色寻访", "县革命历史纪念馆", 20),
    ("暖心驿站志愿服务", "东湖街道暖心驿站", 10),
    ("新就业群体篮球友谊赛", "县体育中心", 24),
    ("交通安全与急救培训", "县应急管理培训中心", 40),
    ("快递小哥读书分享会", "县图书馆", 15),
]


def seed(*, rng: random.Random, ctx: Any, scale: str) -> None:
    from gigbranch.members.models import ConsentRecord
    from gigbranch.organizations.models import Department
    from gigbranch.portal.services import CONSENT_VERSION
    from gigbranch.stations import rules
    from gigbranch.stations.models import (
        Article,
        CheckIn,
        OpeningHours,
        ServiceProvider,
        Slot,
        Station,
        StationAmenity,
    )

    towns = ctx.towns or [ctx.county]
    count = STATIONS_BY_SCALE.get(scale, 40)
    stations = []
    for i in range(count):
        town = towns[i % len(towns)]
        lat0 = float(town.latitude if town.latitude is not None else 29.87)
        lng0 = float(town.longitude if town.longitude is not None else 120.35)
        kind = KINDS[i % len(KINDS)]
        stations.append(
            Station(
                name=f"{town.name}{KIND_NAMES[kind]}{i // len(towns) + 1}号",
                kind=kind,
                address=f"{town.name}{rng.choice(['人民路', '解放路', '中山路', '建设路'])}{rng.randint(1, 300)}号",
                region=town,
                latitude=round(lat0 + rng.uniform(-0.03, 0.03), 6),
                longitude=round(lng0 + rng.uniform(-0.03, 0.03), 6),
                operator=rng.choice(
                    ["县总工会", "街道党工委", "美团外卖", "顺丰速运", "县邮政管理局"]
                ),
                contact_name=rng.choice(["王", "李", "张", "陈"]) + "站长",
                contact_phone=f"0571-8{rng.randint(1000000, 9999999)}",
                closed_on_holidays=i % 7 == 3,
                external_code=f"YX-{i + 1:04d}",
                qr_token=f"demo{i:05d}{rng.getrandbits(24):06x}",
            )
        )
    Station.objects.bulk_create(stations, batch_size=500)
    stations = list(Station.objects.filter(external_code__startswith="YX-").order_by("id"))
    amenities, hours = [], []
    for i, st in enumerate(stations):
        amenities += [
            StationAmenity(station=st, code=c) for c in AMENITY_SETS[i % len(AMENITY_SETS)]
        ]
        always, periods = rules.parse_hours(HOURS[i % len(HOURS)])
        if always:
            st.always_open = True
        hours += [
            OpeningHours(station=st, weekday=p.weekday, opens=p.opens, closes=p.closes)
            for p in periods
        ]
    Station.objects.bulk_update([s for s in stations if s.always_open], ["always_open"])
    StationAmenity.objects.bulk_create(amenities, batch_size=1000)
    OpeningHours.objects.bulk_create(hours, batch_size=1000)

    now = timezone.now()
    rider = ctx.users.get("rider")
    checkins = []
    for st in stations[: min(40, len(stations))]:
        for _ in range(rng.randint(5, 60)):
            hour = rng.choices(
                range(24),
                weights=[
                    1,
                    1,
                    1,
                    1,
                    1,
                    2,
                    3,
                    5,
                    6,
                    5,
                    6,
                    12,
                    14,
                    8,
                    5,
                    5,
                    6,
                    9,
                    12,
                    10,
                    7,
                    5,
                    3,
                    2,
                ],
            )[0]
            at = timezone.localtime(now - dt.timedelta(days=rng.randint(0, 27))).replace(
                hour=hour, minute=rng.randint(0, 59)
            )
            if at >= timezone.localtime(now):
                at -= dt.timedelta(days=1)
            checkins.append(CheckIn(station=st, user=rider, created_at=at, local_hour=hour))
    CheckIn.objects.bulk_create(checkins, batch_size=1000)

    # Providers: legal aid (司法局) and counselling (卫健局), each with a provider account.
    depts = {d.name: d for d in Department.objects.all()}
    legal = ServiceProvider.objects.create(
        name="县法律援助中心新就业群体工作站",
        kind="legal_aid",
        region=ctx.county,
        address="县公共法律服务中心一楼",
        phone="12348",
        description="免费提供劳动报酬、工伤、交通事故等法律咨询和法律援助申请指导。",
    )
    counselling = ServiceProvider.objects.create(
        name="县心理健康服务中心",
        kind="counselling",
        region=ctx.county,
        address="县人民医院门诊楼5楼（也可电话咨询）",
        phone="0571-12356",
        description="免费、保密的心理咨询。咨询内容仅您和咨询师可见。",
    )
    for username, full_name, provider, dept_name in (
        ("falvyuanzhu", "法律援助律师 吴律师", legal, "县司法局"),
        ("xinlizixun", "心理咨询师 郑老师", counselling, "县卫生健康局"),
    ):
        dept = depts.get(dept_name) or ctx.departments[0]
        user = account_services.create_user(
            actor=None,
            username=username,
            password="Yunxi@2026demo",
            role=Role.DEPARTMENT_HANDLER,
            full_name=full_name,
            department=dept,
        )
        provider.staff.add(user)
    slots = []
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for offset in range(1, 15):
        day = today + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for provider in (legal, counselling):
            for hour in (9, 10, 14, 15, 16):
                start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
                slots.append(
                    Slot(
                        provider=provider,
                        starts_at=start,
                        ends_at=start + dt.timedelta(minutes=50),
                        place="线下面谈" if hour < 15 else "电话咨询",
                    )
                )
    Slot.objects.bulk_create(slots)

    from gigbranch.stations.services import sanitize_html

    for i, (title, kind, body) in enumerate(ARTICLES):
        Article.objects.create(
            title=title,
            kind=kind,
            body=sanitize_html(body),
            region=ctx.county,
            summary=title,
            points=2 if kind == "course" else 1,
            is_published=True,
            published_at=now - dt.timedelta(days=i * 3),
        )

    from gigbranch.activities.models import Activity

    orgs = [ctx.industry, *ctx.town_orgs]
    for i, (title, place, cap) in enumerate(ACTIVITIES):
        org = orgs[i % len(orgs)]
        start = timezone.localtime(now).replace(
            hour=9, minute=0, second=0, microsecond=0
        ) + dt.timedelta(days=3 + i * 4)
        Activity.objects.create(
            title=title,
            place=place,
            capacity=cap,
            organization=org,
            region=org.region,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            signup_deadline=start - dt.timedelta(days=1),
            status="published",
            description=f"{title}，欢迎新就业群体朋友报名参加。",
        )

    if rider is not None:
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(
                    account=rider,
                    worker_id=rider.worker_id,
                    purpose=purpose,
                    granted=True,
                    method="门户勾选",
                    version=CONSENT_VERSION,
                    recorded_by=rider,
                )
                for purpose in ("basic", "political_status")
            ]
        )
