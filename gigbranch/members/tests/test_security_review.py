"""Regressions from the security review: bad query strings give 200/404 (never 500),
member writes are scoped by the member's own organisation, honours are scoped, and only
the county admin or the platform itself changes a platform's shared column mapping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gigbranch.core.models import AuditEvent
from gigbranch.members.models import (
    DuesAssessment,
    DuesPayment,
    HonourLevel,
    MemberEvent,
    MemberKind,
    MemberStatus,
    ModelPost,
    PartyMember,
    Platform,
    PoliticalStatus,
    Transfer,
)
from gigbranch.members.services import roster as roster_services
from gigbranch.members.tests.rosterfile import xlsx
from gigbranch.organizations.models import OrgKind
from tests.factories import OrganizationFactory, UserFactory, WorkerFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db


# --- 1. dues ledger query string ----------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "shown"),
    [
        ("abc", None),
        ("²", None),
        ("", None),
        ("1", 2000),
        ("99999", 2100),
        ("9" * 5000, None),
        ("2025", 2025),
    ],
)
def test_dues_ledger_bad_year_falls_back_and_clamps(client_for, branch_setup, year, shown):
    r = client_for(branch_setup["a"]["admin"]).get(reverse("members:dues_ledger"), {"year": year})
    assert r.status_code == 200
    assert r.context["year"] == (shown or timezone.localdate().year)


@pytest.mark.parametrize("org", ["abc", "²", "1 OR 1=1", "-1"])
def test_dues_ledger_bad_org_is_ignored(client_for, branch_setup, org):
    r = client_for(branch_setup["a"]["admin"]).get(reverse("members:dues_ledger"), {"org": org})
    assert r.status_code == 200
    assert r.context["org"] is None


def test_dues_ledger_org_of_other_township_is_404(client_for, branch_setup):
    c = client_for(branch_setup["a"]["admin"])
    r = c.get(reverse("members:dues_ledger"), {"org": branch_setup["b"]["branch"].pk})
    assert r.status_code == 404
    r = c.get(reverse("members:dues_ledger"), {"org": branch_setup["a"]["branch"].pk})
    assert r.status_code == 200 and r.context["org"] == branch_setup["a"]["branch"]


def test_id_tail_search_with_superscript_digit_is_not_a_500(client_for, branch_setup):
    r = client_for(branch_setup["a"]["admin"]).get(reverse("members:workers") + "?q=12%C2%B2X")
    assert r.status_code == 200


# --- 3 and 4. members held by another organisation line -----------------------------------


@pytest.fixture
def cross_line(two_townships):
    """A worker at an industry-line workplace whose party membership is held by town B's
    branch; an industry admin sees the worker but not the member."""
    a, b = two_townships["a"], two_townships["b"]
    industry = OrganizationFactory(
        name="快递物流行业党委",
        kind=OrgKind.INDUSTRY_COMMITTEE,
        region=two_townships["county"],
        parent=two_townships["root"],
    )
    industry_branch = OrganizationFactory(
        name="快递物流行业联合党支部", kind=OrgKind.BRANCH, region=a["town"], parent=industry
    )
    workplace = WorkplaceFactory(name="行业快递站", region=a["town"], organization=industry_branch)
    worker = WorkerFactory(
        region=a["town"], workplace=workplace, political_status=PoliticalStatus.PARTY_MEMBER
    )
    member = PartyMember.objects.create(
        worker=worker,
        organization=b["branch"],
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    admin = UserFactory(
        username="industry_other", role="industry_admin", scope_organization=industry
    )
    return {**two_townships, "worker": worker, "member": member, "admin": admin, "wp": workplace}


MEMBER_POSTS = [
    (
        "members:member_decision",
        {"status": MemberStatus.SUSPENDED, "decided_on": "2026-01-05", "reason": "失联"},
    ),
    (
        "members:member_payment",
        {"month": "2026-01", "amount": "10", "channel": "cash", "paid_on": "2026-01-05"},
    ),
    ("members:member_assessment", {"year": "2026", "rule": "fixed_low"}),
    (
        "members:member_transfer",
        {
            "direction": "out",
            "to_external": "外县党支部",
            "reason": "搬迁",
            "requested_on": "2026-01-05",
        },
    ),
    (
        "members:member_model_post",
        {"post_name": "示范岗", "standard": "服务好", "year": "2026", "level": "branch"},
    ),
]


@pytest.mark.parametrize(("name", "data"), MEMBER_POSTS)
def test_member_of_other_line_is_404_and_nothing_changes(client_for, cross_line, name, data):
    c = client_for(cross_line["admin"])
    w = cross_line["worker"]
    assert c.get(reverse("members:worker_detail", args=[w.pk])).status_code == 200
    before_audit = AuditEvent.objects.count()
    r = c.post(reverse(name, args=[w.pk]), data)
    assert r.status_code == 404
    cross_line["member"].refresh_from_db()
    assert cross_line["member"].status == MemberStatus.NORMAL
    assert MemberEvent.objects.count() == 0
    assert DuesPayment.objects.count() == 0
    assert DuesAssessment.objects.count() == 0
    assert Transfer.objects.count() == 0
    assert ModelPost.objects.count() == 0
    assert AuditEvent.objects.count() == before_audit


def test_member_in_scope_still_gets_payment(client_for, cross_line, county_admin):
    """A user who sees the member (county admin) still records dues through the same page."""
    r = client_for(county_admin).post(
        reverse("members:member_payment", args=[cross_line["worker"].pk]),
        {"month": "2026-01", "amount": "10", "channel": "cash", "paid_on": "2026-01-05"},
    )
    assert r.status_code == 302
    assert DuesPayment.objects.get().member == cross_line["member"]


def test_worker_detail_hides_member_of_other_line(client_for, cross_line):
    r = client_for(cross_line["admin"]).get(
        reverse("members:worker_detail", args=[cross_line["worker"].pk])
    )
    assert r.status_code == 200
    assert r.context["member"] is None


def test_workplace_honours_scoped(client_for, cross_line):
    ModelPost.objects.create(
        post_name="跨线示范岗",
        standard="服务好",
        member=cross_line["member"],
        year=2026,
        level=HonourLevel.BRANCH,
    )
    url = reverse("members:workplace_honours", args=[cross_line["wp"].pk])
    r = client_for(cross_line["admin"]).get(url)
    assert r.status_code == 200
    assert list(r.context["posts"]) == []
    assert "跨线示范岗" not in r.content.decode()


# --- 5. platform column mapping -----------------------------------------------------------


def _upload(admin, platform):
    return roster_services.start_import(
        actor=admin,
        platform=platform,
        filename="a.xlsx",
        data=xlsx([], headers=["名字", "证件号码", "网点X", "电话X"]),
    )


def test_township_mapping_used_for_own_import_only(two_townships, county_admin):
    platform = Platform.objects.create(name="美团外卖", column_mapping={"网点X": "workplace"})
    town_a = two_townships["a"]["admin"]
    imp = _upload(town_a, platform)
    mapping = {"名字": "name", "证件号码": "id_number", "网点X": "workplace", "电话X": "mobile"}
    imp = roster_services.set_mapping(
        actor=town_a, roster_import=imp, mapping=mapping, mark_missing_left=False
    )
    imp.refresh_from_db()
    platform.refresh_from_db()
    assert imp.mapping == mapping
    assert platform.column_mapping == {"网点X": "workplace"}
    assert "电话X" not in _upload(two_townships["b"]["admin"], platform).mapping

    # The county admin sets the shared default.
    imp = _upload(county_admin, platform)
    roster_services.set_mapping(
        actor=county_admin, roster_import=imp, mapping=mapping, mark_missing_left=False
    )
    platform.refresh_from_db()
    assert platform.column_mapping == mapping


def test_platform_api_user_sets_its_default(two_townships):
    platform = Platform.objects.create(name="顺丰")
    api_user = two_townships["a"]["admin"]
    platform.api_users.add(api_user)
    imp = _upload(api_user, platform)
    mapping = {"名字": "name", "证件号码": "id_number", "网点X": "workplace"}
    roster_services.set_mapping(
        actor=api_user, roster_import=imp, mapping=mapping, mark_missing_left=False
    )
    platform.refresh_from_db()
    assert platform.column_mapping == mapping
