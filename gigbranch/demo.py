"""Deterministic demo data: a fictional county, 云溪县 (DESIGN §5 scales).

`seed(scale, seed)` builds regions, the 1+X+N organisation tree, workplaces, workers with
valid resident ID numbers (rules.md ID) and one account per role. Same seed, same data.
Bulk inserts go straight to the models for speed; one audit event records the seeding.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from gigbranch.accounts import services as account_services
from gigbranch.accounts.roles import Role
from gigbranch.core import audit
from gigbranch.core.validators import resident_id_check_char
from gigbranch.members.models import (
    MemberKind,
    Occupation,
    PartyMember,
    PoliticalStatus,
    Worker,
    WorkerStatus,
)
from gigbranch.organizations.models import (
    BRANCH_KINDS,
    Department,
    Organization,
    OrgKind,
    Region,
    RegionLevel,
    Workplace,
    WorkplaceKind,
    path_segment,
)

DEMO_PASSWORD = "Yunxi@2026demo"
DEMO_USERNAMES = [
    "county",
    "industry",
    "chengguan",
    "qingshi",
    "branch",
    "renshe",
    "inspector",
    "sysadmin",
    "secadmin",
    "auditor",
    "rider",
    # created by the stations module's demo data:
    "falvyuanzhu",
    "xinlizixun",
]
COUNTY_CODE = "339021"
COUNTY_CENTER = (Decimal("29.870000"), Decimal("120.350000"))

SCALES = {
    "tiny": {"workers": 400, "workplaces": 40, "townships": 1},
    "county": {"workers": 20_000, "workplaces": 500, "townships": 1},
    "city": {"workers": 300_000, "workplaces": 7_500, "townships": 15},
}

TOWNSHIPS = [
    ("城关街道", RegionLevel.STREET),
    ("东湖街道", RegionLevel.STREET),
    ("西溪街道", RegionLevel.STREET),
    ("南岭街道", RegionLevel.STREET),
    ("北山街道", RegionLevel.STREET),
    ("青石镇", RegionLevel.TOWNSHIP),
    ("白沙镇", RegionLevel.TOWNSHIP),
    ("枫林镇", RegionLevel.TOWNSHIP),
    ("云台镇", RegionLevel.TOWNSHIP),
    ("桃源镇", RegionLevel.TOWNSHIP),
    ("望江镇", RegionLevel.TOWNSHIP),
    ("清河乡", RegionLevel.TOWNSHIP),
]
ROADS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文化路",
    "湖滨路",
    "迎宾大道",
    "新华街",
    "工业园路",
    "滨江路",
    "振兴路",
    "育才路",
    "青年路",
    "兴业大道",
    "商贸街",
    "环城北路",
]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏飞浩宇轩然博文斌晨阳建国志刚海龙俊杰子豪思远佳怡欣怡雨婷梓涵浩然"
)
HOMETOWN_CODES = {
    "330000": "浙江",
    "340000": "安徽",
    "410000": "河南",
    "430000": "湖南",
    "510000": "四川",
    "360000": "江西",
    "520000": "贵州",
    "450000": "广西",
    "420000": "湖北",
    "320000": "江苏",
    "370000": "山东",
    "130000": "河北",
}

WORKPLACE_TEMPLATES: list[tuple[str, list[str], str]] = [
    (WorkplaceKind.DELIVERY_STATION, ["美团外卖", "饿了么"], "{brand}{town}{n}号配送站"),
    (
        WorkplaceKind.EXPRESS_OUTLET,
        [
            "顺丰速运",
            "中通快递",
            "圆通速递",
            "韵达快递",
            "申通快递",
            "极兔速递",
            "京东物流",
            "邮政快递",
        ],
        "{brand}{town}{road}网点",
    ),
    (
        WorkplaceKind.FRANCHISE,
        ["美团外卖", "饿了么", "达达快送"],
        "云溪{brand}代理服务有限公司{town}分公司",
    ),
    (
        WorkplaceKind.RIDE_HAILING,
        ["滴滴出行", "曹操出行", "T3出行"],
        "云溪{brand}网约车服务有限公司{n}",
    ),
    (WorkplaceKind.FREIGHT, ["货拉拉", "满帮", "快狗打车"], "{brand}云溪{town}货运服务部"),
    (WorkplaceKind.LIVE_STREAMING, ["抖音", "快手", "淘宝直播"], "云溪{town}{brand}直播电商基地"),
    (WorkplaceKind.PLATFORM, ["同城跑腿", "闪送"], "{brand}云溪服务中心"),
]
KIND_WEIGHTS = [30, 30, 8, 8, 8, 8, 8]
OCCUPATION_BY_KIND: dict[str, str] = {
    WorkplaceKind.DELIVERY_STATION: Occupation.DELIVERY_RIDER,
    WorkplaceKind.EXPRESS_OUTLET: Occupation.COURIER,
    WorkplaceKind.FRANCHISE: Occupation.DELIVERY_RIDER,
    WorkplaceKind.RIDE_HAILING: Occupation.RIDE_HAILING_DRIVER,
    WorkplaceKind.FREIGHT: Occupation.TRUCK_DRIVER,
    WorkplaceKind.LIVE_STREAMING: Occupation.ONLINE_HOST,
    WorkplaceKind.PLATFORM: Occupation.OTHER,
}
DEPARTMENTS = [
    "县委组织部",
    "县人力资源和社会保障局",
    "县司法局",
    "县交通运输局",
    "县邮政管理局",
    "县总工会",
    "县卫生健康局",
    "县住房和城乡建设局",
    "县教育局",
    "县市场监督管理局",
]


def make_resident_id(rng: random.Random, area: str, birth: dt.date, sex: str) -> str:
    seq = rng.randrange(0, 50) * 2 + (1 if sex == "M" else 0)
    first17 = f"{area}{birth:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"
    return first17 + resident_id_check_char(first17)


def make_uscc(rng: random.Random) -> str:
    from gigbranch.core.validators import USCC_CHARS, uscc_check_char

    body = "91" + COUNTY_CODE + "".join(rng.choice(USCC_CHARS[:10] + "ABCDEFGH") for _ in range(9))
    return body + uscc_check_char(body)


# Each later module adds "gigbranch.<app>.demo.seed" here; called as seed(rng=, ctx=, scale=)
# after the core data and the accounts exist, in this order.
DEMO_EXTENSIONS: list[str] = [
    "gigbranch.organizations.demo.seed",
    "gigbranch.members.demo.seed",
    "gigbranch.appeals.demo.seed",
    "gigbranch.recruitment.demo.seed",
    "gigbranch.stations.demo.seed",
    "gigbranch.planning.demo.seed",
    "gigbranch.accounts.demo.seed",
]


@dataclass
class SeedContext:
    county: Region
    towns: list[Region]
    root: Organization
    industry: Organization
    town_orgs: list[Organization]
    departments: list[Department]
    workplaces: list[Workplace]
    users: dict[str, Any]


@dataclass
class SeedResult:
    regions: int = 0
    organizations: int = 0
    workplaces: int = 0
    workers: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)


def _with_path(model: Any, objs: list[Any]) -> None:
    for obj in objs:
        parent_path = obj.parent.path if obj.parent_id else ""
        obj.path = parent_path + path_segment(obj.pk)
    model.objects.bulk_update(objs, ["path"], batch_size=500)


def _near(
    rng: random.Random, center: tuple[Decimal, Decimal], spread: float
) -> tuple[Decimal, Decimal]:
    lat = center[0] + Decimal(str(round(rng.uniform(-spread, spread), 6)))
    lng = center[1] + Decimal(str(round(rng.uniform(-spread, spread), 6)))
    return lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))


@transaction.atomic
def seed(*, scale: str = "county", seed_value: int = 2026) -> SeedResult:
    rng = random.Random(seed_value)
    spec = SCALES[scale]
    result = SeedResult()

    # Regions: a county with 12 townships and streets (×15 for the city scale).
    county = Region.objects.create(
        name="云溪县",
        code=COUNTY_CODE,
        level=RegionLevel.COUNTY,
        latitude=COUNTY_CENTER[0],
        longitude=COUNTY_CENTER[1],
    )
    _with_path(Region, [county])
    towns: list[Region] = []
    copies = spec["townships"]
    for copy in range(copies):
        for i, (name, level) in enumerate(TOWNSHIPS):
            label = name if copies == 1 else f"{name}{copy + 1}区"
            lat, lng = _near(rng, COUNTY_CENTER, 0.12)
            towns.append(
                Region(
                    name=label,
                    code=f"{COUNTY_CODE}{copy:02d}{i + 1:02d}"[:12],
                    level=level,
                    parent=county,
                    latitude=lat,
                    longitude=lng,
                )
            )
    Region.objects.bulk_create(towns, batch_size=500)
    towns = list(Region.objects.filter(parent=county).order_by("code"))
    _with_path(Region, towns)
    result.regions = 1 + len(towns)

    departments = [Department(name=n, region=county) for n in DEPARTMENTS]
    Department.objects.bulk_create(departments)
    departments = list(Department.objects.filter(region=county).order_by("id"))

    # The 1+X+N network.
    root = Organization.objects.create(
        name="中共云溪县委组织部（两新工委）", kind=OrgKind.ORG_DEPARTMENT, region=county
    )
    _with_path(Organization, [root])
    industry = Organization.objects.create(
        name="中共云溪县新就业群体行业委员会",
        kind=OrgKind.INDUSTRY_COMMITTEE,
        parent=root,
        region=county,
        founded_on=dt.date(2022, 6, 28),
        term_start=dt.date(2022, 6, 28),
        term_years=5,
        contact_name="周建华",
        contact_phone="0579-8801" + "2345",
        address="云溪县人民路1号",
    )
    _with_path(Organization, [industry])
    town_orgs = []
    for town in towns:
        town_kind = (
            OrgKind.STREET_COMMITTEE
            if town.level == RegionLevel.STREET
            else OrgKind.TOWNSHIP_COMMITTEE
        )
        suffix = "工作委员会" if town_kind == OrgKind.STREET_COMMITTEE else "委员会"
        town_orgs.append(
            Organization(
                name=f"中共云溪县{town.name}{suffix}",
                kind=town_kind,
                parent=root,
                region=town,
                founded_on=dt.date(2021, 9, 1),
                term_start=dt.date(2021, 9, 1),
                term_years=5,
                latitude=town.latitude,
                longitude=town.longitude,
            )
        )
    Organization.objects.bulk_create(town_orgs, batch_size=500)
    town_orgs = list(
        Organization.objects.filter(parent=root).exclude(pk=industry.pk).order_by("id")
    )
    _with_path(Organization, town_orgs)

    # Workplaces.
    workplaces: list[Workplace] = []
    counters: dict[str, int] = {}
    used_codes: set[str] = set()
    for i in range(spec["workplaces"]):
        kind, brands, pattern = rng.choices(WORKPLACE_TEMPLATES, weights=KIND_WEIGHTS)[0]
        town = towns[i % len(towns)] if i < len(towns) * 2 else rng.choice(towns)
        brand = rng.choice(brands)
        key = f"{brand}{town.pk}{kind}"
        counters[key] = counters.get(key, 0) + 1
        name = pattern.format(brand=brand, town=town.name, road=rng.choice(ROADS), n=counters[key])
        if counters[key] > 1 and "{n}" not in pattern:
            name = f"{name}（{counters[key]}）"
        code = make_uscc(rng)
        while code in used_codes:
            code = make_uscc(rng)
        used_codes.add(code)
        lat, lng = _near(
            rng, (town.latitude or COUNTY_CENTER[0], town.longitude or COUNTY_CENTER[1]), 0.03
        )
        workplaces.append(
            Workplace(
                name=name,
                credit_code=code,
                kind=kind,
                brand=brand,
                region=town,
                address=f"云溪县{town.name}{rng.choice(ROADS)}{rng.randrange(1, 400)}号",
                latitude=lat,
                longitude=lng,
                contact_name=rng.choice(SURNAMES) + rng.choice(["经理", "站长", "主管"]),
                contact_phone=f"139{rng.randrange(10**7, 10**8)}",
                reported_worker_count=0,
            )
        )
    Workplace.objects.bulk_create(workplaces, batch_size=1000)
    workplaces = list(Workplace.objects.order_by("id"))

    # Coverage (own/joint branches, instructors) is built once the member records exist.
    result.workplaces = len(workplaces)

    # Workers with valid resident ID numbers; about 4% Party members.
    weights = [rng.randint(5, 80) for _ in workplaces]
    seen_ids: set[str] = set()
    batch: list[Worker] = []
    today = dt.date(2026, 11, 1)
    areas = list(HOMETOWN_CODES)
    for i in range(spec["workers"]):
        wp = rng.choices(workplaces, weights=weights)[0]
        sex = "M" if rng.random() < 0.86 else "F"
        birth = dt.date(1968, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 38))
        area = rng.choice(areas)
        province_area = area[:2] + f"{rng.randrange(1, 20):02d}{rng.randrange(1, 30):02d}"
        number = make_resident_id(rng, province_area, birth, sex)
        while number in seen_ids:
            number = make_resident_id(rng, province_area, birth, sex)
        seen_ids.add(number)
        roll = rng.random()
        political = (
            PoliticalStatus.PARTY_MEMBER
            if roll < 0.034
            else PoliticalStatus.PROBATIONARY
            if roll < 0.04
            else PoliticalStatus.LEAGUE_MEMBER
            if roll < 0.16
            else PoliticalStatus.MASSES
        )
        batch.append(
            Worker(
                name=rng.choice(SURNAMES)
                + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))),
                id_number=number,
                sex=sex,
                birth_date=birth,
                mobile=f"1{rng.choice('3578')}{rng.randrange(0, 10)}{i:08d}",
                occupation=OCCUPATION_BY_KIND[wp.kind],
                political_status=political,
                workplace=wp,
                region_id=wp.region_id,
                platform_worker_id=f"P{seed_value}{i:07d}",
                hometown=HOMETOWN_CODES[area],
                started_on=today - dt.timedelta(days=rng.randrange(30, 2500)),
                status=WorkerStatus.ACTIVE if rng.random() > 0.03 else WorkerStatus.LEFT,
            )
        )
        if len(batch) >= 2000:
            Worker.objects.bulk_create(batch)
            batch = []
    if batch:
        Worker.objects.bulk_create(batch)
    result.workers = spec["workers"]

    # Party member records for the workers whose political status says so.
    branch_kinds = {str(k) for k in BRANCH_KINDS}
    org_kind = dict(Organization.objects.values_list("id", "kind"))
    members = []
    for w in (
        Worker.objects.filter(
            political_status__in=[PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY]
        )
        .select_related("workplace")
        .only("id", "political_status", "workplace__organization_id", "birth_date")
    ):
        org_id = w.workplace.organization_id if w.workplace else None
        probationary = w.political_status == PoliticalStatus.PROBATIONARY
        joined = max(
            w.birth_date.replace(year=w.birth_date.year + 19)
            if w.birth_date.month != 2 or w.birth_date.day != 29
            else dt.date(w.birth_date.year + 19, 3, 1),
            dt.date(1995, 7, 1),
        )
        joined = (
            dt.date(2026, 3, 1) - dt.timedelta(days=rng.randrange(30, 330))
            if probationary
            else min(joined, dt.date(2024, 7, 1))
        )
        members.append(
            PartyMember(
                worker_id=w.id,
                organization_id=org_id if org_id and org_kind.get(org_id) in branch_kinds else None,
                kind=MemberKind.PROBATIONARY if probationary else MemberKind.FULL,
                joined_on=joined,
                full_on=None
                if probationary
                else joined.replace(year=joined.year + 1)
                if not (joined.month == 2 and joined.day == 29)
                else dt.date(joined.year + 1, 3, 1),
            )
        )
    PartyMember.objects.bulk_create(members, batch_size=2000)

    # The coverage mix depends on full members per workplace (gigbranch.organizations.demo).
    from gigbranch.organizations.demo import build_coverage

    own_branches = build_coverage(
        rng=rng, industry=industry, town_orgs=town_orgs, workplaces=workplaces
    )
    result.organizations = Organization.objects.count()

    # One account per role.
    chengguan, qingshi = towns[0], towns[5]
    rider = (
        Worker.objects.filter(workplace__kind=WorkplaceKind.DELIVERY_STATION).order_by("id").first()
    )
    sample_branch = own_branches[0] if own_branches else None
    accounts: list[tuple[str, str, str, dict[str, Any], str]] = [
        (
            "county",
            "县级管理员（组织部）",
            Role.COUNTY_ADMIN,
            {"scope_region": county},
            "县委组织部 陈志远",
        ),
        (
            "industry",
            "行业党委管理员",
            Role.INDUSTRY_ADMIN,
            {"scope_organization": industry},
            "行业党委 周建华",
        ),
        (
            "chengguan",
            "乡镇（街道）管理员：城关街道",
            Role.TOWNSHIP_ADMIN,
            {"scope_region": chengguan},
            "城关街道 李晓梅",
        ),
        (
            "qingshi",
            "乡镇（街道）管理员：青石镇",
            Role.TOWNSHIP_ADMIN,
            {"scope_region": qingshi},
            "青石镇 王海军",
        ),
        (
            "branch",
            "党支部书记",
            Role.BRANCH_SECRETARY,
            {"scope_organization": sample_branch},
            "支部书记 刘建军",
        ),
        (
            "renshe",
            "部门承办人（人社局）",
            Role.DEPARTMENT_HANDLER,
            {"department": departments[1]},
            "人社局 赵敏",
        ),
        ("inspector", "督导检查员", Role.INSPECTOR, {"scope_region": county}, "督导组 孙立新"),
        ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, {}, "系统管理员"),
        ("secadmin", "安全管理员", Role.SECURITY_ADMIN, {}, "安全管理员"),
        ("auditor", "安全审计员", Role.AUDIT_ADMIN, {}, "安全审计员"),
    ]
    for username, label, role, scope, full_name in accounts:
        account_services.create_user(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            full_name=full_name,
            **scope,
        )
        result.users.append((username, label, DEMO_PASSWORD))
    if rider is not None:
        account_services.create_user(
            actor=None,
            username="rider",
            password=DEMO_PASSWORD,
            role=Role.WORKER,
            full_name=rider.name,
            worker=rider,
        )
        result.users.append(("rider", f"新就业群体（骑手 {rider.name}，手机端）", DEMO_PASSWORD))

    from django.utils.module_loading import import_string

    from gigbranch.accounts.models import User

    ctx = SeedContext(
        county=county,
        towns=towns,
        root=root,
        industry=industry,
        town_orgs=town_orgs,
        departments=departments,
        workplaces=workplaces,
        users={u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)},
    )
    for extension in DEMO_EXTENSIONS:
        import_string(extension)(rng=rng, ctx=ctx, scale=scale)

    audit.record(
        actor=None,
        action="demo.seeded",
        object_type="demo",
        changes={"scale": scale, "seed": seed_value, "workers": result.workers},
    )
    return result
