"""Demo data for the network (issue 3): coverage mix, secretaries, committees, instructors,
rule-set, and at least one seeded case of every ORG rule.

`build_coverage()` is called by gigbranch.demo.seed() once the Party member records exist
(who covers a workplace depends on how many full members it has); `seed()` runs as a
DEMO_EXTENSION afterwards and computes the findings. County scale: about 60 organisations.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from typing import Any

from django.db.models import Count
from django.utils import timezone

from gigbranch.members.models import MemberKind, MemberStatus, PartyMember, Worker

from . import boundaries
from .models import (
    CommitteeMember,
    CommitteePost,
    CoverageMode,
    Instructor,
    Organization,
    OrgKind,
    OrgRuleSet,
    Region,
    SetupMethod,
    Workplace,
    WorkplaceKind,
    path_segment,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鹏飞浩宇轩博文斌晨阳"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _phone(rng: random.Random) -> str:
    return f"13{rng.randrange(5, 10)}{rng.randrange(10**7, 10**8)}"


def _with_paths(orgs: list[Organization]) -> list[Organization]:
    """Insert in parent-first order, then give each its materialised path."""
    Organization.objects.bulk_create(orgs, batch_size=500)
    for org in orgs:
        parent_path = org.parent.path if org.parent_id else ""  # type: ignore[union-attr]
        org.path = parent_path + path_segment(org.pk)
    Organization.objects.bulk_update(orgs, ["path"], batch_size=500)
    return orgs


def _years_ago(today: dt.date, years: int, days: int = 0) -> dt.date:
    try:
        base = today.replace(year=today.year - years)
    except ValueError:
        base = today.replace(year=today.year - years, day=28)
    return base + dt.timedelta(days=days)


def build_coverage(
    *,
    rng: random.Random,
    industry: Organization,
    town_orgs: list[Organization],
    workplaces: list[Workplace],
) -> list[Organization]:
    """Own branches where full members are most, joint branches of small units, instructors,
    and the uncovered rest. Returns the own branches (the first one is the demo branch)."""
    today = timezone.localdate()
    scale = max(1, round(len(workplaces) / 500))
    town_org_by_region = {o.region_id: o for o in town_orgs}
    full = dict(
        PartyMember.objects.filter(
            kind=MemberKind.FULL, status=MemberStatus.NORMAL, worker__workplace__isnull=False
        )
        .values_list("worker__workplace_id")
        .annotate(n=Count("id"))
        .values_list("worker__workplace_id", "n")
    )
    order = workplaces[:]
    rng.shuffle(order)
    order.sort(key=lambda w: -full.get(w.pk, 0))
    # Own branches for the workplaces with most full members, except two left as 应建未建.
    own = [w for i, w in enumerate(order[: 26 * scale + 2]) if i not in (1, 4)][: 26 * scale]
    rest = [w for w in order if w not in set(own)]
    small = [w for w in rest if full.get(w.pk, 0) < 3]
    rng.shuffle(small)
    # Joint branches: groups of 4 units in the same township; one group of 6 (ORG-2).
    by_town: dict[int, list[Workplace]] = defaultdict(list)
    for w in small:
        by_town[w.region_id].append(w)
    groups: list[list[Workplace]] = []
    towns = sorted(by_town)
    target_groups = 13 * scale
    t = 0
    while len(groups) < target_groups and any(len(by_town[x]) >= 4 for x in towns):
        town = towns[t % len(towns)]
        t += 1
        size = 6 if not groups else 4
        if len(by_town[town]) >= size:
            groups.append([by_town[town].pop() for _ in range(size)])
    joint_ids = {w.pk for g in groups for w in g}
    remaining = [w for w in rest if w.pk not in joint_ids]
    rng.shuffle(remaining)
    instructor_count = len(remaining) * 57 // 100
    by_instructor = remaining[:instructor_count]

    branches: list[Organization] = []
    for i, wp in enumerate(own):
        start = _years_ago(today, 0, -rng.randrange(120, 900))
        if i == 3:
            start = _years_ago(today, 3, 40)  # ORG-5: term ends in 40 days
        if i == 5:
            start = _years_ago(today, 3, -30)  # ORG-5: expired 30 days ago
        branches.append(
            Organization(
                name=f"中共{wp.name}支部委员会",
                kind=OrgKind.BRANCH,
                setup_method=SetupMethod.STANDALONE,
                parent=industry,
                region=wp.region,
                founded_on=start,
                term_start=start,
                term_years=3,
                address=wp.address,
                latitude=wp.latitude,
                longitude=wp.longitude,
                contact_name=wp.contact_name,
                contact_phone=wp.contact_phone,
            )
        )
    joints: list[Organization] = []
    for idx, group in enumerate(groups):
        lead = group[0]
        start = _years_ago(today, 0, -rng.randrange(100, 800))
        joints.append(
            Organization(
                name=f"中共云溪县{lead.region.name}新就业群体第{idx + 1}联合支部委员会",
                kind=OrgKind.JOINT_BRANCH,
                setup_method=SetupMethod.JOINT,
                parent=industry if idx % 2 == 0 else town_org_by_region[lead.region_id],
                region=lead.region,
                founded_on=start,
                term_start=start,
                term_years=3,
                secretary_name=_person(rng),
                secretary_phone=_phone(rng),
                address=lead.address,
                latitude=lead.latitude,
                longitude=lead.longitude,
            )
        )
    _with_paths(branches + joints)
    for wp, br in zip(own, branches, strict=True):
        wp.organization, wp.coverage_mode = br, CoverageMode.OWN_BRANCH
    for group, br in zip(groups, joints, strict=True):
        for wp in group:
            wp.organization, wp.coverage_mode = br, CoverageMode.JOINT_BRANCH
    for wp in by_instructor:
        wp.organization, wp.coverage_mode = (
            town_org_by_region.get(wp.region_id),
            CoverageMode.INSTRUCTOR,
        )
    Workplace.objects.bulk_update(
        own + [w for g in groups for w in g] + by_instructor,
        ["organization", "coverage_mode"],
        batch_size=1000,
    )
    # Members of covered workplaces belong to the covering branch.
    covering = {w.pk: w.organization_id for w in own} | {
        w.pk: br.pk for g, br in zip(groups, joints, strict=True) for w in g
    }
    by_org: dict[int, list[int]] = defaultdict(list)
    for pm_id, wp_id in PartyMember.objects.filter(
        worker__workplace_id__in=list(covering)
    ).values_list("id", "worker__workplace_id"):
        covering_org = covering.get(wp_id)
        if covering_org is not None:
            by_org[covering_org].append(pm_id)
    for org_id, ids in by_org.items():
        PartyMember.objects.filter(pk__in=ids).update(organization_id=org_id)
    # Secretaries of own branches: a full member of the branch (two left vacant: ORG-8).
    secretaries: dict[int, PartyMember] = {}
    for pm in PartyMember.objects.filter(organization__in=branches, kind=MemberKind.FULL).order_by(
        "id"
    ):
        if pm.organization_id is not None:
            secretaries.setdefault(pm.organization_id, pm)
    for i, br in enumerate(branches):
        if i in (2, 9):
            continue
        secretary = secretaries.get(br.pk)
        if secretary is not None:
            br.secretary_member = secretary
        else:
            br.secretary_name = _person(rng)
        br.secretary_phone = _phone(rng)
    Organization.objects.bulk_update(
        branches, ["secretary_member", "secretary_name", "secretary_phone"]
    )
    # Reported headcount: registered active workers plus a few not yet registered.
    counts = dict(
        Worker.objects.active()
        .filter(workplace__isnull=False)
        .values_list("workplace_id")
        .annotate(n=Count("id"))
        .values_list("workplace_id", "n")
    )
    for wp in workplaces:
        wp.reported_worker_count = counts.get(wp.pk, 0) + rng.randrange(0, 8)
    Workplace.objects.bulk_update(workplaces, ["reported_worker_count"], batch_size=1000)
    return branches


def seed(*, rng: random.Random, ctx: Any, scale: str) -> None:
    today = timezone.localdate()
    county: Region = ctx.county
    industry: Organization = ctx.industry
    OrgRuleSet.objects.get_or_create(
        region=None, defaults={"note": "rules.md 默认值（支部条例、任期意见）"}
    )

    # Town committees: terms within range, one due soon (ORG-5 warning).
    for i, org in enumerate(ctx.town_orgs):
        start = (
            _years_ago(today, 5, 60) if i == 1 else _years_ago(today, 0, -rng.randrange(200, 1500))
        )
        org.term_start, org.founded_on, org.term_years = start, org.founded_on or start, 5
        org.secretary_name, org.secretary_phone = _person(rng), _phone(rng)
    Organization.objects.bulk_update(
        ctx.town_orgs,
        ["term_start", "founded_on", "term_years", "secretary_name", "secretary_phone"],
    )
    industry.secretary_name, industry.secretary_phone = "周建华", _phone(rng)
    industry.save(update_fields=["secretary_name", "secretary_phone"])

    copies = max(1, len(ctx.towns) // 12)
    alliance = Organization(
        name="云溪县城区新就业群体党建联盟",
        kind=OrgKind.ALLIANCE,
        parent=ctx.root,
        region=county,
        contact_name="李晓梅",
        address="云溪县人民路1号",
    )
    general = Organization(
        name="中共云溪县快递物流行业总支部委员会",
        kind=OrgKind.GENERAL_BRANCH,
        parent=industry,
        region=county,
        term_start=_years_ago(today, 1, 0),
        term_years=3,
        secretary_name=_person(rng),
        secretary_phone=_phone(rng),
    )
    _with_paths([alliance, general])
    mobiles: list[Organization] = []
    for c in range(copies):
        town = ctx.towns[c * 12]
        for n, label in ((1, "第一"), (2, "第二")):
            mobiles.append(
                Organization(
                    name=f"中共云溪县新就业群体流动党员{label}支部委员会"
                    + (f"（{c + 1}）" if copies > 1 else ""),
                    kind=OrgKind.MOBILE_BRANCH,
                    setup_method=SetupMethod.STANDALONE,
                    parent=industry,
                    region=town,
                    term_start=_years_ago(today, 1, -n * 30),
                    term_years=3,
                    secretary_name=_person(rng),
                    secretary_phone=_phone(rng),
                )
            )
    _with_paths(mobiles)

    # Mobile members' branches take members whose membership is held elsewhere (ORG-7):
    # the first gets 55 (ORG-3: over 50), the second 12 with no committee (ORG-4).
    free = list(
        PartyMember.objects.filter(organization__isnull=True, status=MemberStatus.NORMAL)
        .order_by("id")
        .values_list("id", "kind")
    )
    rng.shuffle(free)
    for i in range(0, len(mobiles), 2):
        first, second = mobiles[i], mobiles[i + 1]
        take1, free = free[:55], free[55:]
        fulls = [pid for pid, kind in free if kind == MemberKind.FULL][:12]
        free = [item for item in free if item[0] not in set(fulls)]
        PartyMember.objects.filter(pk__in=[pid for pid, _ in take1]).update(organization=first)
        PartyMember.objects.filter(pk__in=fulls).update(organization=second)
        for post in (
            CommitteePost.DEPUTY_SECRETARY,
            CommitteePost.ORGANIZATION,
            CommitteePost.PUBLICITY,
            CommitteePost.DISCIPLINE,
        ):
            CommitteeMember.objects.create(
                organization=first,
                post=post,
                person_name=_person(rng),
                phone=_phone(rng),
                since=first.term_start,
            )
        groups = [
            Organization(
                name=f"{first.name}第{k}党小组",
                kind=OrgKind.PARTY_GROUP,
                parent=first,
                region=first.region,
            )
            for k in (1, 2)
        ]
        _with_paths(groups)

    # A general branch with a few express-outlet branches (ORG-6: under 50 members).
    express = list(
        Organization.objects.filter(
            parent=industry, kind=OrgKind.BRANCH, workplaces__kind=WorkplaceKind.EXPRESS_OUTLET
        )
        .exclude(pk=ctx.users["branch"].scope_organization_id if "branch" in ctx.users else 0)
        .distinct()
        .order_by("pk")[: 3 * copies]
    )
    for br in express:
        old = br.path
        new = general.path + path_segment(br.pk)
        Organization.objects.filter(pk=br.pk).update(parent=general, path=new)
        assert old != new

    # ORG-7: members away from their own organisation gathered at one delivery station.
    station = (
        Workplace.objects.filter(
            kind=WorkplaceKind.DELIVERY_STATION, coverage_mode=CoverageMode.NONE
        )
        .order_by("-reported_worker_count", "pk")
        .first()
    )
    if station is not None:
        movers = list(
            Worker.objects.filter(
                party_member__organization__isnull=True,
                party_member__status=MemberStatus.NORMAL,
                region=station.region,
            )
            .exclude(workplace=station)
            .order_by("id")
            .values_list("id", flat=True)[:9]
        )
        Worker.objects.filter(pk__in=movers).update(workplace=station)

    # Instructors: one or two per township, serving its instructor-covered workplaces.
    instructors: list[Instructor] = []
    for town in ctx.towns:
        org = next((o for o in ctx.town_orgs if o.region_id == town.pk), None)
        instructors.append(
            Instructor(
                name=_person(rng),
                phone=_phone(rng),
                work_unit=f"{town.name}党建办 党建工作指导员",
                region=town,
                organization=org,
                appointed_on=_years_ago(today, 1, rng.randrange(0, 200)),
            )
        )
    Instructor.objects.bulk_create(instructors)
    by_town = {i.region_id: i for i in Instructor.objects.filter(region__in=ctx.towns)}
    covered = list(Workplace.objects.filter(coverage_mode=CoverageMode.INSTRUCTOR))
    for wp in covered:
        wp.instructor = by_town.get(wp.region_id)
    Workplace.objects.bulk_update(covered, ["instructor"], batch_size=1000)

    _demo_boundaries(county, ctx.towns)

    from gigbranch.core.services import recompute_findings

    recompute_findings(rule_ids=[f"ORG-{n}" for n in range(1, 9)])


def _demo_boundaries(county: Region, towns: list[Region]) -> None:
    """Plausible boundaries for the fictional county, so its maps read without tiles: an
    irregular county outline around every township, split into one cell per township
    (the points nearer its seat than any other's). A separate random source keeps the
    rest of the demo data unchanged."""
    rng = random.Random(f"boundaries-{county.code}")
    if county.latitude is None or county.longitude is None:
        return
    lat0, lng0 = float(county.latitude), float(county.longitude)
    scale = math.cos(math.radians(lat0))
    sites = [
        (float(t.longitude), float(t.latitude))
        for t in towns
        if t.latitude is not None and t.longitude is not None
    ]
    reach = 0.06 + max(
        (math.hypot((lng - lng0) * scale, lat - lat0) for lng, lat in sites), default=0.1
    )
    corners = 28
    outline = []
    for k in range(corners):
        angle = 2 * math.pi * k / corners
        r = reach * rng.uniform(0.9, 1.1)
        outline.append((lng0 + r * math.cos(angle) / scale, lat0 + r * math.sin(angle)))
    county.boundary = boundaries.polygon(outline)
    located = [t for t in towns if t.latitude is not None and t.longitude is not None]
    for town, cell in zip(located, boundaries.partition(outline, sites), strict=True):
        town.boundary = cell
    Region.objects.bulk_update([county, *located], ["boundary"])


def org_counts() -> dict[str, int]:
    """Organisations by kind (used by tests and the seed report)."""
    return dict(
        Organization.objects.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )


__all__ = ["build_coverage", "org_counts", "seed"]
