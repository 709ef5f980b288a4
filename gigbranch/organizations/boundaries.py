"""Region boundaries (GeoJSON): checking geometries, matching a file's features to regions,
and the plain shapes the maps draw as their base layer (readable with no tile server).

Pure functions: no database access; the import service and the views call them.
A boundary is stored as a GeoJSON geometry (Polygon or MultiPolygon), WGS-84 [lng, lat].
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
CODE_KEYS = ("code", "adcode", "区划代码", "行政区划代码")
NAME_KEYS = ("name", "名称")
DECIMALS = 6


class BoundaryError(ValueError):
    """A geometry that cannot be a region boundary; the message is shown to the user."""


def _position(value: Any) -> list[float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
    ):
        raise BoundaryError("坐标应为 [经度, 纬度] 两个数。")
    lng, lat = float(value[0]), float(value[1])
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise BoundaryError(f"坐标 [{lng}, {lat}] 超出经纬度范围（经度在前，纬度在后）。")
    return [round(lng, DECIMALS), round(lat, DECIMALS)]


def _ring(value: Any) -> list[list[float]]:
    if not isinstance(value, list | tuple):
        raise BoundaryError("多边形的每条边界线应为坐标列表。")
    ring = [_position(p) for p in value]
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise BoundaryError("多边形的边界线至少要有 4 个坐标，且首尾坐标相同（闭合）。")
    return ring


def _polygon(value: Any) -> list[list[list[float]]]:
    if not isinstance(value, list | tuple) or not value:
        raise BoundaryError("多边形缺少坐标。")
    return [_ring(r) for r in value]


def clean_geometry(geometry: Any) -> dict[str, Any]:
    """The geometry as a stored boundary (coordinates rounded to 6 decimals, about 0.1 m),
    or BoundaryError. Only areas can bound a region: Polygon or MultiPolygon."""
    if not isinstance(geometry, dict):
        raise BoundaryError("缺少几何图形（geometry）。")
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise BoundaryError(f"几何类型“{kind}”不能作为区域边界，应为 Polygon 或 MultiPolygon。")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": _polygon(coords)}
    if not isinstance(coords, list | tuple) or not coords:
        raise BoundaryError("多边形缺少坐标。")
    return {"type": "MultiPolygon", "coordinates": [_polygon(p) for p in coords]}


def _prop(props: dict[str, Any], keys: Sequence[str]) -> str:
    for key in keys:
        value = props.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


@dataclass(frozen=True)
class RegionKey:
    pk: int
    code: str
    name: str


@dataclass
class Matching:
    """Features matched to regions (region pk → cleaned geometry) and, in Chinese, the
    features that were not matched and why."""

    matched: dict[int, dict[str, Any]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)


def features_of(data: Any) -> list[Any]:
    """The features of a GeoJSON FeatureCollection (or a single Feature)."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if isinstance(features, list):
            return features
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    raise BoundaryError("文件不是 GeoJSON 要素集合（FeatureCollection）。")


def match_features(features: Iterable[Any], regions: Iterable[RegionKey]) -> Matching:
    """Match each feature to a region by its administrative code (code/adcode/区划代码),
    else by its name when exactly one region has that name."""
    regions = list(regions)
    by_code = {r.code: r for r in regions}
    by_name: dict[str, list[RegionKey]] = {}
    for r in regions:
        by_name.setdefault(r.name, []).append(r)
    out = Matching()
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        code, name = _prop(props, CODE_KEYS), _prop(props, NAME_KEYS)
        parts = [f"名称：{name}"] * bool(name) + [f"代码：{code}"] * bool(code)
        label = f"第 {number} 个要素" + (f"（{'，'.join(parts)}）" if parts else "")
        region = by_code.get(code) if code else None
        if region is None and name:
            named = by_name.get(name, [])
            if len(named) > 1:
                out.unmatched.append(
                    f"{label}：有 {len(named)} 个区域叫“{name}”，请在要素中填写区划代码。"
                )
                continue
            region = named[0] if named else None
        if region is None:
            out.unmatched.append(f"{label}：找不到对应的行政区域。")
            continue
        try:
            geometry = clean_geometry(feature.get("geometry"))
        except BoundaryError as exc:
            out.unmatched.append(f"{label}：{exc}")
            continue
        if region.pk in out.matched:
            out.unmatched.append(f"{label}：与前面的要素对应同一区域“{region.name}”，已忽略。")
            continue
        out.matched[region.pk] = geometry
    return out


def feature(pk: int, name: str, geometry: Any, *, current: bool) -> dict[str, Any]:
    """One region as a GeoJSON Feature for the maps' base layer."""
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"id": pk, "name": name, "current": current},
    }


Point = tuple[float, float]  # (lng, lat)


def _clip(ring: list[Point], site: Point, other: Point, scale: float) -> list[Point]:
    """The part of `ring` nearer to `site` than to `other` (one Sutherland–Hodgman step
    against their perpendicular bisector); longitudes are scaled by cos(latitude)."""

    def side(p: Point) -> float:
        dx, dy = (other[0] - site[0]) * scale, other[1] - site[1]
        mx, my = (site[0] + other[0]) / 2, (site[1] + other[1]) / 2
        return (p[0] - mx) * scale * dx + (p[1] - my) * dy

    out: list[Point] = []
    for i, current in enumerate(ring):
        previous = ring[i - 1]
        s_cur, s_prev = side(current), side(previous)
        if (s_cur <= 0) != (s_prev <= 0):
            t = s_prev / (s_prev - s_cur)
            out.append(
                (
                    previous[0] + t * (current[0] - previous[0]),
                    previous[1] + t * (current[1] - previous[1]),
                )
            )
        if s_cur <= 0:
            out.append(current)
    return out


def partition(outline: list[Point], sites: list[Point]) -> list[dict[str, Any] | None]:
    """Split an outline (a ring, not closed) into one Polygon per site: the points of the
    outline nearer to that site than to any other (Voronoi cells). Neighbouring cells share
    their edges exactly, so the pieces tile the outline. Used for the demo county."""
    scale = math.cos(math.radians(sum(lat for _lng, lat in sites) / max(1, len(sites))))
    cells: list[dict[str, Any] | None] = []
    for i, site in enumerate(sites):
        ring = list(outline)
        for j, other in enumerate(sites):
            if i != j and other != site and ring:
                ring = _clip(ring, site, other, scale)
        cells.append(polygon(ring) if len(ring) >= 3 else None)
    return cells


def polygon(ring: list[Point]) -> dict[str, Any]:
    """A GeoJSON Polygon from an open ring of (lng, lat), rounded and closed."""
    coords = [[round(lng, DECIMALS), round(lat, DECIMALS)] for lng, lat in ring]
    return {"type": "Polygon", "coordinates": [[*coords, coords[0]]]}
