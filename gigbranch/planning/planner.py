"""A proposal for k new sites in a region (PLAN-1): validation, data, both solvers.

`propose` is a read: it checks the region against the user's scope (PermissionDenied
otherwise), reads demand and existing sites through `visible_to`, runs the lazy greedy and,
for instances small enough, the exact integer programme, and returns plain data for the
page, the API and `services.save_proposal`. Bad input is a ValidationError with Chinese
messages by field, never a 500.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from gigbranch.organizations.models import Region

from . import maxcover as mc
from . import queries
from .models import SiteKind
from .queries import Site

MAX_K = 200
MAX_CANDIDATES = 5000
# The exact solver runs when there are at most this many candidates (HiGHS proves the
# city-scale instance of bench/planning.py optimal in about a second or two); larger
# instances show the greedy answer alone. The time limit bounds a request in any case.
EXACT_MAX_CANDIDATES = 1000
EXACT_TIME_LIMIT = 10.0


def default_radius_km(kind: str) -> float:
    """PLAN-1: 1.5 km by default, configurable per kind of site (settings.PLANNING_RADIUS_KM)."""
    configured = getattr(settings, "PLANNING_RADIUS_KM", {}) or {}
    return float(configured.get(kind, mc.DEFAULT_RADIUS_KM))


def region_for(user: Any, region_id: Any) -> Region:
    """The region to plan for, or PermissionDenied (nothing is read or saved)."""
    try:
        pk = int(region_id)
    except (TypeError, ValueError):
        raise ValidationError({"region": ["请选择规划区域。"]}) from None
    region = queries.planning_regions(user).filter(pk=pk).first()
    if region is None:
        raise PermissionDenied("该区域不在您的管理范围内，不能规划。")
    return region


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def clean_candidates(raw: Any) -> list[Site]:
    """Candidates given by the user ([{key?, name?, lat, lng, source?}]), checked."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationError({"candidates": ["候选点应为列表。"]})
    if len(raw) > MAX_CANDIDATES:
        raise ValidationError({"candidates": [f"候选点不能超过 {MAX_CANDIDATES} 个。"]})
    errors: dict[str, list[str]] = {}
    out: list[Site] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"candidates.{i}"
        if not isinstance(item, dict):
            errors[where] = ["候选点格式不正确。"]
            continue
        lat, lng = _number(item.get("lat")), _number(item.get("lng"))
        if lat is None or not -mc.MAX_ABS_LAT < lat < mc.MAX_ABS_LAT:
            errors[f"{where}.lat"] = ["纬度应为 -89 到 89 之间的数字。"]
        if lng is None or not -180 <= lng <= 180:
            errors[f"{where}.lng"] = ["经度应为 -180 到 180 之间的数字。"]
        key = str(item.get("key") or f"c{i + 1}")[:40]
        if key in seen:
            errors[f"{where}.key"] = ["候选点编号重复。"]
        seen.add(key)
        name = str(item.get("name") or f"候选点{i + 1}").strip()[:60]
        source = str(item.get("source") or "point")
        if source not in ("workplace", "point", "upload"):
            source = "point"
        if lat is not None and lng is not None and where not in errors:
            out.append(Site(key, name, round(lat, 6), round(lng, 6), source))
    if errors:
        raise ValidationError(errors)
    return out


def _keys(raw: Any, field: str) -> list[str]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(isinstance(x, str | int) for x in raw):
        raise ValidationError({field: ["应为候选点编号的列表。"]})
    return [str(x) for x in raw]


def _points(sites: Sequence[Site]) -> mc.Points:
    return mc.Points.of([(s.lat, s.lng) for s in sites])


