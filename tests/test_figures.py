"""Headline figures agree everywhere (core.figures): the number on the home page, the count
of the list page the number links to, the API overview and the API list with the same
`figure` key are one query, for a county, a township and an industry-line user. The county's
values are also checked against the definitions written out from the models, so the pages
cannot agree on a wrong number."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gigbranch.accounts.models import User
from gigbranch.accounts.roles import has_capability
from gigbranch.appeals.models import Appeal
from gigbranch.appeals.rules import Status as AppealStatus
from gigbranch.cockpit.queries import HOME_FIGURES
from gigbranch.members.models import MemberKind, MemberStatus, PartyMember, Worker, WorkerStatus
from gigbranch.organizations.models import (
    BRANCH_KINDS,
    CoverageMode,
    Organization,
    OrgKind,
    Workplace,
)
from gigbranch.stations.models import Station

IN_STANDING = (MemberStatus.NORMAL, MemberStatus.LOST_CONTACT)

# Each figure written out from the models for a user who sees the whole county.
COUNTY_DEFINITIONS = {
    "party_organizations": lambda: Organization.objects.exclude(kind=OrgKind.PARTY_GROUP),
    "party_branches": lambda: Organization.objects.filter(kind__in=BRANCH_KINDS),
    "workplaces": lambda: Workplace.objects.all(),
    "org_covered_workplaces": lambda: Workplace.objects.filter(
        coverage_mode__in=(CoverageMode.OWN_BRANCH, CoverageMode.JOINT_BRANCH)
    ),
    "work_covered_workplaces": lambda: Workplace.objects.filter(
        coverage_mode__in=(
            CoverageMode.OWN_BRANCH,
            CoverageMode.JOINT_BRANCH,
            CoverageMode.INSTRUCTOR,
        )
    ),
    "uncovered_workplaces": lambda: Workplace.objects.filter(coverage_mode=CoverageMode.NONE),
    "active_workers": lambda: Worker.objects.filter(status=WorkerStatus.ACTIVE),
    "full_members": lambda: PartyMember.objects.filter(
        kind=MemberKind.FULL, status__in=IN_STANDING, organization__isnull=False
    ),
    "probationary_members": lambda: PartyMember.objects.filter(
        kind=MemberKind.PROBATIONARY, status__in=IN_STANDING, organization__isnull=False
    ),
    "inflow_mobile_members": lambda: PartyMember.objects.filter(
        is_mobile=True, status__in=IN_STANDING, organization__isnull=True
    ),
    "active_stations": lambda: Station.objects.filter(is_active=True),
    "open_appeals": lambda: Appeal.objects.filter(status__in=AppealStatus.OPEN),
    "overdue_appeals": lambda: Appeal.objects.filter(
        status__in=AppealStatus.OPEN, reply_due_at__lt=timezone.now()
    ),
}

HOME_VALUE = re.compile(
    r'data-figure="(?P<key>\w+)">\s*<div class="gb-stat-value">(?P<value>\d+)'
    r".*?</div>\s*<div class=\"gb-stat-label\">(?P<label>[^<]+)</div>",
    re.S,
)
LIST_COUNT = re.compile(
    r'id="figure-note" data-figure="(?P<key>\w+)">\s*<strong>(?P<label>[^<]+)</strong>'
    r'.*?<span id="figure-count">(?P<value>\d+)</span>',
    re.S,
)


@pytest.fixture
def demo_county(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from gigbranch import demo

    demo.seed(scale="tiny", seed_value=7)


def _home_figures(client: Client) -> dict[str, tuple[int, str]]:
    html = client.get("/").content.decode()
    return {m["key"]: (int(m["value"]), m["label"]) for m in HOME_VALUE.finditer(html)}


def _check_agreement(username: str) -> dict[str, int]:
    """Home page, list page and API agree for one user; returns the home page's values."""
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)

    shown = _home_figures(client)
    expected_keys = [f.key for f in HOME_FIGURES if has_capability(user, f.capability)]
    assert list(shown) == expected_keys
    assert "party_branches" in shown and "full_members" in shown

    overview = {row["key"]: row for row in client.get("/api/v1/overview").json()}
    assert list(overview) == expected_keys

    for figure in HOME_FIGURES:
        if figure.key not in shown:
            continue
        value, label = shown[figure.key]
        assert label == figure.label

        # The list page the number links to counts the same rows and says what they are.
        page = client.get(figure.url)
        assert page.status_code == 200
        note = LIST_COUNT.search(page.content.decode())
        assert note is not None, figure.key
        assert (note["key"], note["label"], int(note["value"])) == (
            figure.key,
            figure.label,
            value,
        )
        assert page.context["page"].paginator.count == value

        # The API: the overview and the list with the same key.
        assert overview[figure.key]["value"] == value
        assert overview[figure.key]["label"] == figure.label
        assert overview[figure.key]["list_url"] == figure.url
        api_list = client.get(overview[figure.key]["api_list_url"])
        assert api_list.status_code == 200, (figure.key, api_list.content)
        assert api_list.json()["count"] == value, figure.key
    return {key: value for key, (value, _) in shown.items()}


def test_home_page_list_pages_and_api_agree_for_county_township_and_industry_line(
    demo_county,
):
    values = {u: _check_agreement(u) for u in ("county", "chengguan", "industry")}
    # A township and the industry line count a part of the county, never more.
    for username in ("chengguan", "industry"):
        for key, value in values[username].items():
            assert value <= values["county"][key], (username, key)
    assert values["chengguan"]["workplaces"] < values["county"]["workplaces"]


def test_county_figures_match_their_written_definitions(demo_county):
    client = Client()
    client.force_login(User.objects.get(username="county"))
    shown = _home_figures(client)
    assert set(shown) == set(COUNTY_DEFINITIONS)
    expected = {key: rows().count() for key, rows in COUNTY_DEFINITIONS.items()}
    assert {key: value for key, (value, _) in shown.items()} == expected
    # The demo county has something of each, so the comparison above means something.
    assert all(expected.values()), expected

    # A stale or mistyped `?figure=` shows the usual list without a figure note, not an error.
    page = client.get(reverse("members:members") + "?figure=nonsense")
    assert page.status_code == 200
    assert 'id="figure-note"' not in page.content.decode()
    assert page.context["page"].paginator.count == PartyMember.objects.count()


def test_party_members_api_is_scoped_and_needs_people_view(two_townships, county):
    from gigbranch.organizations.models import Department
    from tests.factories import PartyMemberFactory, UserFactory, WorkerFactory

    for key in ("a", "b"):
        t = two_townships[key]
        worker = WorkerFactory(region=t["town"], workplace=t["workplace"])
        PartyMemberFactory(worker=worker, organization=t["branch"])
    client = Client()
    client.force_login(two_townships["a"]["admin"])
    rows = client.get("/api/v1/members/party-members?figure=full_members").json()
    assert rows["count"] == 1
    assert rows["items"][0]["organization_id"] == two_townships["a"]["branch"].pk

    department = Department.objects.create(name="县人社局", region=county)
    handler = UserFactory(username="h", role="department_handler", department=department)
    client.force_login(handler)
    response = client.get("/api/v1/members/party-members")
    assert response.status_code == 403
    assert "无权查看党员信息" in response.json()["detail"]
