"""ORG checkers against the database: boundaries, resolution, rule-sets and both scope axes."""

import datetime as dt

import pytest
import time_machine

from gigbranch.core.models import Finding
from gigbranch.core.services import recompute_findings
from gigbranch.members.models import MemberKind
from gigbranch.organizations import services
from gigbranch.organizations.models import CommitteeMember, CoverageMode, OrgKind
from tests.factories import OrganizationFactory, WorkplaceFactory

from .conftest import add_members

pytestmark = pytest.mark.django_db

ORG_RULES = [f"ORG-{n}" for n in range(1, 9)]


def open_findings(rule):
    return list(Finding.objects.open().filter(rule_id=rule).order_by("object_id"))


def test_org1_appears_at_third_full_member_and_resolves_when_branch_is_built(network):
    wp = WorkplaceFactory(
        name="乙镇外卖站", region=network["town_b"], coverage_mode=CoverageMode.NONE
    )
    add_members(n=2, workplace=wp)
    add_members(n=3, workplace=wp, kind=MemberKind.PROBATIONARY)
    recompute_findings(rule_ids=["ORG-1"])
    assert open_findings("ORG-1") == []
    add_members(n=1, workplace=wp)
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        recompute_findings(rule_ids=["ORG-1"])
    [finding] = open_findings("ORG-1")
    assert finding.object_label == "乙镇外卖站"
    assert finding.summary == "应建未建：有正式党员3名（达到3名），目前未覆盖，尚未单独建立党支部。"
    assert finding.advice.startswith("按照ORG-1")
    assert finding.region_id == network["town_b"].pk
    assert finding.facts == {"full_members": 3, "threshold": 3, "coverage_mode": "none"}
    # Kept: first-seen date does not move.
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC), tick=False):
        stats = recompute_findings(rule_ids=["ORG-1"])
    finding.refresh_from_db()
    assert stats == {"opened": 0, "kept": 1, "resolved": 0}
    assert finding.first_seen_at == dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    # Fixed: the workplace gets its own branch → the finding is resolved.
    branch = OrganizationFactory(
        name="乙镇外卖站党支部",
        kind=OrgKind.BRANCH,
        region=network["town_b"],
        parent=network["industry"],
        secretary_name="赵",
    )
    services.update_workplace(
        actor=network["county_admin"],
        workplace=wp,
        organization=branch,
        coverage_mode=CoverageMode.OWN_BRANCH,
    )
    assert recompute_findings(rule_ids=["ORG-1"])["resolved"] == 1
    assert open_findings("ORG-1") == []


@pytest.mark.parametrize(("units", "flagged"), [(5, False), (6, True)])
def test_org2_joint_branch_units(network, units, flagged):
    for i in range(units):
        WorkplaceFactory(
            name=f"单位{i}",
            region=network["town_b"],
            organization=network["joint_b"],
            coverage_mode=CoverageMode.JOINT_BRANCH,
        )
    recompute_findings(rule_ids=["ORG-2"])
    found = open_findings("ORG-2")
    assert len(found) == (1 if flagged else 0)
    if flagged:
        assert (
            found[0].object_label == "乙镇联合党支部"
            and found[0].organization_id == network["joint_b"].pk
        )


@pytest.mark.parametrize(("members", "flagged"), [(50, False), (51, True)])
def test_org3_members_per_branch(network, members, flagged):
    add_members(n=members - 10, organization=network["branch_a"], kind=MemberKind.PROBATIONARY)
    add_members(n=10, organization=network["branch_a"])
    CommitteeMember.objects.bulk_create(
        [
            CommitteeMember(organization=network["branch_a"], post=p, person_name="委员")
            for p in ("organization", "publicity", "discipline")
        ]
    )
    recompute_findings(rule_ids=ORG_RULES)
    assert [f.summary for f in open_findings("ORG-3")] == (
        ["党支部有党员51名，超过一般不超过50名的要求。"] if flagged else []
    )
    assert open_findings("ORG-4") == []


