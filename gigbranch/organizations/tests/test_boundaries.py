"""Region boundaries: checking geometries, matching GeoJSON features to regions, the
`import_boundaries` command, the demo county's township cells, and the map's base layer."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.organizations import boundaries
from gigbranch.organizations.boundaries import BoundaryError, RegionKey
from gigbranch.organizations.demo import _demo_boundaries
from gigbranch.organizations.models import Region
from tests.factories import RegionFactory

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[120.0, 29.0], [120.1, 29.0], [120.1, 29.1], [120.0, 29.1], [120.0, 29.0]]],
}


def _feature(geometry=SQUARE, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _area(ring):
    """Shoelace area of a closed ring (degrees², enough to compare pieces of one outline)."""
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(ring)) / 2)


def _inside(point, ring):
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in pairwise(ring):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


# --- Pure functions -----------------------------------------------------------------------


def test_clean_geometry_rounds_and_keeps_polygons():
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[120.12345678, 29.0], [120.1, 29.0], [120.1, 29.1], [120.12345678, 29.0]]]
        ],
    }
    cleaned = boundaries.clean_geometry(geometry)
    assert cleaned["type"] == "MultiPolygon"
    assert cleaned["coordinates"][0][0][0] == [120.123457, 29.0]


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (None, "缺少几何图形"),
        ({"type": "Point", "coordinates": [120, 29]}, "不能作为区域边界"),
        ({"type": "Polygon", "coordinates": [[[120, 29], [121, 29], [120, 30]]]}, "闭合"),
        (
            {"type": "Polygon", "coordinates": [[[29, 200], [1, 1], [2, 2], [29, 200]]]},
            "超出经纬度范围",
        ),
        (
            {"type": "Polygon", "coordinates": [[["a", 1], [1, 1], [2, 2], ["a", 1]]]},
            "[经度, 纬度]",
        ),
        ({"type": "Polygon", "coordinates": []}, "缺少坐标"),
    ],
)
def test_clean_geometry_rejects_what_cannot_bound_a_region(geometry, message):
    with pytest.raises(BoundaryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        boundaries.clean_geometry(geometry)


def test_match_by_code_then_by_unique_name_and_report_the_rest():
    regions = [
        RegionKey(1, "339021001", "城关街道"),
        RegionKey(2, "339021002", "青石镇"),
        RegionKey(3, "339022002", "青石镇"),  # same name in another county
        RegionKey(4, "339021003", "白沙镇"),
    ]
    features = [
        _feature(adcode=339021001, name="城关"),  # code wins over a different name
        _feature(name="白沙镇"),
        _feature(name="青石镇"),  # ambiguous without a code
        _feature(code="999", name="不存在镇"),
        _feature({"type": "Point", "coordinates": [120, 29]}, 区划代码="339021002"),
        _feature(name="城关街道"),  # same region twice
        "not a feature",
    ]
    matching = boundaries.match_features(features, regions)
    assert set(matching.matched) == {1, 4}
    assert matching.unmatched == [
        "第 3 个要素（名称：青石镇）：有 2 个区域叫“青石镇”，请在要素中填写区划代码。",
        "第 4 个要素（名称：不存在镇，代码：999）：找不到对应的行政区域。",
        "第 5 个要素（代码：339021002）：几何类型“Point”不能作为区域边界，应为 Polygon 或 MultiPolygon。",
        "第 6 个要素（名称：城关街道）：与前面的要素对应同一区域“城关街道”，已忽略。",
        "第 7 个要素：找不到对应的行政区域。",
    ]


def test_partition_tiles_the_outline_with_one_cell_per_site():
    outline = [(120.0, 29.0), (120.4, 29.0), (120.5, 29.3), (120.2, 29.45), (119.95, 29.3)]
    sites = [(120.1, 29.1), (120.3, 29.1), (120.2, 29.3), (120.05, 29.25)]
    cells = boundaries.partition(outline, sites)
    rings = [cell["coordinates"][0] for cell in cells]
    for site, ring in zip(sites, rings, strict=True):
        assert ring[0] == ring[-1]
        assert _inside(site, ring)
        for other in sites:
            if other != site:
                assert not _inside(other, ring)
    whole = _area([*outline, outline[0]])
    assert sum(_area(r) for r in rings) == pytest.approx(whole, rel=1e-4)


# --- Import command -------------------------------------------------------------------------


def _write(tmp_path, data, name="towns.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_import_boundaries_command(tmp_path):
    town = RegionFactory(name="城关街道", code="339021001")
    other = RegionFactory(name="青石镇", code="339021002")
    path = _write(
        tmp_path,
        {
            "type": "FeatureCollection",
            "features": [_feature(adcode="339021001"), _feature(name="望海镇")],
        },
    )
    out = io.StringIO()
    call_command("import_boundaries", path, stdout=out)
    assert out.getvalue().splitlines() == [
        "已导入 1 个区域的边界。",
        "未匹配 1 个要素：",
        "  第 2 个要素（名称：望海镇）：找不到对应的行政区域。",
    ]
    town.refresh_from_db()
    other.refresh_from_db()
    assert town.boundary == SQUARE and other.boundary is None
    event = AuditEvent.objects.get(action="region.boundaries_imported")
    assert event.changes == {"regions": ["339021001"], "unmatched": 1, "system_reason": "运维命令"}
    assert (event.actor_id, event.actor_username, event.actor_role) == (None, "系统", "system")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "找不到文件"),
        ("{not json", "不是有效的 JSON"),
        ('{"type": "Point", "coordinates": [1, 2]}', "不是 GeoJSON 要素集合"),
    ],
)
def test_import_boundaries_bad_files_say_why_in_chinese(tmp_path, content, message):
    town = RegionFactory(name="城关街道", code="339021001")
    path = tmp_path / "bad.geojson"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_boundaries", str(path), stdout=io.StringIO())
    town.refresh_from_db()
    assert town.boundary is None and not AuditEvent.objects.exists()


# --- Demo county -------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_townships_get_cells_around_their_seats():
    county = RegionFactory(
        name="云溪县",
        code="339021",
        level="county",
        latitude=Decimal("29.87"),
        longitude=Decimal("120.35"),
    )
    seats = [(29.80, 120.30), (29.95, 120.42), (29.88, 120.25), (29.76, 120.45), (29.99, 120.31)]
    towns = [
        RegionFactory(parent=county, latitude=Decimal(str(lat)), longitude=Decimal(str(lng)))
        for lat, lng in seats
    ]
    _demo_boundaries(county, towns)
    county.refresh_from_db()
    outline = county.boundary["coordinates"][0]
    total = 0.0
    for town, (lat, lng) in zip(towns, seats, strict=True):
        town.refresh_from_db()
        ring = town.boundary["coordinates"][0]
        assert _inside((lng, lat), ring), town.name
        assert _inside((lng, lat), outline)
        total += _area(ring)
    assert total == pytest.approx(_area(outline), rel=1e-4)


# --- Map base layer -----------------------------------------------------------------------


@pytest.mark.django_db
def test_map_areas_are_the_region_and_its_children_in_view(client, network):
    for region in (network["county"], network["town_a"], network["town_b"]):
        Region.objects.filter(pk=region.pk).update(boundary=SQUARE)
    points = reverse("organizations:coverage_points")

    client.force_login(network["county_admin"])
    body = client.get(points).json()
    areas = [
        (f["properties"]["name"], f["properties"]["current"]) for f in body["areas"]["features"]
    ]
    assert areas == [("测试县", True), ("甲镇", False), ("乙镇", False)]
    assert body["areas"]["features"][0]["geometry"] == SQUARE

    client.force_login(network["town_a_admin"])
    body = client.get(points).json()
    assert [f["properties"]["name"] for f in body["areas"]["features"]] == ["甲镇"]

    # A branch secretary starts in the branch's township; no other township is sent.
    client.force_login(network["secretary_a"])
    body = client.get(points).json()
    assert [f["properties"]["name"] for f in body["areas"]["features"]] == ["甲镇"]
