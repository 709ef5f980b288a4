"""Demo workers with valid resident ID numbers (about 4% Party members) and their Party
member records."""

from __future__ import annotations

import datetime as dt
import random

from gigbranch.members.models import (
    MemberKind,
    PartyMember,
    PoliticalStatus,
    Worker,
    WorkerStatus,
)
from gigbranch.organizations.models import (
    BRANCH_KINDS,
    Organization,
    Workplace,
)

from .data import GIVEN, HOMETOWN_CODES, OCCUPATION_BY_KIND, SURNAMES, make_resident_id


def seed_workers(
    rng: random.Random, spec: dict[str, int], workplaces: list[Workplace], seed_value: int
) -> None:
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


def seed_members(rng: random.Random) -> None:
    """Party member records for the workers whose political status says so."""
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
