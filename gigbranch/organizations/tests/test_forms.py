"""Create/edit pages: organisations, workplaces, instructors (and assignment), rule-sets.
Each write is audited; each denied attempt changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.organizations.models import (
    CoverageMode,
    Instructor,
    Organization,
    OrgRuleSet,
    Workplace,
)

pytestmark = pytest.mark.django_db


def _audits(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_create_organization_audited(client, network):
    client.force_login(network["county_admin"])
    assert client.get(reverse("organizations:create")).status_code == 200
    response = client.post(
        reverse("organizations:create"),
        {
            "parent": network["industry"].pk,
            "name": "甲镇外卖配送站党支部",
            "kind": "branch",
            "setup_method": "standalone",
            "region": network["town_a"].pk,
            "term_years": 3,
        },
    )
    org = Organization.objects.get(name="甲镇外卖配送站党支部")
    assert response.status_code == 302 and response["Location"] == reverse(
        "organizations:detail", args=[org.pk]
    )
    assert org.parent == network["industry"] and org.path.startswith(network["industry"].path)
    assert _audits("organization.created") == 1


def test_create_organization_out_of_scope_parent_denied(client, network):
    client.force_login(network["town_a_admin"])
    before = Organization.objects.count()
    response = client.post(
        reverse("organizations:create"),
        {
            "parent": network["committee_b"].pk,  # another township's committee
            "name": "越权支部",
            "kind": "branch",
            "setup_method": "standalone",
            "region": network["town_a"].pk,
            "term_years": 3,
        },
    )
    assert response.status_code == 400
    assert Organization.objects.count() == before
    assert _audits("organization.created") == 0


def test_inspector_cannot_open_create_pages(client, network):
    client.force_login(network["inspector"])
    for name in ("create", "workplace_create", "instructor_create", "ruleset"):
        assert client.get(reverse(f"organizations:{name}")).status_code == 403


def test_create_workplace_and_bad_credit_code(client, network):
    client.force_login(network["county_admin"])
    data = {
        "name": "乙镇快递网点",
        "credit_code": "91330100MA2XXXXX0X",
        "kind": "express_outlet",
        "region": network["town_b"].pk,
        "reported_worker_count": 12,
        "coverage_mode": CoverageMode.NONE,
    }
    response = client.post(reverse("organizations:workplace_create"), data)
    assert response.status_code == 400
    assert not Workplace.objects.filter(name="乙镇快递网点").exists()
    data["credit_code"] = ""
    response = client.post(reverse("organizations:workplace_create"), data)
    wp = Workplace.objects.get(name="乙镇快递网点")
    assert response.status_code == 302
    assert (wp.region, wp.reported_worker_count, wp.credit_code) == (network["town_b"], 12, None)
    assert _audits("workplace.created") == 1


def test_create_workplace_in_other_township_denied(client, network):
    client.force_login(network["town_a_admin"])
    response = client.post(
        reverse("organizations:workplace_create"),
        {
            "name": "越权站点",
            "kind": "other",
            "region": network["town_b"].pk,
            "reported_worker_count": 3,
            "coverage_mode": CoverageMode.NONE,
        },
    )
    assert response.status_code == 400
    assert not Workplace.objects.filter(name="越权站点").exists()


def test_instructor_create_edit_and_assign(client, network, workplace_factory):
    client.force_login(network["county_admin"])
    response = client.post(
        reverse("organizations:instructor_create"),
        {
            "name": "赵指导员",
            "phone": "13800000001",
            "region": network["town_b"].pk,
            "active": "on",
        },
    )
    assert response.status_code == 302
    inst = Instructor.objects.get(name="赵指导员")
    response = client.post(
        reverse("organizations:instructor_edit", args=[inst.pk]),
        {
            "name": "赵指导员",
            "phone": "13800000001",
            "work_unit": "乙镇党委组织委员",
            "region": network["town_b"].pk,
            "active": "on",
        },
    )
    assert response.status_code == 302
    inst.refresh_from_db()
    assert inst.work_unit == "乙镇党委组织委员"
    wp = workplace_factory(region=network["town_b"], coverage_mode=CoverageMode.NONE)
    response = client.post(
        reverse("organizations:workplace_instructor", args=[wp.pk]), {"instructor": inst.pk}
    )
    assert response.status_code == 302
    wp.refresh_from_db()
    assert (wp.instructor, wp.coverage_mode) == (inst, CoverageMode.INSTRUCTOR)
    assert [_audits(a) for a in ("instructor.created", "instructor.updated")] == [1, 1]
    assert _audits("workplace.updated") == 1


def test_assign_instructor_out_of_scope_denied(client, network, workplace_factory):
    inst = Instructor.objects.create(name="钱指导员", region=network["town_b"])
    wp = workplace_factory(region=network["town_a"], coverage_mode=CoverageMode.NONE)
    client.force_login(network["town_a_admin"])  # cannot see town B's instructor
    client.post(
        reverse("organizations:workplace_instructor", args=[wp.pk]), {"instructor": inst.pk}
    )
    wp.refresh_from_db()
    assert (wp.instructor_id, wp.coverage_mode) == (None, CoverageMode.NONE)
    client.force_login(network["town_b_admin"])  # cannot see town A's workplace
    response = client.post(
        reverse("organizations:workplace_instructor", args=[wp.pk]), {"instructor": inst.pk}
    )
    assert response.status_code == 404
    wp.refresh_from_db()
    assert wp.instructor_id is None
    assert _audits("workplace.updated") == 0


def _ruleset_post(region_pk, **overrides):
    data = {
        "branch_min_full_members": 3,
        "joint_branch_max_units": 5,
        "branch_max_members": 50,
        "committee_min_full_members": 7,
        "committee_min_size": 3,
        "committee_normal_max_size": 5,
        "committee_max_size": 7,
        "branch_term_years": 3,
        "committee_term_years": 5,
        "term_warning_days": 90,
        "general_branch_min_members": 50,
        "basic_committee_min_members": 100,
        "mobile_gathering_min_members": 8,
        "note": "县委组织部文件",
    }
    return data | overrides


def test_county_admin_edits_ruleset_per_region(client, network):
    client.force_login(network["county_admin"])
    url = reverse("organizations:ruleset") + f"?region={network['town_a'].pk}"
    page = client.get(url)
    assert page.status_code == 200 and "ORG-1" in page.content.decode()
    response = client.post(url, _ruleset_post(network["town_a"].pk, joint_branch_max_units=4))
    assert response.status_code == 302
    rs = OrgRuleSet.objects.get(region=network["town_a"])
    assert (rs.joint_branch_max_units, rs.note) == (4, "县委组织部文件")
    assert _audits("org_ruleset.updated") == 1
    bad = client.post(url, _ruleset_post(network["town_a"].pk, committee_min_size=6))
    assert bad.status_code == 400
    rs.refresh_from_db()
    assert rs.committee_min_size == 3


def test_township_admin_cannot_edit_ruleset(client, network):
    client.force_login(network["town_a_admin"])
    url = reverse("organizations:ruleset") + f"?region={network['town_a'].pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, _ruleset_post(network["town_a"].pk)).status_code == 403
    assert not OrgRuleSet.objects.filter(region=network["town_a"]).exists()
    assert _audits("org_ruleset.updated") == 0
