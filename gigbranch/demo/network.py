"""Demo regions (县, 乡镇/街道), departments, the 1+X+N network and the workplaces."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from gigbranch.organizations.models import (
    Department,
    Organization,
    OrgKind,
    Region,
    RegionLevel,
    Workplace,
    path_segment,
)

from .data import (
    COUNTY_CENTER,
    COUNTY_CODE,
    DEPARTMENTS,
    KIND_WEIGHTS,
    ROADS,
    SURNAMES,
    TOWNSHIPS,
    WORKPLACE_TEMPLATES,
    make_uscc,
)


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


def seed_regions(rng: random.Random, spec: dict[str, int]) -> tuple[Region, list[Region]]:
    """The county and its townships and streets (×15 for the city scale)."""
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
    return county, towns


def seed_departments(county: Region) -> list[Department]:
    departments = [Department(name=n, region=county) for n in DEPARTMENTS]
    Department.objects.bulk_create(departments)
    departments = list(Department.objects.filter(region=county).order_by("id"))
    return departments


def seed_network(
    county: Region, towns: list[Region]
) -> tuple[Organization, Organization, list[Organization]]:
    """The 1+X+N network: the root, the industry committee, one committee per township."""
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
    return root, industry, town_orgs


def seed_workplaces(
    rng: random.Random, spec: dict[str, int], towns: list[Region]
) -> list[Workplace]:
    """Workplaces of every kind, spread over the townships."""
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
    return workplaces
