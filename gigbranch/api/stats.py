"""/api/v1/stats/: upward statistics (BURDEN-5) for a higher-level system's token.

The city or province pulls the figures of the regions its API account was granted
(cockpit.StatsGrant) instead of sending the county a form. Aggregates only: no list, no
name, no personal record."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status

from gigbranch.api.appeals import ErrorOut
from gigbranch.cockpit import stats

router = Router(tags=["统计上报"])


class RegionOut(Schema):
    code: str
    name: str


class StatFigureOut(Schema):
    key: str
    label: str
    unit: str
    definition: str
    section: str
    value: int
    share_of: str | None = None
    rate: float | None = None


class PeriodFiguresOut(Schema):
    appeals_received: int
    appeals_response_rate: float | None
    appeals_resolution_rate: float | None
    appeals_satisfaction_rate: float | None
    workplaces_registered: int


class OverviewOut(Schema):
    region: RegionOut
    period: str
    months: list[str]
    as_of: str
    figures: list[StatFigureOut]
    period_figures: PeriodFiguresOut


class PointOut(Schema):
    month: str
    value: float | None


class SeriesOut(Schema):
    region: RegionOut
    metric: str
    label: str
    points: list[PointOut]


class OverviewQuery(Schema):
    region: str = Field("", description="行政区划代码；账号只授权一个区域时可省略")
    period: str = Field("", description="月份 YYYY-MM 或季度 YYYYQn；省略为本月")


class SeriesQuery(Schema):
    metric: str = Field(..., description="指标：" + "、".join(stats.SERIES_METRICS))
    region: str = Field("", description="行政区划代码")
    from_: str = Field(..., alias="from", description="起始月份 YYYY-MM")
    to: str = Field(..., description="截止月份 YYYY-MM（最多36个月）")


def _input_error(exc: stats.StatsInputError) -> Status:
    return Status(422, {"detail": "数据校验失败。", "errors": {exc.field: [exc.message]}})


def _region(request: Any, code: str) -> Any:
    try:
        return stats.region_for(request.auth, code)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc


@router.get(
    "/overview",
    response={200: OverviewOut, 403: ErrorOut, 422: ErrorOut},
    summary="区域统计概览（驾驶舱指标，按月或季度）",
)
def overview(request: Any, q: Query[OverviewQuery]) -> Any:
    try:
        period = stats.parse_period(q.period)
        region = _region(request, q.region)
    except stats.StatsInputError as exc:
        return _input_error(exc)
    return stats.overview(region, period)


@router.get(
    "/series",
    response={200: SeriesOut, 403: ErrorOut, 422: ErrorOut},
    summary="区域指标逐月序列",
)
def series(request: Any, q: Query[SeriesQuery]) -> Any:
    try:
        first = stats.parse_month(q.from_, "from")
        last = stats.parse_month(q.to, "to")
        region = _region(request, q.region)
        return stats.series(q.metric, region, first, last)
    except stats.StatsInputError as exc:
        return _input_error(exc)
