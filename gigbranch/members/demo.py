"""Demo data for the people domain: platforms, point rules, dues, mobile members,
decisions, transfers, honours and consents (bulk inserts, deterministic from `rng`)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from gigbranch.organizations.models import BRANCH_KINDS, Organization

from . import policy
from .models import (
    ConsentPurpose,
    ConsentRecord,
    DuesAssessment,
    DuesPayment,
    DuesRule,
    HonourLevel,
    MemberEvent,
    MemberStatus,
    ModelPost,
    PartyMember,
    PaymentChannel,
    Platform,
    PointEventKind,
    PointPeriod,
    PointRule,
    Transfer,
    TransferDirection,
    TransferEvent,
    TransferStatus,
    VanguardTeam,
    Worker,
)

TODAY = dt.date(2026, 11, 1)
OUTFLOW = [
    ("中共阜阳市颍州区三合镇党委", "安徽省阜阳市"),
    ("中共信阳市固始县城关镇委员会", "河南省信阳市"),
    ("中共邵阳市隆回县桃洪镇委员会", "湖南省邵阳市"),
    ("中共南充市仪陇县新政镇委员会", "四川省南充市"),
    ("中共上饶市鄱阳县鄱阳镇委员会", "江西省上饶市"),
]
POSTS = [
    ("安全骑行示范岗", "遵守交通规则，零事故，带动站点骑手安全文明骑行"),
    ("暖心配送示范岗", "服务好评率高，主动帮助困难群众"),
    ("文明寄递示范岗", "规范操作，投诉为零，积极参与社区志愿服务"),
]


def seed(*, rng: random.Random, ctx: Any, scale: str) -> None:
    # Platforms: one per brand, owning the workplaces of that brand.
    brands = sorted({w.brand for w in ctx.workplaces if w.brand})
    Platform.objects.bulk_create([Platform(name=b) for b in brands])
    platforms = {p.name: p for p in Platform.objects.all()}
    through = Platform.workplaces.through
    through.objects.bulk_create(
        [
            through(platform_id=platforms[w.brand].pk, workplace_id=w.pk)
            for w in ctx.workplaces
            if w.brand
        ],
        batch_size=2000,
    )
    for name, p in platforms.items():
        Worker.objects.filter(workplace__brand=name).update(platform=p)

    county = ctx.county
    PointRule.objects.bulk_create(
        [
            PointRule(
                region=county,
                event_kind=PointEventKind.STUDY_COMPLETED,
                points=5,
                cap=20,
                period=PointPeriod.MONTH,
            ),
            PointRule(
                region=county,
                event_kind=PointEventKind.ACTIVITY_ATTENDED,
                points=3,
                cap=15,
                period=PointPeriod.MONTH,
            ),
            PointRule(
                region=county,
                event_kind=PointEventKind.VOLUNTEER_SERVICE,
                points=5,
                cap=30,
                period=PointPeriod.MONTH,
            ),
            PointRule(
                region=county,
                event_kind=PointEventKind.ORGLIFE_ATTENDED,
                points=2,
                cap=None,
                period=PointPeriod.MONTH,
            ),
            PointRule(
                region=county,
                event_kind=PointEventKind.MODEL_POST,
                points=20,
                cap=20,
                period=PointPeriod.YEAR,
            ),
        ]
    )

    members = list(PartyMember.objects.select_related("worker").order_by("id"))
    branches = list(Organization.objects.filter(kind__in=BRANCH_KINDS).order_by("id"))
    assessments, payments, consents, events = [], [], [], []
    mobile_updates, status_updates = [], []
    for i, m in enumerate(members):
        roll = rng.random()
        if m.organization_id is None or roll < 0.08:
            org_name, region = rng.choice(OUTFLOW)
            m.is_mobile, m.outflow_org_name, m.outflow_org_region = True, org_name, region
            m.outflow_org_contact = f"0{rng.randrange(550, 900)}-{rng.randrange(2000000, 8999999)}"
            if rng.random() < 0.7:
                m.certificate_number = f"LDZ{2026}{i:05d}"
                m.certificate_issuer = org_name
                m.certificate_valid_until = dt.date(2027, rng.randrange(1, 13), 1)
            if rng.random() < 0.6 and branches:
                m.reported_here, m.reported_on = (
                    True,
                    TODAY - dt.timedelta(days=rng.randrange(10, 300)),
                )
                m.inflow_organization = rng.choice(branches)
            if rng.random() < 0.3:
                m.away_since = TODAY - dt.timedelta(days=rng.randrange(60, 400))
                m.away_place = rng.choice(["杭州市", "宁波市", "上海市", "苏州市"])
            m.organization = None
            mobile_updates.append(m)
        elif roll < 0.1:
            m.status = MemberStatus.LOST_CONTACT
            m.lost_contact_since = TODAY - dt.timedelta(days=rng.randrange(100, 800))
            status_updates.append(m)
            events.append(
                MemberEvent(
                    member=m,
                    action="status_changed",
                    from_value="normal",
                    to_value="lost_contact",
                    decided_on=m.lost_contact_since,
                    reason="多次电话、上门联系未果，支部委员会会议决定登记为失去联系",
                    deciding_org_id=m.organization_id,
                )
            )
        base = Decimal(rng.randrange(2600, 9800))
        rule = DuesRule.GIG_INCOME if rng.random() < 0.85 else DuesRule.WAGES
        monthly = policy.monthly_dues(rule, base=base)
        assessments.append(
            DuesAssessment(
                member=m,
                year=2026,
                rule=rule,
                base=base,
                monthly_amount=monthly,
                set_on=dt.date(2026, 1, 8),
            )
        )
        start = policy.dues_start_month(year=2026, vote_date=m.joined_on)
        stop_after = 10 if rng.random() > 0.05 else rng.randrange(1, 4)
        for month in policy.months_between(start, dt.date(2026, 10, 1))[:stop_after]:
            if rng.random() < 0.04:
                continue
            payments.append(
                DuesPayment(
                    member=m,
                    month=month,
                    amount=monthly,
                    channel=rng.choice(PaymentChannel.values),
                    paid_on=month + dt.timedelta(days=rng.randrange(1, 25)),
                    collector_id=m.organization_id or m.inflow_organization_id,
                )
            )
        consents.append(
            ConsentRecord(
                worker_id=m.worker_id, purpose=ConsentPurpose.BASIC, granted=True, method="书面签字"
            )
        )
        consents.append(
            ConsentRecord(
                worker_id=m.worker_id,
                purpose=ConsentPurpose.POLITICAL_STATUS,
                granted=True,
                method="书面签字（单独同意）",
            )
        )
    PartyMember.objects.bulk_update(
        mobile_updates,
        [
            "is_mobile",
            "outflow_org_name",
            "outflow_org_region",
            "outflow_org_contact",
            "certificate_number",
            "certificate_issuer",
            "certificate_valid_until",
            "reported_here",
            "reported_on",
            "inflow_organization",
            "away_since",
            "away_place",
            "organization",
        ],
        batch_size=500,
    )
    PartyMember.objects.bulk_update(
        status_updates, ["status", "lost_contact_since"], batch_size=500
    )
    MemberEvent.objects.bulk_create(events)
    DuesAssessment.objects.bulk_create(assessments, batch_size=1000)
    DuesPayment.objects.bulk_create(payments, batch_size=2000)
    # Roster workers who are not members: about two in three signed the written consent
    # when they joined the station's service list, half of those also the separate
    # consent for political status (PIPL art. 29); the rest show 未授权 until they do.
    member_workers = {m.worker_id for m in members}
    for worker_id in Worker.objects.order_by("id").values_list("id", flat=True):
        if worker_id in member_workers or rng.random() >= 2 / 3:
            continue
        consents.append(
            ConsentRecord(
                worker_id=worker_id,
                purpose=ConsentPurpose.BASIC,
                granted=True,
                method="书面签字",
            )
        )
        if rng.random() < 0.5:
            consents.append(
                ConsentRecord(
                    worker_id=worker_id,
                    purpose=ConsentPurpose.POLITICAL_STATUS,
                    granted=True,
                    method="书面签字（单独同意）",
                )
            )
    ConsentRecord.objects.bulk_create(consents, batch_size=2000)

    # Transfers: one completed, one waiting for acceptance, one stalled at request.
    local = [m for m in members if m.organization_id and m.status == MemberStatus.NORMAL]
    if len(local) >= 3 and len(branches) >= 2:
        specs = [
            (TransferStatus.COMPLETED, 60),
            (TransferStatus.APPROVED, 10),
            (TransferStatus.REQUESTED, 45),
        ]
        for (status, age), m in zip(specs, rng.sample(local, 3), strict=True):
            target = next(b for b in branches if b.pk != m.organization_id)
            requested = TODAY - dt.timedelta(days=age)
            t = Transfer.objects.create(
                member=m,
                direction=TransferDirection.INTERNAL,
                from_org_id=m.organization_id,
                to_org=target,
                reason="更换工作站点",
                status=status,
                requested_on=requested,
                status_changed_on=requested
                if status == TransferStatus.REQUESTED
                else requested + dt.timedelta(days=3),
                approved_on=None
                if status == TransferStatus.REQUESTED
                else requested + dt.timedelta(days=3),
                letter_valid_until=None
                if status == TransferStatus.REQUESTED
                else requested + dt.timedelta(days=93),
                completed_on=requested + dt.timedelta(days=10)
                if status == TransferStatus.COMPLETED
                else None,
            )
            TransferEvent.objects.create(
                transfer=t, to_status=TransferStatus.REQUESTED, on=requested, note="更换工作站点"
            )
            if status == TransferStatus.COMPLETED:
                PartyMember.objects.filter(pk=m.pk).update(organization=target)

    # Honours.
    posts = []
    for m in rng.sample(local, min(len(local), 12)):
        name, standard = rng.choice(POSTS)
        posts.append(
            ModelPost(
                member=m,
                post_name=name,
                standard=standard,
                year=2026,
                level=rng.choice(HonourLevel.values[:3]),
                evaluation="群众评价好",
            )
        )
    ModelPost.objects.bulk_create(posts)
    by_wp: dict[int, list[PartyMember]] = {}
    for m in local:
        if m.worker.workplace_id:
            by_wp.setdefault(m.worker.workplace_id, []).append(m)
    for wp_id, ms in sorted(by_wp.items(), key=lambda kv: -len(kv[1]))[:4]:
        team = VanguardTeam.objects.create(
            name=f"党员先锋队（{wp_id}）", leader=ms[0], workplace_id=wp_id, year=2026
        )
        team.members.set(ms[:8])
    for team in VanguardTeam.objects.select_related("workplace"):
        team.name = f"{team.workplace.name[:20]}党员先锋队"
        team.save(update_fields=["name"])
