"""Network pages: coverage by region and kind, with its map."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import is_pk
from gigbranch.organizations import coverage as org_coverage

from .. import queries
from ..models import (
    PATH_STEP,
    CoverageMode,
    Organization,
    Region,
)

# --- Coverage ---------------------------------------------------------------------------


def _coverage_region(request: HttpRequest, visible: QuerySet[Region]) -> Region:
    """`?region=<id>` among the user's visible regions (any other id: 404, as everywhere
    in the app); without it the user's own region, or the top of the visible ones."""
    region_id = request.GET.get("region", "")
    if region_id:
        if not is_pk(region_id):
            raise Http404
        return get_object_or_404(visible, pk=int(region_id))
    # A region scope starts at its region; an organisation scope (a branch, an industry
    # line) where the organisation sits: a branch secretary sees their township, not the
    # whole county.
    home = Region.objects.home_of(request.user)
    if home is not None:
        home = visible.filter(pk=home.pk).first()
        if home is not None:
            return home
    top = visible.order_by("path").first()
    if top is None:
        raise Http404
    return top


@require_capability("org.view")
def coverage_points(request: HttpRequest) -> JsonResponse:
    """The map's points, loaded by the page's script (the page itself stays light)."""
    region = _coverage_region(request, queries.visible_regions(request.user))
    return JsonResponse(
        {
            "points": org_coverage.map_points(request.user, region),
            "areas": org_coverage.region_areas(request.user, region),
        },
        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
    )


def _crumbs(request: HttpRequest, region: Region) -> list[dict[str, Any]]:
    """The region and its ancestors the user may look at, top first: one query over the
    path prefixes (no walk up the parents)."""
    prefixes = [region.path[:end] for end in range(PATH_STEP, len(region.path) + 1, PATH_STEP)]
    return [
        dict(row)
        for row in queries.visible_regions(request.user)
        .filter(path__in=prefixes)
        .order_by("path")
        .values("pk", "name")
    ]


@require_capability("org.view")
def coverage(request: HttpRequest) -> HttpResponse:
    visible = queries.visible_regions(request.user)
    region = _coverage_region(request, visible)
    report = org_coverage.coverage_report(request.user, region)
    org_coverage.coverage_rows_in_view(report, request.user, region)
    chart = {
        "regions": [r.as_dict() for r in report["per_region"]],
        "kinds": [r.as_dict() for r in report["per_kind"]],
    }
    mapdata = {
        "points_url": reverse("organizations:coverage_points") + f"?region={region.pk}",
        "center": [float(region.latitude), float(region.longitude)]
        if region.latitude is not None and region.longitude is not None
        else None,
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "labels": dict(CoverageMode.choices),
        "home": _home_marker(request.user.scope_organization),
    }
    return render(
        request,
        "organizations/coverage.html",
        {
            "region": region,
            "report": report,
            "overall": report["overall"],
            "chart": chart,
            "mapdata": mapdata,
            "uncovered": org_coverage.uncovered_top(request.user, region),
            "uncovered_count": report["uncovered_count"],
            "uncovered_top": org_coverage.UNCOVERED_TOP,
            "crumbs": _crumbs(request, region),
            "scope_org": request.user.scope_organization,
        },
    )


def _home_marker(org: Organization | None) -> list[Any] | None:
    """An organisation scope's own seat on the map: [lat, lng, name]."""
    if org is None or org.latitude is None or org.longitude is None:
        return None
    return [float(org.latitude), float(org.longitude), org.name]