def propose(
    user: Any,
    *,
    region: Region,
    kind: str,
    k: int,
    radius_km: float | None = None,
    candidates: Any = None,
    use_workplaces: bool = True,
    pinned: Any = None,
    excluded: Any = None,
    with_exact: bool = True,
) -> dict[str, Any]:
    if kind not in SiteKind.values:
        raise ValidationError({"kind": ["站点类型不正确。"]})
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValidationError({"k": [f"新增个数应为 1 到 {MAX_K} 之间的整数。"]})
    radius = default_radius_km(kind) if radius_km is None else _number(radius_km)
    if radius is None or not 0.1 <= radius <= 20:
        raise ValidationError({"radius_km": ["服务半径应在 0.1 到 20 公里之间。"]})
    given = clean_candidates(candidates)
    pins, bans = _keys(pinned, "pinned"), _keys(excluded, "excluded")

    points = queries.demand(user, region)
    pool: list[Site] = []
    if use_workplaces or not given:
        pool = queries.workplace_candidates(user, region, kind, points)
    known = {s.key for s in pool}
    pool += [s for s in given if s.key not in known]
    index = {s.key: j for j, s in enumerate(pool)}
    unknown = [key for key in [*pins, *bans] if key not in index]
    if unknown:
        raise ValidationError({"pinned": [f"候选点 {unknown[0]} 不在候选列表中。"]})
    both = set(pins) & set(bans)
    if both:
        raise ValidationError({"pinned": ["同一候选点不能既必选又排除。"]})
    if len(set(pins)) > k:
        raise ValidationError({"pinned": ["必选候选点多于新增个数。"]})

    demand_pts = mc.Points.of(
        [(p.lat, p.lng) for p in points], [float(max(p.workers, 0)) for p in points]
    )
    existing = queries.existing_sites(user, region, kind, points)
    already = (
        mc.served_mask(demand_pts, _points(existing), radius)
        if existing and len(demand_pts)
        else np.zeros(len(demand_pts), dtype=bool)
    )
    covers = (
        mc.cover_lists(demand_pts, _points(pool), radius)
        if pool and len(demand_pts)
        else [np.empty(0, dtype=np.intp) for _ in pool]
    )
    pin_idx = [index[key] for key in dict.fromkeys(pins)]
    ban_idx = [index[key] for key in dict.fromkeys(bans)]
    solution = mc.greedy(
        demand_pts.weight, covers, k, pinned=pin_idx, excluded=ban_idx, already=already
    )
    total = int(demand_pts.weight.sum())
    before = int(demand_pts.weight[already].sum())
    after = before + round(solution.value)
    notes: list[str] = []
    if "k_exceeds_candidates" in solution.notes:
        notes.append(
            f"候选点只有 {len(pool) - len(ban_idx)} 个（少于要求的 {k} 个），已全部列入方案。"
        )
    if not pool:
        notes.append("没有可用的候选点：请在地图上点选或导入候选点。")

    exact: dict[str, Any] | None = None
    live = len(pool) - len(ban_idx)
    if with_exact and pool and live <= EXACT_MAX_CANDIDATES:
        best = mc.exact(
            demand_pts.weight,
            covers,
            k,
            pinned=pin_idx,
            excluded=ban_idx,
            already=already,
            time_limit=EXACT_TIME_LIMIT,
        )
        optimum = before + round(best.value)
        exact = {
            "workers_after": optimum,
            "gap_percent": mc.gap_percent(solution.value, best.value),
            "optimal": best.optimal,
            "seconds": round(best.seconds, 3),
            "keys": [pool[j].key for j in best.chosen],
        }
    elif with_exact and pool:
        notes.append(
            f"候选点超过 {EXACT_MAX_CANDIDATES} 个，未计算精确最优解，仅给出快速（贪心）方案。"
        )

    def rate(part: int) -> float | None:
        return round(100.0 * part / total, 1) if total else None

    chosen = [
        {
            "key": pool[j].key,
            "name": pool[j].name,
            "lat": pool[j].lat,
            "lng": pool[j].lng,
            "source": pool[j].source,
            "workers_new": round(gain),
            "pinned": pool[j].key in pins,
        }
        for j, gain in zip(solution.chosen, solution.gains, strict=True)
    ]
    return {
        "region": {"id": region.pk, "name": region.name},
        "kind": kind,
        "kind_label": SiteKind(kind).label,
        "k": k,
        "radius_km": radius,
        "candidates": [
            {"key": s.key, "name": s.name, "lat": s.lat, "lng": s.lng, "source": s.source}
            for s in given
        ],
        "use_workplaces": bool(use_workplaces or not given),
        "candidate_count": len(pool),
        "pinned": list(dict.fromkeys(pins)),
        "excluded": list(dict.fromkeys(bans)),
        "workers_total": total,
        "workers_before": before,
        "workers_after": after,
        "rate_before": rate(before),
        "rate_after": rate(after),
        "chosen": chosen,
        "existing": [
            {"name": s.name, "lat": s.lat, "lng": s.lng, "source": s.source} for s in existing
        ],
        "greedy_seconds": round(solution.seconds, 4),
        "exact": exact,
        "notes": notes,
        "method": "PLAN-1 最大覆盖选址：贪心（惰性求值）+ 整数规划精确解；距离为球面大圆距离。",
    }
