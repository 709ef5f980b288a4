"""Writes for coverage planning: saving a proposal (audited in the same transaction)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.core.permissions import check_can

from . import planner
from .models import Proposal


@transaction.atomic
def save_proposal(*, actor: Any, name: str, request: dict[str, Any]) -> Proposal:
    """Compute the proposal asked for in `request` (region, kind, k, radius_km,
    candidates, use_workplaces, pinned, excluded) and save it with its answer.

    The answer is computed again here, from the data the actor may see, so a saved
    proposal never holds figures the actor sent rather than the system computed."""
    check_can(actor, "planning.save")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["请填写方案名称。"]})
    if len(name) > 60:
        raise ValidationError({"name": ["方案名称不能超过60个字符。"]})
    region = planner.region_for(actor, request.get("region"))
    result = planner.propose(
        actor,
        region=region,
        kind=request.get("kind", ""),
        k=request.get("k"),  # type: ignore[arg-type]
        radius_km=request.get("radius_km"),
        candidates=request.get("candidates"),
        use_workplaces=bool(request.get("use_workplaces", True)),
        pinned=request.get("pinned"),
        excluded=request.get("excluded"),
    )
    proposal = Proposal.objects.create(
        name=name,
        region=region,
        kind=result["kind"],
        k=result["k"],
        radius_km=result["radius_km"],
        candidates=result["candidates"],
        pinned=result["pinned"],
        excluded=result["excluded"],
        result=result,
        workers_total=result["workers_total"],
        workers_before=result["workers_before"],
        workers_after=result["workers_after"],
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="planning.proposal_saved",
        obj=proposal,
        changes={
            "region": region.pk,
            "kind": proposal.kind,
            "k": proposal.k,
            "radius_km": proposal.radius_km,
            "chosen": [c["key"] for c in result["chosen"]],
            "workers_before": proposal.workers_before,
            "workers_after": proposal.workers_after,
        },
    )
    return proposal
