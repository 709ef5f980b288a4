"""/api/v1/overview: the home page's headline figures, counted by the same functions.

Each entry names what it counts (label and definition) and the list behind it; the
matching API list takes the same key as its `figure` parameter."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from gigbranch.cockpit.queries import home_figures

router = Router(tags=["概览"])


class FigureOut(Schema):
    key: str
    label: str
    unit: str
    definition: str
    value: int
    list_url: str
    api_list_url: str


@router.get("/overview", response=list[FigureOut], summary="首页统计数（本人数据范围内）")
def overview(request: Any) -> list[dict[str, Any]]:
    return [fv.as_dict() for fv in home_figures(request.auth)]
