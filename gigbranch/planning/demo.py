"""Demo data for coverage planning: a growing logistics park with no station nearby.

The park is put where the demo county's stations are farthest away (among points near the
township seats), so the planning page shows a clear gap there. It has its own random
source, so the rest of the demo data does not change.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from .maxcover import Points, haversine_km

PARK_WORKPLACES = [
    ("城东物流园顺丰速运分拨中心", "express_outlet", 140),
    ("城东物流园中通快递网点", "express_outlet", 95),
    ("城东物流园韵达快递网点", "express_outlet", 80),
    ("城东物流园京东物流仓配站", "express_outlet", 120),
    ("城东物流园货拉拉司机之家", "freight", 110),
    ("城东物流园满帮货运服务点", "freight", 70),
    ("城东物流园美团外卖配送站", "delivery_station", 60),
    ("城东物流园饿了么配送站", "delivery_station", 45),
]
OFFSETS = [(dlat / 100, dlng / 100) for dlat in (-5, -3, 0, 3, 5) for dlng in (-5, -3, 0, 3, 5)]


def seed(*, rng: random.Random, ctx: Any, scale: str) -> None:
    from gigbranch.organizations.models import CoverageMode, Workplace
    from gigbranch.stations.models import Station

    own = random.Random(18)
    towns = [t for t in (ctx.towns or [ctx.county]) if t.latitude is not None]
    if not towns:
        return
    stations = list(Station.objects.values_list("latitude", "longitude"))
    pts = Points.of(stations or [(0.0, 0.0)])

    def farthest(lat: float, lng: float) -> float:
        return float(haversine_km(lat, lng, pts.lat, pts.lng).min())

    spots = [
        (town, float(town.latitude) + dlat, float(town.longitude) + dlng)
        for town in towns
        for dlat, dlng in OFFSETS
    ]
    town, lat0, lng0 = max(spots, key=lambda s: (farthest(s[1], s[2]), -s[0].pk))
    Workplace.objects.bulk_create(
        [
            Workplace(
                name=name,
                kind=kind,
                region=town,
                address=f"{town.name}城东物流园{i + 1}号库",
                latitude=Decimal(f"{lat0 + own.uniform(-0.004, 0.004):.6f}"),
                longitude=Decimal(f"{lng0 + own.uniform(-0.004, 0.004):.6f}"),
                reported_worker_count=workers,
                coverage_mode=CoverageMode.NONE,
            )
            for i, (name, kind, workers) in enumerate(PARK_WORKPLACES)
        ]
    )
    _proposals(ctx, town)


def _proposals(ctx: Any, park_town: Any) -> None:
    """Two saved proposals, through the service (computed and audited like any other)."""
    from . import services

    county_admin = ctx.users.get("county")
    if county_admin is not None:
        services.save_proposal(
            actor=county_admin,
            name="全县新增服务站点3个（示例）",
            request={"region": ctx.county.pk, "kind": "station", "k": 3},
        )
    town_admin = ctx.users.get("chengguan")
    if town_admin is not None and town_admin.scope_region_id:
        services.save_proposal(
            actor=town_admin,
            name="本镇新建党支部2个（示例）",
            request={"region": town_admin.scope_region_id, "kind": "branch", "k": 2},
        )