@pytest.mark.parametrize(("full", "flagged"), [(6, False), (7, True)])
def test_org4_committee_needed_from_seven_full_members(network, full, flagged):
    add_members(n=full, organization=network["branch_a"])
    add_members(n=4, organization=network["branch_a"], kind=MemberKind.PROBATIONARY)
    recompute_findings(rule_ids=["ORG-4"])
    found = open_findings("ORG-4")
    assert len(found) == (1 if flagged else 0)
    if flagged:
        assert found[0].facts == {"full_members": 7, "committee_size": 1}
        # Electing a committee (secretary + 2 members) fixes it.
        for post in ("organization", "publicity"):
            services.add_committee_member(
                actor=network["county_admin"],
                organization=network["branch_a"],
                post=post,
                person_name="委员",
            )
        assert recompute_findings(rule_ids=["ORG-4"])["resolved"] == 1


@pytest.mark.parametrize(
    ("today", "severity"),
    [
        (dt.date(2026, 4, 1), None),  # end − 91
        (dt.date(2026, 4, 2), "warning"),  # end − 90
        (dt.date(2026, 7, 1), "warning"),  # end day
        (dt.date(2026, 7, 2), "violation"),  # end + 1
    ],
)
def test_org5_term_boundaries_in_checker(network, today, severity):
    org = network["branch_a"]
    org.term_start, org.term_years = dt.date(2023, 7, 1), 3
    org.save()
    from gigbranch.organizations.models import Organization

    Organization.objects.exclude(pk=org.pk).update(term_start=today, term_years=5)
    with time_machine.travel(dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC), tick=False):
        recompute_findings(rule_ids=["ORG-5"])
    found = open_findings("ORG-5")
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_org8_secretary_vacancy(network):
    services.update_organization(
        actor=network["county_admin"], organization=network["branch_b"], secretary_name=""
    )
    recompute_findings(rule_ids=["ORG-8"])
    assert [f.object_label for f in open_findings("ORG-8")] == ["乙镇配送站党支部"]


def test_org6_and_org7(network):
    general = OrganizationFactory(
        name="快递总支",
        kind=OrgKind.GENERAL_BRANCH,
        region=network["county"],
        parent=network["industry"],
        secretary_name="钱",
    )
    sub = OrganizationFactory(
        name="总支下支部",
        kind=OrgKind.BRANCH,
        region=network["town_a"],
        parent=general,
        secretary_name="孙",
    )
    add_members(n=12, organization=sub)
    wp = WorkplaceFactory(name="物流园", region=network["town_a"])
    add_members(n=8, workplace=wp, kind=MemberKind.PROBATIONARY)
    recompute_findings(rule_ids=["ORG-6", "ORG-7"])
    assert [f.object_label for f in open_findings("ORG-6")] == ["快递总支"]
    assert open_findings("ORG-6")[0].facts == {"members": 12, "threshold": 50}
    assert [f.object_label for f in open_findings("ORG-7")] == ["物流园"]


def test_ruleset_per_jurisdiction_overrides_defaults(network):
    wa = WorkplaceFactory(name="甲镇站", region=network["town_a"])
    wb = WorkplaceFactory(name="乙镇站", region=network["town_b"])
    add_members(n=3, workplace=wa)
    add_members(n=3, workplace=wb)
    services.set_ruleset(
        actor=network["county_admin"],
        region=network["town_a"],
        branch_min_full_members=4,
        note="甲镇试行",
    )
    recompute_findings(rule_ids=["ORG-1"])
    assert [f.object_label for f in open_findings("ORG-1")] == ["乙镇站"]


def test_findings_scope_along_both_axes(network):
    # branch_b: industry line (parent = industry committee), located in town B.
    services.update_organization(
        actor=network["county_admin"], organization=network["branch_b"], secretary_name=""
    )
    services.update_organization(
        actor=network["county_admin"], organization=network["joint_b"], secretary_name=""
    )
    services.update_organization(
        actor=network["county_admin"], organization=network["branch_a"], secretary_name=""
    )
    recompute_findings(rule_ids=["ORG-8"])

    def seen(user):
        return sorted(f.object_label for f in Finding.objects.visible_to(user).open())

    assert seen(network["county_admin"]) == [
        "乙镇联合党支部",
        "乙镇配送站党支部",
        "甲镇快递网点党支部",
    ]
    # Industry line: the branches under the industry committee, wherever they are.
    assert seen(network["industry_admin"]) == ["乙镇配送站党支部", "甲镇快递网点党支部"]
    # Region: everything located in the township, whichever line leads it.
    assert seen(network["town_b_admin"]) == ["乙镇联合党支部", "乙镇配送站党支部"]
    assert seen(network["town_a_admin"]) == ["甲镇快递网点党支部"]
    assert seen(network["secretary_a"]) == ["甲镇快递网点党支部"]
