"""What the planning page and the planner read (PLAN-1): demand from records, existing sites.

Demand comes from records, never from tracking people (PLAN-1): each located workplace in
the region, weighted by the active workers on its roster (the reported head-count when it
has no roster yet); optionally station check-ins and appeal locations as separate layers.
Every read goes through `visible_to(user)`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

import h3
from django.db import connections
from django.db.models import Count, F, FloatField, Q
from django.db.models.functions import Cast
from django.utils import timezone

from gigbranch.appeals.models import Appeal
from gigbranch.members.models import Worker, WorkerStatus
from gigbranch.organizations.models import CoverageMode, Region, Workplace
from gigbranch.stations.models import CheckIn, Station

from .models import SiteKind

BRANCH_MODES = (CoverageMode.OWN_BRANCH, CoverageMode.JOINT_BRANCH)
CHECKIN_DAYS = 365
# Map zoom → H3 resolution: about one to a few cells per PLAN-1 radius on screen.
MIN_RES, MAX_RES = 5, 9


def planning_regions(user: Any) -> Any:
    """The regions a user may plan for: their region scope's subtree (PLAN-1 planning is a
    county's or a township's decision; an organisation scope has none)."""
    from gigbranch.accounts.roles import has_capability

    if not has_capability(user, "planning.view") or not user.scope_region_id:
        return Region.objects.none()
    return Region.objects.visible_to(user).filter(path__startswith=user.scope_region.path)


class DemandPoint(NamedTuple):  # a tuple: thousands are built per request
    workplace_id: int
    name: str
    lat: float
    lng: float
    workers: int
    mode: str


def _workplaces(user: Any, region: Region) -> Any:
    return Workplace.objects.visible_to(user).filter(
        region__path__startswith=region.path, latitude__isnull=False, longitude__isnull=False
    )


def _rows(qs: Any) -> list[tuple[Any, ...]]:
    """The rows of a scoped queryset straight from the cursor: at city scale that is
    thousands of rows and Django's per-row converters would cost more than the query
    (as organizations.coverage.map_points)."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def demand(user: Any, region: Region) -> list[DemandPoint]:
    """Located workplaces in the region with their workers (roster, else reported)."""
    roster_qs = (
        Worker.objects.visible_to(user)
        .filter(
            status=WorkerStatus.ACTIVE,
            workplace__region__path__startswith=region.path,
            workplace__isnull=False,
        )
        .order_by()
        .values("workplace_id")
        .annotate(n=Count("id"))
        .values_list("workplace_id", "n")
    )
    roster = dict(_rows(roster_qs))
    rows = _rows(
        _workplaces(user, region)
        .order_by("pk")
        .annotate(lat=Cast("latitude", FloatField()), lng=Cast("longitude", FloatField()))
        .values_list("pk", "name", "lat", "lng", "reported_worker_count", "coverage_mode")
    )
    return [
        DemandPoint(pk, name, lat, lng, roster.get(pk) or reported or 0, mode)
        for pk, name, lat, lng, reported, mode in rows
    ]


class Site(NamedTuple):
    key: str
    name: str
    lat: float
    lng: float
    source: str  # workplace, station, point, upload


def existing_sites(
    user: Any, region: Region, kind: str, points: list[DemandPoint] | None = None
) -> list[Site]:
    """Where the kind of site already serves: branches at the workplaces they cover (own
    or joint branch), or the active stations. `points`: `demand(user, region)` if read."""
    if kind == SiteKind.BRANCH:
        return [
            Site(f"w{p.workplace_id}", p.name, p.lat, p.lng, "workplace")
            for p in (demand(user, region) if points is None else points)
            if p.mode in BRANCH_MODES
        ]
    rows = _rows(
        Station.objects.visible_to(user)
        .active()
        .filter(region__path__startswith=region.path)
        .order_by("pk")
        .values_list("pk", "name", "latitude", "longitude")
    )
    return [Site(f"s{pk}", name, lat, lng, "station") for pk, name, lat, lng in rows]


def workplace_candidates(
    user: Any, region: Region, kind: str, points: list[DemandPoint] | None = None
) -> list[Site]:
    """The default candidates: workplaces that could host the new site. A new branch goes
    to a workplace without one; a station may go next to any workplace."""
    if points is None:
        points = demand(user, region)
    if kind == SiteKind.BRANCH:
        points = [p for p in points if p.mode not in BRANCH_MODES]
    return [Site(f"w{p.workplace_id}", p.name, p.lat, p.lng, "workplace") for p in points]


def resolution_for_zoom(zoom: int) -> int:
    return max(MIN_RES, min(MAX_RES, zoom - 4))


def hex_layer(points: list[DemandPoint], res: int) -> dict[str, Any]:
    """Demand per H3 cell as a GeoJSON FeatureCollection ([lng, lat] rings)."""
    cells: dict[str, list[int]] = {}
    for p in points:
        if p.workers <= 0:
            continue
        cell = h3.latlng_to_cell(p.lat, p.lng, res)
        acc = cells.setdefault(cell, [0, 0])
        acc[0] += p.workers
        acc[1] += 1
    features = []
    for cell, (workers, workplaces) in sorted(cells.items()):
        ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"cell": cell, "workers": workers, "workplaces": workplaces},
            }
        )
    return {"type": "FeatureCollection", "features": features, "resolution": res}


def checkin_layer(user: Any, region: Region) -> list[list[Any]]:
    """[lat, lng, check-ins in the last year, station name] per station in the region."""
    since = timezone.now() - timedelta(days=CHECKIN_DAYS)
    stations = Station.objects.visible_to(user).filter(region__path__startswith=region.path)
    rows = (
        CheckIn.objects.filter(station__in=stations, created_at__gte=since)
        .order_by()
        .values("station_id")
        .annotate(n=Count("id"), lat=F("station__latitude"), lng=F("station__longitude"))
        .values_list("lat", "lng", "n", "station__name")
    )
    return [[lat, lng, n, name] for lat, lng, n, name in rows]


def appeal_layer(user: Any, region: Region) -> list[list[float]]:
    """[lat, lng] of the located appeals in the region the user may see (no content)."""
    rows = (
        Appeal.objects.visible_to(user)
        .filter(
            Q(region__path__startswith=region.path),
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .order_by()
        .annotate(lat=Cast("latitude", FloatField()), lng=Cast("longitude", FloatField()))
        .values_list("lat", "lng")[:5000]
    )
    return [[round(lat, 5), round(lng, 5)] for lat, lng in rows]
