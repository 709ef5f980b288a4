"""Demo appeals for 云溪县: routing rules, an Open311 client and ~5,000 appeals over 12 months.

The demo Open311 api_key is derived from the county code (not a secret: demo only) and
printed by `seed_demo`; production clients get random keys from `create_open311_client`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

from django.utils import timezone

from gigbranch.core import actors
from gigbranch.core.workcalendar import default_calendar
from gigbranch.members.models import Worker

from . import rules, services
from .models import Appeal, AppealEvent, Category, Channel, RoutingRule
from .rules import Status

ROUTES = {  # category → index in gigbranch.demo.DEPARTMENTS; "other" falls back to the township
    "wages": 1,
    "social_insurance": 1,
    "platform_rules": 5,
    "traffic": 3,
    "housing": 7,
    "medical": 6,
    "schooling": 8,
    "stations": 5,
    "legal": 2,
    "mental_health": 6,
}
TEXTS = {
    "wages": "配送站拖欠上月工资{n}元，站长一直推说平台没结算。",
    "social_insurance": "送餐途中摔伤，想了解职业伤害保障怎么申请。",
    "platform_rules": "系统派单路线不合理导致超时，被罚款{n}元，申诉没人处理。",
    "traffic": "小区不让外卖电动车进入，只能步行送餐，经常超时。",
    "housing": "想申请保障性租赁住房，不清楚外地户籍是否可以。",
    "medical": "希望站点附近能组织一次免费体检。",
    "schooling": "孩子随迁来云溪上小学，需要准备哪些材料？",
    "stations": "{town}附近的暖心驿站晚上关门太早，夜班没地方休息。",
    "legal": "和加盟商签的合同有问题，想找法律援助。",
    "mental_health": "最近压力很大，睡不好，想找人聊聊。",
    "other": "建议在{town}增设电动车换电柜。",
}
REPLIES = [
    "已约谈站点负责人，款项已于本周发放。",
    "已安排工作人员电话联系您说明办理流程。",
    "已协调物业为骑手办理通行证。",
    "已转法律援助中心，律师将与您联系。",
]
DEMO_KEY_SALT = "gigbranch-demo-open311:"


def demo_open311_key(county_code: str) -> str:
    """Deterministic demo key; the same county code gives the same key on every seed."""
    return hashlib.sha256((DEMO_KEY_SALT + county_code).encode()).hexdigest()[:32]


def seed(*, rng: random.Random, ctx: Any, scale: str) -> None:
    categories = {c.code: c for c in Category.objects.all()}
    for code, idx in ROUTES.items():
        RoutingRule.objects.get_or_create(
            category=categories[code], region=None, defaults={"department": ctx.departments[idx]}
        )
    key = demo_open311_key(ctx.county.code)
    services.create_open311_client(actor=actors.DEMO_SEED, name="演示Open311客户端", raw_key=key)
    print(f"Open311 演示 api_key：{key}（jurisdiction_id={ctx.county.code}）")

    count = {"county": 5_000, "city": 75_000}.get(scale, 5_000)
    cal = default_calendar()
    now = timezone.now()
    dept_of = {code: ctx.departments[idx].pk for code, idx in ROUTES.items()}
    workers = list(
        Worker.objects.order_by("id").values_list("id", "region_id", "workplace_id")[:4000]
    )
    codes = list(categories)
    weights = [22, 12, 16, 14, 5, 6, 5, 8, 6, 3, 3]
    appeals: list[Appeal] = []
    plans: list[tuple[str, ...]] = []
    towns = {t.pk: t for t in ctx.towns}
    for i in range(count):
        code = rng.choices(codes, weights=weights)[0]
        worker_id, region_id, workplace_id = rng.choice(workers)
        received = now - dt.timedelta(days=rng.uniform(0, 365), hours=rng.uniform(0, 8))
        prio = categories[code].default_priority
        accept_due = rules.accept_due(cal, received, prio)
        reply_due = rules.reply_due(cal, received, prio)
        age = now - received
        roll = rng.random()
        status, accepted, replied, resolved, sat = Status.SUBMITTED, None, None, None, ""
        if age > dt.timedelta(days=2) or roll < 0.5:
            accepted = min(received + dt.timedelta(minutes=rng.choice([20, 45, 90, 150, 400])), now)
            status = Status.ACCEPTED
        if accepted and age > dt.timedelta(days=rng.choice([3, 6, 9, 12, 20])):
            replied = min(accepted + (reply_due - received) * rng.uniform(0.3, 1.3), now)
            status = Status.REPLIED
            if rng.random() < 0.85:
                resolved = rng.random() < 0.88
                sat = rng.choices(
                    [rules.SATISFIED, rules.BASICALLY_SATISFIED, rules.DISSATISFIED],
                    weights=[70, 22, 8] if resolved else [5, 25, 70],
                )[0]
                status = Status.CLOSED if resolved else Status.REOPENED
        town = towns.get(region_id)
        text = TEXTS[code].format(n=rng.randrange(200, 4000), town=town.name if town else "")
        appeals.append(
            Appeal(
                tracking_no=f"D{i:08d}",
                category=categories[code],
                priority=prio,
                description=text,
                status=status,
                channel=rng.choice([Channel.PORTAL] * 6 + [Channel.HOTLINE, Channel.API]),
                worker_id=worker_id,
                region_id=region_id,
                workplace_id=workplace_id,
                department_id=dept_of.get(code),
                received_at=received,
                accept_due_at=accept_due,
                accepted_at=accepted,
                clock_started_at=received,
                reply_due_at=reply_due,
                replied_at=replied if status != Status.REOPENED else None,
                reply_text=rng.choice(REPLIES) if replied else "",
                resolved=resolved,
                satisfaction=sat,
                rated_at=replied + dt.timedelta(hours=5)
                if resolved is not None and replied
                else None,
                closed_at=replied if status == Status.CLOSED else None,
                reopen_count=1 if status == Status.REOPENED else 0,
            )
        )
        plans.append((status,))
    Appeal.objects.bulk_create(appeals, batch_size=1000)
    saved = list(Appeal.objects.filter(tracking_no__startswith="D").order_by("id"))
    events = []
    for a in saved:
        a.tracking_no = f"SQ{timezone.localtime(a.received_at):%Y%m%d}{a.pk:06d}"
        label = a.department.name if a.department_id else "属地乡镇（街道）"
        events.append(
            AppealEvent(
                appeal=a,
                created_at=a.received_at,
                action="submit",
                to_status=Status.SUBMITTED,
                actor_label="劳动者",
                public_text=f"诉求已提交，受理编号{a.tracking_no}，已转交{label}办理。",
            )
        )
        if a.accepted_at:
            events.append(
                AppealEvent(
                    appeal=a,
                    created_at=a.accepted_at,
                    action="accept",
                    from_status=Status.SUBMITTED,
                    to_status=Status.ACCEPTED,
                    actor_label=label,
                    public_text=f"{label}已受理，正在办理。",
                )
            )
        if a.reply_text:
            t = a.replied_at or a.accepted_at or a.received_at
            events.append(
                AppealEvent(
                    appeal=a,
                    created_at=t,
                    action="reply",
                    from_status=Status.ACCEPTED,
                    to_status=Status.REPLIED,
                    actor_label=label,
                    note=a.reply_text,
                    public_text="已答复，请查看办理结果并评价。",
                )
            )
    Appeal.objects.bulk_update(saved, ["tracking_no"], batch_size=1000)
    AppealEvent.objects.bulk_create(events, batch_size=2000)

    rider = ctx.users.get("rider")
    if rider is not None and rider.worker_id:
        handler = ctx.users.get("renshe")
        sub = services.submit_appeal(
            actor=rider,
            category=categories["wages"],
            worker=rider.worker,
            workplace=rider.worker.workplace,
            channel=Channel.PORTAL,
            description="站点拖欠三月份工资3200元，多次催要未果。",
        )
        if handler is not None:
            services.accept(actor=handler, appeal=sub.appeal)
            services.reply(
                actor=handler,
                appeal=sub.appeal,
                text="已约谈站点负责人，工资将于3个工作日内补发，请留意到账。",
            )
