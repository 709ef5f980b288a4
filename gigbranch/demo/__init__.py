"""Deterministic demo data: a fictional county, 云溪县 (DESIGN §5 scales).

`seed(scale, seed)` builds regions, the 1+X+N organisation tree, workplaces, workers with
valid resident ID numbers (rules.md ID) and one account per role, then calls each app's
own demo module (DEMO_EXTENSIONS). Same seed, same data. Bulk inserts go straight to the
models for speed; one audit event records the seeding.

This package is a composition root: it may import every app, and no app imports it
(apps' own `demo.py` modules receive a `SeedContext`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from gigbranch.core import audit
from gigbranch.organizations.models import Department, Organization, Region, Workplace

from .accounts import seed_accounts
from .data import (
    COUNTY_CENTER,
    COUNTY_CODE,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    DEPARTMENTS,
    SCALES,
    make_resident_id,
    make_uscc,
)
from .network import seed_departments, seed_network, seed_regions, seed_workplaces
from .people import seed_members, seed_workers

__all__ = [
    "COUNTY_CENTER",
    "COUNTY_CODE",
    "DEMO_EXTENSIONS",
    "DEMO_PASSWORD",
    "DEMO_USERNAMES",
    "DEPARTMENTS",
    "SCALES",
    "SeedContext",
    "SeedResult",
    "make_resident_id",
    "make_uscc",
    "seed",
]

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


@transaction.atomic
def seed(*, scale: str = "county", seed_value: int = 2026) -> SeedResult:
    rng = random.Random(seed_value)
    spec = SCALES[scale]
    result = SeedResult()

    county, towns = seed_regions(rng, spec)
    result.regions = 1 + len(towns)
    departments = seed_departments(county)
    root, industry, town_orgs = seed_network(county, towns)
    workplaces = seed_workplaces(rng, spec, towns)
    # Coverage (own/joint branches, instructors) is built once the member records exist.
    result.workplaces = len(workplaces)
    seed_workers(rng, spec, workplaces, seed_value)
    result.workers = spec["workers"]
    seed_members(rng)

    # The coverage mix depends on full members per workplace (gigbranch.organizations.demo).
    from gigbranch.organizations.demo import build_coverage

    own_branches = build_coverage(
        rng=rng, industry=industry, town_orgs=town_orgs, workplaces=workplaces
    )
    result.organizations = Organization.objects.count()

    result.users += seed_accounts(
        county=county,
        towns=towns,
        industry=industry,
        departments=departments,
        own_branches=own_branches,
    )

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
