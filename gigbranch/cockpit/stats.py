"""Upward statistics (BURDEN-5): the city or province pulls the county's figures instead of
sending a form. The figures are the cockpit's tiles, counted by the same functions for a
read-only viewer of the requested region, so the API, the cockpit and the lists agree.

Stock figures (organisations, workplaces, members …) are counted as they stand when asked
(the records hold no history to count them at a past date); flow figures (appeals
received and the 三率, workplaces registered) are counted within the period asked for."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from gigbranch.accounts.models import User
from gigbranch.accounts.roles import Role, has_capability
from gigbranch.appeals import queries as appeal_queries
from gigbranch.appeals.models import Appeal
from gigbranch.organizations.models import Region, Workplace

from .models import StatsGrant
from .queries import percent
from .tiles import tile_values

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)
MAX_SERIES_MONTHS = 36

SERIES_METRICS: dict[str, str] = {
    "appeals_received": "受理诉求件数",
    "appeals_response_rate": "诉求响应率（%）",
    "appeals_resolution_rate": "诉求解决率（%）",
    "appeals_satisfaction_rate": "诉求满意率（%）",
    "workplaces_registered": "新登记企业/站点数",
}


class StatsInputError(ValueError):
    """A parameter the caller must fix: `field` and a Chinese message (a 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    label: str
    months: list[str]  # "YYYY-MM", in order

    @property
    def start(self) -> dt.datetime:
        return _month_start(self.months[0])

    @property
    def end(self) -> dt.datetime:
        return _month_start(_next_month(self.months[-1]))


def _month_start(month: str) -> dt.datetime:
    y, m = (int(p) for p in month.split("-"))
    return dt.datetime(y, m, 1, tzinfo=timezone.get_current_timezone())


def _next_month(month: str) -> str:
    y, m = (int(p) for p in month.split("-"))
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] != last:
        out.append(_next_month(out[-1]))
    return out


def parse_month(raw: str, field: str) -> str:
    raw = (raw or "").strip()
    if not MONTH.match(raw):
        raise StatsInputError(field, "应为月份（YYYY-MM），例如 2026-03。")
    return raw


def parse_period(raw: str | None) -> Period:
    """'2026-03' (a month) or '2026Q1' / '2026-Q1' (a quarter); empty: the current month."""
    raw = (raw or "").strip()
    if not raw:
        raw = timezone.localdate().strftime("%Y-%m")
    if MONTH.match(raw):
        return Period(label=raw, months=[raw])
    q = QUARTER.match(raw)
    if q:
        year, quarter = int(q[1]), int(q[2])
        first = (quarter - 1) * 3 + 1
        return Period(
            label=f"{year}Q{quarter}",
            months=[f"{year:04d}-{m:02d}" for m in range(first, first + 3)],
        )
    raise StatsInputError("period", "应为月份（YYYY-MM）或季度（YYYYQn），例如 2026-03 或 2026Q1。")


def granted_regions(user: Any) -> list[Region]:
    """The regions whose statistics `user` may pull: an API account's active grants; a
    region-scoped staff user's own region."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.role == Role.API_CLIENT:
        return [
            g.region
            for g in StatsGrant.objects.filter(user=user, revoked_at__isnull=True).select_related(
                "region"
            )
        ]
    if user.scope_region_id and has_capability(user, "org.view"):
        return [user.scope_region]
    return []


def region_for(user: Any, code: str | None) -> Region:
    """The region asked for (by administrative code), if the caller may read it. Unknown
    codes and regions outside the grants give the same answer (nothing about another
    city's regions leaks, not even whether a code exists)."""
    roots = granted_regions(user)
    if not roots:
        raise PermissionError("该账号未获授权读取统计数据。")
    code = (code or "").strip()
    if not code:
        if len(roots) == 1:
            return roots[0]
        raise StatsInputError("region", "该账号可读取多个区域，请用 region 指定区域代码。")
    inside = Q()
    for root in roots:
        inside |= Q(path__startswith=root.path)
    region = Region.objects.filter(inside, code=code).first()
    if region is None:
        raise PermissionError("无权读取该区域的统计数据。")
    return region


def region_viewer(region: Region) -> User:
    """A read-only viewer of `region` (never saved): the figures count what a region-scoped
    inspector of that region would see, nothing more."""
    viewer = User(role=Role.INSPECTOR, scope_region=region, is_active=True, username="stats")
    return viewer


def overview(region: Region, period: Period) -> dict[str, Any]:
    viewer = region_viewer(region)
    figures = [tv.as_dict() for tv in tile_values(viewer, None, None)]
    for row in figures:
        row.pop("list_url", None)  # the lists are the county's own pages, not the API's
    appeals = Appeal.objects.visible_to(viewer)
    cells = appeal_queries.kpi_cells(appeals, by="department", months=period.months)  # type: ignore[arg-type]
    wanted = set(period.months)
    kpi = appeal_queries.kpi_total([c for c in cells if c["month"] in wanted])
    registered = (
        Workplace.objects.visible_to(viewer)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .count()
    )
    return {
        "region": {"code": region.code, "name": region.name},
        "period": period.label,
        "months": period.months,
        "as_of": timezone.now().isoformat(),
        "figures": figures,
        "period_figures": {
            "appeals_received": kpi.received,
            "appeals_response_rate": percent(kpi.response_rate),
            "appeals_resolution_rate": percent(kpi.resolution_rate),
            "appeals_satisfaction_rate": percent(kpi.satisfaction_rate),
            "workplaces_registered": registered,
        },
    }


def series(metric: str, region: Region, first: str, last: str) -> dict[str, Any]:
    if metric not in SERIES_METRICS:
        raise StatsInputError("metric", "不是可选的指标：" + "、".join(SERIES_METRICS))
    if first > last:
        raise StatsInputError("from", "起始月份不能晚于截止月份。")
    months = months_between(first, last)
    if len(months) > MAX_SERIES_MONTHS:
        raise StatsInputError("to", f"一次最多查询{MAX_SERIES_MONTHS}个月。")
    viewer = region_viewer(region)
    values: list[float | int | None]
    if metric.startswith("appeals_"):
        cells = appeal_queries.kpi_cells(
            Appeal.objects.visible_to(viewer),  # type: ignore[arg-type]
            by="department",
            months=months,
        )
        trend = appeal_queries.trend(cells, months)
        key = metric.removeprefix("appeals_").removesuffix("_rate")
        values = (
            trend["received"]
            if metric == "appeals_received"
            else [percent(v) for v in trend["series"][key]]
        )
    else:
        qs = Workplace.objects.visible_to(viewer)
        values = [
            qs.filter(
                created_at__gte=_month_start(m), created_at__lt=_month_start(_next_month(m))
            ).count()
            for m in months
        ]
    return {
        "region": {"code": region.code, "name": region.name},
        "metric": metric,
        "label": SERIES_METRICS[metric],
        "points": [{"month": m, "value": v} for m, v in zip(months, values, strict=True)],
    }
