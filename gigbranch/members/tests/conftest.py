from __future__ import annotations

import datetime as dt

import pytest

from gigbranch.members.models import MemberKind, PartyMember, PoliticalStatus
from tests.factories import OrganizationFactory, UserFactory, WorkerFactory


@pytest.fixture
def branch_setup(two_townships):
    a = two_townships["a"]
    member_worker = WorkerFactory(
        region=a["town"], workplace=a["workplace"], political_status=PoliticalStatus.PARTY_MEMBER
    )
    member = PartyMember.objects.create(
        worker=member_worker,
        organization=a["branch"],
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    secretary = UserFactory(
        username="sec_a", role="branch_secretary", scope_organization=a["branch"]
    )
    return {**two_townships, "member": member, "secretary": secretary}


@pytest.fixture
def make_branch():
    def make(**kw):
        return OrganizationFactory(kind="branch", **kw)

    return make


@pytest.fixture(autouse=True)
def _fast_hasher(fast_password_hashing):
    """Every test here hashes with the root conftest's fast hasher."""
