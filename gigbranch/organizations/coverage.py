"""The coverage page's reads: per-region coverage rows, uncovered workplaces, map points
and region areas (split from organizations/queries.py; the figures stay there)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import (
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, Substr

from . import boundaries
from .models import (
    PATH_STEP,
    CoverageMode,
    Region,
    Workplace,
    WorkplaceKind,
)
from .queries import ORG_COVERED, WORK_COVERED, visible_regions

# Member statuses in standing (the people domain's, members.headcounts; a test checks the
# two agree). Pages and ledgers count 正式党员 as the headline figure does
# (members.queries.FULL_MEMBER_Q), through headcounts.people().


@dataclass
class CoverageRow:
    key: str
    label: str
    workplaces: int = 0
    workers: int = 0
    org_covered: int = 0
    org_covered_workers: int = 0
    work_covered: int = 0
    work_covered_workers: int = 0
    by_mode: dict[str, int] = field(default_factory=dict)
    region_id: int | None = None
    drill: bool = False

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def org_rate(self) -> float | None:
        return self._rate(self.org_covered, self.workplaces)

    @property
    def work_rate(self) -> float | None:
        return self._rate(self.work_covered, self.workplaces)

    @property
    def org_rate_weighted(self) -> float | None:
        return self._rate(self.org_covered_workers, self.workers)

    @property
    def work_rate_weighted(self) -> float | None:
        return self._rate(self.work_covered_workers, self.workers)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "workplaces": self.workplaces,
            "workers": self.workers,
            "org_rate": self.org_rate,
            "work_rate": self.work_rate,
            "org_rate_weighted": self.org_rate_weighted,
            "work_rate_weighted": self.work_rate_weighted,
        }


UNCOVERED_TOP = 20  # the coverage page lists the largest uncovered workplaces; the rest via a link


def _in_region(user: Any, region: Region) -> QuerySet[Workplace]:
    return Workplace.objects.visible_to(user).filter(region__path__startswith=region.path)


def _fold(row: CoverageRow, mode: str, n: int, w: int) -> None:
    row.workplaces += n
    row.workers += w
    row.by_mode[mode] = row.by_mode.get(mode, 0) + n
    if mode in ORG_COVERED:
        row.org_covered += n
        row.org_covered_workers += w
    if mode in WORK_COVERED:
        row.work_covered += n
        row.work_covered_workers += w


def coverage_report(user: Any, region: Region) -> dict[str, Any]:
    """Coverage inside `region` (already checked visible): overall, per child region
    (drill-down), per workplace kind, and the number of uncovered workplaces.

    One GROUP BY (child-region path prefix, kind, coverage mode) returns at most
    children × kinds × modes small rows; the three breakdowns are folded from it, so the
    workplaces are scanned once. No model instances are built."""
    child_len = len(region.path) + PATH_STEP
    data = (
        _in_region(user, region)
        .order_by()
        .annotate(g=Substr(F("region__path"), 1, child_len))
        .values_list("g", "kind", "coverage_mode")
        .annotate(n=Count("pk"), w=Coalesce(Sum("reported_worker_count"), 0))
    )
    overall = CoverageRow(key="all", label="合计")
    by_prefix: dict[str, CoverageRow] = {}
    by_kind: dict[str, CoverageRow] = {}
    for prefix, kind, mode, n, w in data:
        _fold(overall, mode, n, w)
        _fold(by_prefix.setdefault(prefix, CoverageRow(key=prefix, label=prefix)), mode, n, w)
        _fold(by_kind.setdefault(kind, CoverageRow(key=kind, label=kind)), mode, n, w)
    per_region: list[CoverageRow] = []
    children = (
        Region.objects.filter(parent=region).order_by("code").values_list("pk", "name", "path")
    )
    for pk, name, path in children:
        row = by_prefix.pop(path, None) or CoverageRow(key=path, label=name)
        row.label, row.region_id, row.drill = name, pk, True
        per_region.append(row)
    own = by_prefix.pop(region.path, None)
    if own is not None:
        own.label, own.region_id = f"{region.name}（本级）", region.pk
        per_region.insert(0, own)
    per_kind = []
    for value, label in WorkplaceKind.choices:
        kind_row = by_kind.get(value)
        if kind_row is not None:
            kind_row.label = label
            per_kind.append(kind_row)
    return {
        "overall": overall,
        "per_region": per_region,
        "per_kind": per_kind,
        "uncovered_count": overall.by_mode.get(CoverageMode.NONE, 0),
    }


def uncovered(user: Any, region: Region) -> QuerySet[Workplace]:
    """Uncovered workplaces in the region, largest first (model instances, for lists)."""
    return (
        Workplace.objects.visible_to(user)
        .filter(region__path__startswith=region.path, coverage_mode=CoverageMode.NONE)
        .select_related("region")
        .order_by("-reported_worker_count", "name", "pk")
    )


def uncovered_top(user: Any, region: Region, limit: int = UNCOVERED_TOP) -> list[dict[str, Any]]:
    """The `limit` largest uncovered workplaces as plain rows for the coverage page."""
    labels = dict(WorkplaceKind.choices)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in _in_region(user, region)
        .filter(coverage_mode=CoverageMode.NONE)
        .order_by("-reported_worker_count", "name", "pk")
        .values("pk", "name", "kind", "reported_worker_count", region_name=F("region__name"))[
            :limit
        ]
    ]
    for r in rows:
        r["kind_label"] = labels.get(r["kind"], r["kind"])
    return rows


def map_points(user: Any, region: Region) -> list[tuple[float, float, str, str]]:
    """(lat, lng, mode, name) for every located workplace in the region (compact for JSON).

    The scoped queryset is compiled by the ORM and its rows fetched straight from the
    cursor: at city scale that is thousands of rows, and Django's per-row converters would
    cost more than the query. Coordinates are cast to float in SQL (stored with 6 decimals)."""
    qs = (
        _in_region(user, region)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by()
        .annotate(lat=Cast("latitude", FloatField()), lng=Cast("longitude", FloatField()))
        .values_list("lat", "lng", "coverage_mode", "name")
    )
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]


def region_areas(user: Any, region: Region) -> dict[str, Any]:
    """The map's base layer: the region's boundary and those of its child regions in the
    user's view, as a GeoJSON FeatureCollection (regions without a boundary are left out)."""
    rows = (
        visible_regions(user)
        .filter(Q(pk=region.pk) | Q(parent=region), boundary__isnull=False)
        .order_by("path")
        .values_list("pk", "name", "boundary")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            boundaries.feature(pk, name, geometry, current=pk == region.pk)
            for pk, name, geometry in rows
        ],
    }


def public_areas(region_ids: Iterable[int]) -> dict[str, Any]:
    """The boundaries of the given regions for the workers' station map. Region shapes are
    public geography (the stations shown are public too), so no user scope applies."""
    rows = (
        Region.objects.filter(pk__in=set(region_ids), boundary__isnull=False)
        .order_by("path")
        .values_list("pk", "name", "boundary")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            boundaries.feature(pk, name, geometry, current=False) for pk, name, geometry in rows
        ],
    }


def coverage_rows_in_view(report: dict[str, Any], user: Any, region: Region) -> None:
    """Drop the per-region rows of child regions outside the user's view: they are
    neither named nor linked (the totals are scoped already)."""
    shown = set(visible_regions(user).filter(parent=region).values_list("pk", flat=True))
    shown.add(region.pk)
    report["per_region"] = [r for r in report["per_region"] if r.region_id in shown]
