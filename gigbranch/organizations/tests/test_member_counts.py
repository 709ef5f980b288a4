"""正式党员 is counted one way on every page (members.queries.FULL_MEMBER_Q, the home page's
figure): a branch's own count, its subtree count, the workplace page and the home page agree,
including a member who lost contact (still a member until a decision under MOB-4) and
excluding a suspended one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import PartyMemberFactory, WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch_members(two_townships):
    a = two_townships["a"]
    for status in ("normal", "normal", "lost_contact", "suspended"):
        worker = WorkerFactory(
            region=a["town"], workplace=a["workplace"], political_status="party_member"
        )
        PartyMemberFactory(worker=worker, organization=a["branch"], status=status)
    worker = WorkerFactory(
        region=a["town"], workplace=a["workplace"], political_status="party_member"
    )
    PartyMemberFactory(worker=worker, organization=a["branch"], kind="probationary")
    return two_townships


def test_branch_detail_counts_full_members_as_the_home_page_does(client, branch_members):
    a = branch_members["a"]
    client.force_login(a["admin"])
    home = client.get("/").content.decode()
    home_full = int(
        re.search(r'data-figure="full_members">\s*<div class="gb-stat-value">(\d+)', home).group(1)
    )
    assert home_full == 3  # two normal, one lost contact; not the suspended one

    detail = client.get(reverse("organizations:detail", args=[a["branch"].pk]))
    html = detail.content.decode()
    assert "正式党员 3 名，党员共 4 名" in html
    assert detail.context["counted"].n_full_members == 3

    committee = client.get(reverse("organizations:detail", args=[a["committee"].pk]))
    assert committee.context["counted"].n_full_members == home_full

    wp = client.get(reverse("organizations:workplace", args=[a["workplace"].pk]))
    assert "正式党员 3 名" in wp.content.decode()


def test_organisation_counts_leave_out_party_groups_as_the_home_page_does(
    client, two_townships, county_admin
):
    """党组织 excludes 党小组 on the home page, so the tree's subtree count does too."""
    from tests.factories import OrganizationFactory

    a = two_townships["a"]
    group = OrganizationFactory(
        name="甲镇快递网点党支部第一党小组",
        kind="party_group",
        region=a["town"],
        parent=a["branch"],
    )
    client.force_login(county_admin)
    home = client.get("/").content.decode()
    home_orgs = int(
        re.search(
            r'data-figure="party_organizations">\s*<div class="gb-stat-value">(\d+)', home
        ).group(1)
    )
    assert home_orgs == 5  # county department, two township committees, two branches

    root = client.get(reverse("organizations:detail", args=[two_townships["root"].pk]))
    assert root.context["counted"].n_descendants == home_orgs - 1
    branch = client.get(reverse("organizations:detail", args=[a["branch"].pk]))
    assert branch.context["counted"].n_descendants == 0
    group_page = client.get(reverse("organizations:detail", args=[group.pk]))
    assert group_page.context["counted"].n_descendants == 0
