"""Coverage planning pages (PLAN-1): the map, proposals, saved proposals and their export."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from gigbranch.core.permissions import require_capability
from gigbranch.core.xlsx import xlsx_bytes
from gigbranch.organizations import coverage as org_coverage
from gigbranch.organizations.models import Region

from . import candidates, planner, queries, services
from .models import Proposal, SiteKind

JSON_PARAMS = {"separators": (",", ":"), "ensure_ascii": False}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params=JSON_PARAMS)


def _errors(exc: ValidationError) -> JsonResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _json({"detail": "数据校验失败。", "errors": errors}, status=422)


def _region(request: HttpRequest) -> Region:
    """`?region=<id>` among the regions the user may plan for (else 404); without it, the
    user's own region."""
    regions = queries.planning_regions(request.user)
    raw = request.GET.get("region", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return get_object_or_404(regions, pk=int(raw))
    region = regions.filter(pk=request.user.scope_region_id).first()
    if region is None:
        raise PermissionDenied("您的账号没有属地范围，不能使用选址规划。")
    return region


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"__all__": ["请求体不是有效的JSON。"]}) from None
    if not isinstance(data, dict):
        raise ValidationError({"__all__": ["请求体应为对象。"]})
    return data


@require_capability("planning.view")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    regions = list(queries.planning_regions(request.user).values("pk", "name", "path"))
    page = {
        "region": region.pk,
        "center": [float(region.latitude), float(region.longitude)]
        if region.latitude is not None and region.longitude is not None
        else None,
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "layers_url": reverse("planning:layers"),
        "propose_url": reverse("planning:propose"),
        "save_url": reverse("planning:save"),
        "upload_url": reverse("planning:upload"),
        "radius": {kind: planner.default_radius_km(kind) for kind in SiteKind.values},
        "kinds": dict(SiteKind.choices),
    }
    return render(
        request,
        "planning/index.html",
        {
            "region": region,
            "regions": [
                {**r, "depth": len(r["path"]) // 7 - len(request.user.scope_region.path) // 7}
                for r in regions
            ],
            "kinds": SiteKind.choices,
            "page": page,
            "default_radius": planner.default_radius_km(SiteKind.STATION),
            "recent": Proposal.objects.visible_to(request.user)
            .filter(region__path__startswith=region.path)
            .select_related("region")[:5],
        },
    )


@require_capability("planning.view")
@require_GET
def layers(request: HttpRequest) -> JsonResponse:
    """The map's layers for a region: demand hexes at the resolution for the zoom, existing
    branches and stations, uncovered workplaces, check-ins, appeal locations, boundaries."""
    region = _region(request)
    try:
        zoom = int(request.GET.get("zoom", "11"))
    except ValueError:
        zoom = 11
    points = queries.demand(request.user, region)
    return _json(
        {
            "hexes": queries.hex_layer(points, queries.resolution_for_zoom(zoom)),
            "workplaces": [
                [p.lat, p.lng, p.workers, p.name, p.mode in queries.BRANCH_MODES] for p in points
            ],
            "branches": [
                [s.lat, s.lng, s.name]
                for s in queries.existing_sites(request.user, region, SiteKind.BRANCH, points)
            ],
            "stations": [
                [s.lat, s.lng, s.name]
                for s in queries.existing_sites(request.user, region, SiteKind.STATION)
            ],
            "checkins": queries.checkin_layer(request.user, region),
            "appeals": queries.appeal_layer(request.user, region),
            "areas": org_coverage.region_areas(request.user, region),
        }
    )


def _propose(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    region = planner.region_for(user, data.get("region"))
    k = data.get("k")
    if isinstance(k, str) and k.strip().isdigit():
        k = int(k)
    return planner.propose(
        user,
        region=region,
        kind=str(data.get("kind", "")),
        k=k,  # type: ignore[arg-type]
        radius_km=data.get("radius_km"),
        candidates=data.get("candidates"),
        use_workplaces=bool(data.get("use_workplaces", True)),
        pinned=data.get("pinned"),
        excluded=data.get("excluded"),
        with_exact=bool(data.get("exact", True)),
    )


@require_capability("planning.view")
@require_POST
def propose(request: HttpRequest) -> JsonResponse:
    """Compute a proposal (nothing is saved)."""
    try:
        return _json(_propose(request.user, _body(request)))
    except ValidationError as exc:
        return _errors(exc)


@require_capability("planning.save")
@require_POST
def save(request: HttpRequest) -> JsonResponse:
    try:
        data = _body(request)
        proposal = services.save_proposal(
            actor=request.user, name=str(data.get("name", "")), request=data
        )
    except ValidationError as exc:
        return _errors(exc)
    url = reverse("planning:detail", args=[proposal.pk])
    return _json({"id": proposal.pk, "url": url}, status=201)


@require_capability("planning.view")
@require_POST
def upload(request: HttpRequest) -> JsonResponse:
    """Read an Excel list of candidates (nothing is written)."""
    file = request.FILES.get("file")
    if file is None:
        return _json({"detail": "请选择要导入的Excel文件。", "rows": [], "errors": []}, 422)
    result = candidates.read_candidates(file.read())
    return _json({"rows": result.rows, "errors": result.errors})


@require_capability("planning.view")
@require_GET
def candidate_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(candidates.template(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''planning-candidates.xlsx"
    return response


@require_capability("planning.view")
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    rows = Proposal.objects.visible_to(request.user).select_related("region", "created_by")[:200]
    return render(request, "planning/proposals.html", {"proposals": rows})


def _proposal(request: HttpRequest, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("region"), pk=pk
    )


@require_capability("planning.view")
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    others = (
        Proposal.objects.visible_to(request.user)
        .filter(region=proposal.region)
        .exclude(pk=proposal.pk)[:20]
    )
    other = None
    raw = request.GET.get("compare", "")
    if raw.isdigit():
        other = Proposal.objects.visible_to(request.user).filter(pk=int(raw)).first()
    page = {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "layers_url": reverse("planning:layers") + f"?region={proposal.region_id}",
        "result": proposal.result,
        "compare": other.result if other else None,
    }
    return render(
        request,
        "planning/detail.html",
        {"proposal": proposal, "others": others, "other": other, "page": page},
    )


@require_capability("planning.view")
@require_GET
def export(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    result = proposal.result
    exact = result.get("exact") or {}
    rows: list[list[Any]] = [
        [
            i,
            c["name"],
            c["lat"],
            c["lng"],
            {"workplace": "企业/站点", "point": "地图点选", "upload": "导入"}.get(
                c["source"], c["source"]
            ),
            "是" if c.get("pinned") else "",
            c["workers_new"],
        ]
        for i, c in enumerate(result.get("chosen", []), start=1)
    ]
    rows.append([])
    rows.append(["", "需求总人数", "", "", "", "", proposal.workers_total])
    rows.append(
        ["", "现有覆盖人数", "", "", "", f"{proposal.rate_before}%", proposal.workers_before]
    )
    rows.append(["", "方案覆盖人数", "", "", "", f"{proposal.rate_after}%", proposal.workers_after])
    if exact:
        rows.append(
            [
                "",
                "精确最优覆盖人数" + ("" if exact.get("optimal") else "（未证明最优）"),
                "",
                "",
                "",
                f"差距 {exact.get('gap_percent')}%",
                exact.get("workers_after"),
            ]
        )
    heading = (
        f"{proposal.name}：{proposal.region.name}新增{proposal.get_kind_display()} "
        f"{proposal.k} 个，服务半径 {proposal.radius_km} 公里（PLAN-1，球面距离）"
    )
    data = xlsx_bytes(
        "选址方案",
        ["序号", "名称", "纬度", "经度", "来源", "必选", "新增覆盖人数"],
        rows,
        heading=heading,
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''planning-proposal-{proposal.pk}.xlsx"
    )
    return response
