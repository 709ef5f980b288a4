"""Fixtures for the network tests: a small 1+X+N tree across two townships."""

from __future__ import annotations

import itertools

import pytest

from gigbranch.members.models import MemberKind, MemberStatus, PartyMember
from gigbranch.organizations.models import OrgKind
from tests.factories import (
    OrganizationFactory,
    RegionFactory,
    UserFactory,
    WorkerFactory,
    WorkplaceFactory,
)

_seq = itertools.count(1)


def add_members(
    *,
    n: int,
    workplace=None,
    organization=None,
    kind: str = MemberKind.FULL,
    status: str = MemberStatus.NORMAL,
    region=None,
) -> list[PartyMember]:
    out = []
    for _ in range(n):
        worker = WorkerFactory(
            workplace=workplace,
            region=region or (workplace.region if workplace else organization.region),
        )
        out.append(
            PartyMember.objects.create(
                worker=worker, organization=organization, kind=kind, status=status
            )
        )
    return out


@pytest.fixture
def network(db):
    """County → org department → industry committee (line) + two township committees
    (region); branches under the industry committee located in each township."""
    county = RegionFactory(name="测试县", level="county", parent=None)
    town_a = RegionFactory(name="甲镇", parent=county)
    town_b = RegionFactory(name="乙镇", parent=county)
    root = OrganizationFactory(
        name="县委组织部", kind=OrgKind.ORG_DEPARTMENT, region=county, parent=None
    )
    industry = OrganizationFactory(
        name="行业党委", kind=OrgKind.INDUSTRY_COMMITTEE, region=county, parent=root
    )
    committee_a = OrganizationFactory(
        name="甲镇党委", kind=OrgKind.TOWNSHIP_COMMITTEE, region=town_a, parent=root
    )
    committee_b = OrganizationFactory(
        name="乙镇党委", kind=OrgKind.TOWNSHIP_COMMITTEE, region=town_b, parent=root
    )
    branch_a = OrganizationFactory(
        name="甲镇快递网点党支部",
        kind=OrgKind.BRANCH,
        region=town_a,
        parent=industry,
        secretary_name="张书记",
    )
    branch_b = OrganizationFactory(
        name="乙镇配送站党支部",
        kind=OrgKind.BRANCH,
        region=town_b,
        parent=industry,
        secretary_name="李书记",
    )
    joint_b = OrganizationFactory(
        name="乙镇联合党支部",
        kind=OrgKind.JOINT_BRANCH,
        region=town_b,
        parent=committee_b,
        secretary_name="王书记",
    )
    return {
        "county": county,
        "town_a": town_a,
        "town_b": town_b,
        "root": root,
        "industry": industry,
        "committee_a": committee_a,
        "committee_b": committee_b,
        "branch_a": branch_a,
        "branch_b": branch_b,
        "joint_b": joint_b,
        "county_admin": UserFactory(username="c_admin", role="county_admin", scope_region=county),
        "industry_admin": UserFactory(
            username="i_admin", role="industry_admin", scope_organization=industry
        ),
        "town_a_admin": UserFactory(username="a_admin", role="township_admin", scope_region=town_a),
        "town_b_admin": UserFactory(username="b_admin", role="township_admin", scope_region=town_b),
        "secretary_a": UserFactory(
            username="sec_a", role="branch_secretary", scope_organization=branch_a
        ),
        "inspector": UserFactory(username="insp", role="inspector", scope_region=county),
    }


@pytest.fixture
def workplace_factory():
    return WorkplaceFactory


@pytest.fixture(autouse=True)
def _fast_hasher(fast_password_hashing):
    """Every test here hashes with the root conftest's fast hasher."""
