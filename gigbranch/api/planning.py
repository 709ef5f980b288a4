"""/api/v1/planning: coverage planning proposals (PLAN-1).

POST /proposals computes the proposal for the caller's region (greedy, and the exact
optimum when the candidates are few enough) and saves it; GET /proposals/{id} reads a saved
one. A region outside the caller's scope is a 403 and nothing is saved.
"""

from __future__ import annotations

from typing import Any, Literal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from gigbranch.accounts.roles import has_capability
from gigbranch.core.permissions import check_can
from gigbranch.planning import services
from gigbranch.planning.models import Proposal

router = Router(tags=["选址规划"])


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class CandidateIn(Schema):
    key: str | None = Field(None, max_length=40, description="候选点编号（必选/排除时引用）")
    name: str | None = Field(None, max_length=60)
    lat: float = Field(..., description="纬度（WGS-84）")
    lng: float = Field(..., description="经度（WGS-84）")


class ProposalIn(Schema):
    name: str = Field("接口生成的方案", max_length=60, description="方案名称")
    region: int = Field(..., description="规划区域编号")
    kind: Literal["branch", "station"] = Field(..., description="新增站点类型")
    k: int = Field(..., ge=1, le=200, description="新增个数")
    radius_km: float | None = Field(
        None, ge=0.1, le=20, description="服务半径（公里），默认按 PLAN-1"
    )
    candidates: list[CandidateIn] = Field(default_factory=list)
    use_workplaces: bool = Field(True, description="是否以区域内的企业/站点为候选点")
    pinned: list[str] = Field(default_factory=list, description="必选的候选点编号")
    excluded: list[str] = Field(default_factory=list, description="排除的候选点编号")


class ChosenOut(Schema):
    key: str
    name: str
    lat: float
    lng: float
    source: str
    workers_new: int
    pinned: bool


class ExactOut(Schema):
    workers_after: int
    gap_percent: float
    optimal: bool
    seconds: float


class ProposalOut(Schema):
    id: int
    name: str
    region: int
    kind: str
    k: int
    radius_km: float
    workers_total: int
    workers_before: int
    workers_after: int
    rate_before: float | None
    rate_after: float | None
    chosen: list[ChosenOut]
    exact: ExactOut | None
    notes: list[str]


def _out(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "region": p.region_id,
        "kind": p.kind,
        "k": p.k,
        "radius_km": p.radius_km,
        "workers_total": p.workers_total,
        "workers_before": p.workers_before,
        "workers_after": p.workers_after,
        "rate_before": p.rate_before,
        "rate_after": p.rate_after,
        "chosen": p.result.get("chosen", []),
        "exact": p.result.get("exact"),
        "notes": p.result.get("notes", []),
    }


@router.post("/proposals", response={201: ProposalOut, 403: ErrorOut, 422: ErrorOut})
def create_proposal(request: Any, payload: ProposalIn) -> Any:
    check_can(request.auth, "planning.save")
    data = payload.dict()
    data["candidates"] = [
        {k: v for k, v in c.items() if v is not None} | {"source": "point"}
        for c in data["candidates"]
    ]
    proposal = services.save_proposal(actor=request.auth, name=payload.name, request=data)
    return Status(201, _out(proposal))


@router.get("/proposals/{proposal_id}", response={200: ProposalOut, 403: ErrorOut})
def get_proposal(request: Any, proposal_id: int) -> Any:
    if not has_capability(request.auth, "planning.view"):
        return Status(403, {"detail": "您的角色无权查看选址方案。"})
    return _out(get_object_or_404(Proposal.objects.visible_to(request.auth), pk=proposal_id))
