"""Coverage page: `?region=` resolves only among the user's visible regions; any other id is
a 404 (as for every out-of-scope id in the app) and no out-of-scope region is named."""

import pytest
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.organizations.models import CoverageMode, OrgKind
from gigbranch.organizations.queries import visible_regions
from tests.factories import OrganizationFactory, RegionFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

COVERAGE = reverse("organizations:coverage")
POINTS = reverse("organizations:coverage_points")
WORKPLACES = reverse("organizations:workplaces")


@pytest.fixture
def world(network):
    """The industry line reaches 甲镇 (a workplace) and 乙镇 (a branch); 丙镇 holds only a
    township workplace; 邻县 is another county altogether."""
    town_c = RegionFactory(name="丙镇", parent=network["county"])
    committee_c = OrganizationFactory(
        name="丙镇党委", kind=OrgKind.TOWNSHIP_COMMITTEE, region=town_c, parent=network["root"]
    )
    WorkplaceFactory(
        name="甲网点",
        region=network["town_a"],
        organization=network["branch_a"],
        coverage_mode=CoverageMode.OWN_BRANCH,
        reported_worker_count=30,
    )
    WorkplaceFactory(
        name="丙站",
        region=town_c,
        organization=committee_c,
        coverage_mode=CoverageMode.INSTRUCTOR,
        reported_worker_count=12,
    )
    other_county = RegionFactory(name="邻县", level="county", parent=None)
    other_town = RegionFactory(name="邻县城关镇", parent=other_county)
    return network | {"town_c": town_c, "other_county": other_county, "other_town": other_town}


def _names(response):
    return [r.label for r in response.context["report"]["per_region"]]


def test_visible_regions_of_an_industry_line(world):
    names = set(visible_regions(world["industry_admin"]).values_list("name", flat=True))
    assert names == {"测试县", "甲镇", "乙镇"}


def test_industry_line_in_scope_region_resolves(client, world):
    client.force_login(world["industry_admin"])
    top = client.get(COVERAGE)
    assert top.status_code == 200 and top.context["region"] == world["county"]
    assert _names(top) == ["甲镇", "乙镇"]  # 丙镇 holds nothing of this line: not named
    assert "丙镇" not in top.content.decode()
    assert top.context["overall"].workplaces == 1
    town = client.get(COVERAGE, {"region": world["town_a"].pk})
    assert town.status_code == 200 and town.context["region"] == world["town_a"]
    assert [c["name"] for c in town.context["crumbs"]] == ["测试县", "甲镇"]


@pytest.mark.parametrize("key", ["town_c", "other_county", "other_town"])
def test_industry_line_out_of_scope_region_is_404(client, world, key):
    client.force_login(world["industry_admin"])
    region = world[key]
    response = client.get(COVERAGE, {"region": region.pk})
    assert response.status_code == 404 and region.name not in response.content.decode()
    assert client.get(POINTS, {"region": region.pk}).status_code == 404
    page = client.get(WORKPLACES, {"region": region.pk})
    assert page.status_code == 404 and region.name not in page.content.decode()


def test_township_admin_in_scope_and_out_of_scope(client, world):
    client.force_login(world["town_a_admin"])
    own = client.get(COVERAGE, {"region": world["town_a"].pk})
    assert own.status_code == 200 and own.context["overall"].workplaces == 1
    assert client.get(COVERAGE).context["region"] == world["town_a"]
    for key in ("county", "town_b", "town_c", "other_county", "other_town"):
        region = world[key]
        response = client.get(COVERAGE, {"region": region.pk})
        assert response.status_code == 404, key
        assert region.name not in response.content.decode()
        assert client.get(POINTS, {"region": region.pk}).status_code == 404
        assert client.get(WORKPLACES, {"region": region.pk}).status_code == 404
    assert client.get(WORKPLACES, {"region": world["town_a"].pk}).status_code == 200


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "３", "99999999999999999999"])
def test_bad_region_values_are_404_for_both_scopes(client, world, value):
    for user in ("industry_admin", "town_a_admin"):
        client.force_login(world[user])
        assert client.get(COVERAGE, {"region": value}).status_code == 404


def test_county_admin_still_sees_every_township(client, world):
    client.force_login(world["county_admin"])
    top = client.get(COVERAGE)
    assert _names(top) == ["甲镇", "乙镇", "丙镇"]
    assert client.get(COVERAGE, {"region": world["town_c"].pk}).status_code == 200
    assert client.get(COVERAGE, {"region": world["other_county"].pk}).status_code == 404
    assert not AuditEvent.objects.exists()  # reading writes nothing


@pytest.mark.parametrize("key", ["town_c", "other_county", "other_town"])
def test_api_coverage_out_of_scope_region_is_404_for_the_industry_line(client, world, key):
    client.force_login(world["industry_admin"])
    region = world[key]
    response = client.get("/api/v1/network/coverage", {"region_id": region.pk})
    assert response.status_code == 404 and region.name not in response.content.decode()


def test_api_coverage_names_only_regions_in_view(client, world):
    client.force_login(world["industry_admin"])
    body = client.get("/api/v1/network/coverage").json()
    assert body["region_name"] == "测试县"
    assert [r["label"] for r in body["per_region"]] == ["甲镇", "乙镇"]
    assert "丙镇" not in str(body)


def test_findings_region_filter_offers_the_industry_lines_regions(client, world):
    client.force_login(world["industry_admin"])
    url = reverse("organizations:findings")
    page = client.get(url)
    assert page.status_code == 200
    offered = {r.name for r in page.context["regions"]}
    assert {"甲镇", "乙镇"} <= offered and "丙镇" not in offered and "邻县" not in offered
    assert client.get(url, {"region": world["town_a"].pk}).status_code == 200
    assert client.get(url, {"region": world["town_c"].pk}).status_code == 404
