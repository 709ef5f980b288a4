"""Multi-appeal reads: KPI tables by department/region/month and their drill-down (APL-4)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, F, FloatField, Func, Q, Sum, Value, When
from django.utils import timezone

from gigbranch.core.figures import Figure, index
from gigbranch.organizations.models import Region

from . import rules
from .models import Appeal, AppealQuerySet


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """'2026-10' → [start, end) in local time."""
    year, mon = (int(p) for p in month.split("-"))
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, mon, 1, tzinfo=tz)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start, end


def filtered(
    qs: AppealQuerySet, *, month: str = "", department: str = "", region: str = ""
) -> AppealQuerySet:
    if month:
        start, end = month_bounds(month)
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    if department == "none":
        qs = qs.filter(department__isnull=True)
    elif department:
        qs = qs.filter(department_id=int(department))
    if region:
        qs = qs.filter(region_id=int(region))
    return qs


def metric_filters(now: dt.datetime) -> dict[str, Q]:
    """rules.METRICS as database filters (APL-4), so the KPIs are counted where the rows
    are; tests/test_kpi_queries.py checks both give the same appeals."""
    rated = Q(resolved__isnull=False)
    return {
        "responded": Q(accepted_at__isnull=False, accepted_at__lte=F("accept_due_at")),
        "rated": rated,
        "resolved": Q(resolved=True),
        "satisfied": rated & Q(satisfaction__in=[rules.SATISFIED, rules.BASICALLY_SATISFIED]),
        "overdue": ~Q(status=rules.Status.WITHDRAWN)
        & (
            Q(replied_at__isnull=False, replied_at__gt=F("reply_due_at"))
            | Q(replied_at__isnull=True, reply_due_at__lt=now)
        ),
    }


class HoursBetween(Func):
    """(end - start) in hours as a float, natively on each backend (Django's datetime
    subtraction runs a Python function per row on SQLite)."""

    output_field = FloatField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s)) * 24.0",
            arg_joiner=") - julianday(",
            **extra,
        )


def kpi_cells(
    qs: AppealQuerySet, *, by: str, months: Iterable[str], now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """One aggregate query: the KPI counts per department (or region) and local month
    (each of `months`; "" for the others). kpi_table, kpi_total and trend add the cells
    up, so a page reads the appeals once."""
    now = now or timezone.now()
    replied = Q(replied_at__isnull=False)
    month = Case(
        *(
            When(received_at__gte=start, received_at__lt=end, then=Value(m))
            for m in dict.fromkeys(m for m in months if m)
            for start, end in [month_bounds(m)]
        ),
        default=Value(""),
        output_field=CharField(),
    )
    rows = (
        qs.order_by()
        .annotate(month=month)
        .values(f"{by}_id", f"{by}__name", "month")
        .annotate(
            n_received=Count("pk"),
            **{f"n_{name}": Count("pk", filter=q) for name, q in metric_filters(now).items()},
            n_replied=Count("pk", filter=replied),
            n_handling=Sum(HoursBetween("replied_at", "received_at"), filter=replied),
        )
    )
    cells = []
    for v in rows:
        key = v[f"{by}_id"] if v[f"{by}_id"] is not None else "none"
        counts = rules.KpiCounts(
            received=v["n_received"],
            responded=v["n_responded"],
            rated=v["n_rated"],
            resolved=v["n_resolved"],
            satisfied=v["n_satisfied"],
            overdue=v["n_overdue"],
            replied=v["n_replied"],
            handling_hours=v["n_handling"] or 0.0,
        )
        cells.append(
            {
                "key": key,
                "name": v[f"{by}__name"] or "属地兜底（乡镇街道）",
                "month": v["month"],
                "counts": counts,
            }
        )
    return cells


def _sum(cells: Iterable[dict[str, Any]]) -> rules.KpiCounts:
    total = rules.KpiCounts()
    for cell in cells:
        total = total + cell["counts"]
    return total


def in_month(cells: list[dict[str, Any]], month: str) -> list[dict[str, Any]]:
    """The cells of `month` (one of the months kpi_cells was given), or all when ""."""
    return [c for c in cells if not month or c["month"] == month]


def kpi_table(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per department (or region), ranked."""
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for cell in cells:
        groups[cell["key"]].append(cell)
    out = []
    for key, group in groups.items():
        kpi = rules.kpi_from_counts(_sum(group))
        out.append({"key": key, "name": group[0]["name"], **asdict(kpi)})
    # Ranking by service results (not by app activity, BURDEN): satisfaction, resolution, response.
    out.sort(
        key=lambda r: (
            -(r["satisfaction_rate"] or 0),
            -(r["resolution_rate"] or 0),
            -(r["response_rate"] or 0),
            r["name"],
        )
    )
    for i, row in enumerate(out, start=1):
        row["rank"] = i
    return out


def kpi_total(cells: list[dict[str, Any]]) -> rules.Kpi:
    return rules.kpi_from_counts(_sum(cells))


