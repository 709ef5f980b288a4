"""Coverage page: `?region=` resolves only among the user's visible regions; any other id is
a 404 (as for every out-of-scope id in the app) and no out-of-scope region is named."""

from decimal import Decimal

import pytest
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.organizations.models import CoverageMode, Organization, OrgKind, Workplace
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


# --- What the page covers, for a narrow scope -------------------------------------------


def _h1_and_caption(response):
    html = response.content.decode()
    h1 = html.split("<h1", 1)[1].split(">", 1)[1].split("</h1>", 1)[0]
    caption = html.split('id="coverage-scope">', 1)[1].split("</p>", 1)[0]
    return " ".join(h1.split()), " ".join(caption.split())


def test_branch_secretary_starts_in_the_branch_township_with_its_name(client, world):
    Organization.objects.filter(pk=world["branch_a"].pk).update(
        latitude=Decimal("29.812345"), longitude=Decimal("120.354321")
    )
    Workplace.objects.update(latitude=Decimal("29.8"), longitude=Decimal("120.3"))
    client.force_login(world["secretary_a"])
    response = client.get(COVERAGE)
    assert response.context["region"] == world["town_a"]
    h1, caption = _h1_and_caption(response)
    assert "甲镇快递网点党支部 · 甲镇 组织覆盖和工作覆盖" in h1
    assert "测试县" not in h1
    assert caption.startswith(
        "统计范围：仅甲镇快递网点党支部及其下级党组织覆盖或联系的 1 家企业/站点（属地在甲镇），"
        "不是甲镇的全部企业/站点。"
    )
    # The map shows the branch's own workplaces and marks the branch itself.
    mapdata = response.context["mapdata"]
    assert mapdata["home"] == [29.812345, 120.354321, "甲镇快递网点党支部"]
    points = client.get(POINTS).json()["points"]
    assert [p[3] for p in points] == ["甲网点"]


def test_industry_line_caption_names_its_denominator(client, world):
    client.force_login(world["industry_admin"])
    h1, caption = _h1_and_caption(client.get(COVERAGE))
    assert h1.startswith("行业党委 · 测试县 组织覆盖和工作覆盖")
    assert "仅行业党委及其下级党组织覆盖或联系的 1 家企业/站点" in caption
    assert "尚未覆盖的企业/站点不归属任何党组织，不在本范围内" in caption


def test_region_scope_caption_counts_every_workplace_of_the_region(client, world):
    client.force_login(world["county_admin"])
    h1, caption = _h1_and_caption(client.get(COVERAGE))
    assert h1.startswith("测试县 组织覆盖和工作覆盖")
    assert caption == "统计范围：测试县辖区内登记的全部 2 家企业/站点（从业人数 42 人）。"
