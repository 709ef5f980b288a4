"""The fixed material of the demo county: names, places, departments, and generators of
valid resident ID numbers (rules.md ID) and unified social credit codes."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from gigbranch.core.validators import resident_id_check_char
from gigbranch.members.models import (
    Occupation,
)
from gigbranch.organizations.models import (
    RegionLevel,
    WorkplaceKind,
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