def trend(cells: list[dict[str, Any]], months: Iterable[str]) -> dict[str, Any]:
    series: dict[str, list[float | None]] = {"response": [], "resolution": [], "satisfaction": []}
    counts = []
    months = list(months)
    for m in months:
        kpi = rules.kpi_from_counts(_sum(in_month(cells, m)))
        series["response"].append(kpi.response_rate)
        series["resolution"].append(kpi.resolution_rate)
        series["satisfaction"].append(kpi.satisfaction_rate)
        counts.append(kpi.received)
    return {"months": months, "series": series, "received": counts}


def last_months(now: dt.datetime, n: int = 12) -> list[str]:
    local = timezone.localtime(now)
    y, m = local.year, local.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(out))


def drill_down(qs: AppealQuerySet, metric: str, now: dt.datetime | None = None) -> AppealQuerySet:
    """The appeals behind one KPI number: the same predicate the KPI used."""
    if metric not in rules.METRICS or metric == "received":
        return qs
    return qs.filter(metric_filters(now or timezone.now())[metric])


def overdue_ids(appeals: Iterable[Appeal], now: dt.datetime) -> set[int]:
    return {
        a.pk
        for a in appeals
        if rules.is_overdue(
            rules.KpiRow(
                received_at=a.received_at,
                accept_due_at=a.accept_due_at,
                accepted_at=a.accepted_at,
                reply_due_at=a.reply_due_at,
                replied_at=a.replied_at,
                status=a.status,
                resolved=a.resolved,
                satisfaction=a.satisfaction,
            ),
            now,
        )
    }


def submitted_with_key(idempotency_key: str | None) -> Appeal | None:
    """The appeal that an earlier submission with this idempotency key created (APL-5).

    Keys embed the submitting user's id, so this finds only that user's own submission.
    """
    if not idempotency_key:
        return None
    return Appeal.objects.filter(idempotency_key=idempotency_key).only("pk", "tracking_no").first()


# --- Headline figures and to-do (core.figures) ---------------------------------------------

# "Near the deadline" on a handler's to-do: the reply is due within this time.
DUE_SOON = dt.timedelta(hours=24)


def open_appeals(user: Any) -> AppealQuerySet:
    """未办结诉求: 待受理, 办理中, 已退回待改派 and 重新办理 appeals in scope."""
    return Appeal.objects.visible_to(user).open()


def appeals_to_accept(user: Any) -> AppealQuerySet:
    """待受理: appeals in scope waiting to be accepted (APL-1), earliest deadline first."""
    return (
        Appeal.objects.visible_to(user)
        .filter(status=rules.Status.SUBMITTED)
        .order_by("accept_due_at", "pk")
    )


def appeals_due_soon(user: Any, now: dt.datetime | None = None) -> AppealQuerySet:
    """临近答复时限: accepted (or reopened) appeals whose reply is due within DUE_SOON and
    not yet past due (APL-2; due exactly now is still in time, as in rules.is_overdue),
    earliest deadline first."""
    now = now or timezone.now()
    return (
        Appeal.objects.visible_to(user)
        .filter(
            status__in=rules.Status.HANDLING,
            reply_due_at__gte=now,
            reply_due_at__lte=now + DUE_SOON,
        )
        .order_by("reply_due_at", "pk")
    )


def overdue_open_appeals(user: Any, now: dt.datetime | None = None) -> AppealQuerySet:
    """已超期未答复: open appeals past their reply deadline (rules.is_overdue for an appeal
    not yet replied), longest overdue first."""
    now = now or timezone.now()
    return (
        Appeal.objects.visible_to(user)
        .open()
        .filter(reply_due_at__lt=now)
        .order_by("reply_due_at", "pk")
    )


APPEAL_FIGURES = index(
    [
        Figure(
            key="open_appeals",
            label="未办结诉求",
            unit="件",
            definition="待受理、办理中、已退回待改派和重新办理的诉求，不含已答复待评价、已办结和已撤回的。",
            capability="appeals.view",
            url_name="appeals:list",
            api_path="appeals",
            queryset=open_appeals,
        ),
        Figure(
            key="appeals_to_accept",
            label="待受理诉求",
            unit="件",
            definition="已分派、尚未受理的诉求，按受理时限先后排列。",
            capability="appeals.view",
            url_name="appeals:list",
            api_path="appeals",
            queryset=appeals_to_accept,
        ),
        Figure(
            key="appeals_due_soon",
            label="24小时内到期的诉求",
            unit="件",
            definition="办理中（含重新办理）、答复时限在24小时内且尚未超期的诉求。",
            capability="appeals.view",
            url_name="appeals:list",
            api_path="appeals",
            queryset=appeals_due_soon,
        ),
        Figure(
            key="overdue_appeals",
            label="超期未答复诉求",
            unit="件",
            definition="尚未办结且已过答复时限的诉求。",
            capability="appeals.view",
            url_name="appeals:list",
            api_path="appeals",
            queryset=overdue_open_appeals,
        ),
    ]
)


def nearest_township(lat: Decimal, lng: Decimal) -> Region | None:
    """The township whose centre is nearest to (lat, lng), for an appeal located by a point."""
    best, best_d = None, None
    for r in Region.objects.filter(parent__isnull=False, latitude__isnull=False):
        d = (float(r.latitude) - float(lat)) ** 2 + (float(r.longitude) - float(lng)) ** 2  # type: ignore[arg-type]
        if best_d is None or d < best_d:
            best, best_d = r, d
    return best
