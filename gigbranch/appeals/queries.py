"""Multi-appeal reads: KPI tables by department/region/month and their drill-down (APL-4)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from django.utils import timezone

from gigbranch.core.figures import Figure, index

from . import rules
from .models import Appeal, AppealQuerySet

KPI_FIELDS = (
    "id",
    "received_at",
    "accept_due_at",
    "accepted_at",
    "reply_due_at",
    "replied_at",
    "status",
    "resolved",
    "satisfaction",
    "department_id",
    "department__name",
    "region_id",
    "region__name",
)


def _row(v: dict[str, Any]) -> rules.KpiRow:
    return rules.KpiRow(
        received_at=v["received_at"],
        accept_due_at=v["accept_due_at"],
        accepted_at=v["accepted_at"],
        reply_due_at=v["reply_due_at"],
        replied_at=v["replied_at"],
        status=v["status"],
        resolved=v["resolved"],
        satisfaction=v["satisfaction"] or "",
    )


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


def _values(qs: AppealQuerySet) -> list[dict[str, Any]]:
    return list(qs.values(*KPI_FIELDS))


def kpi_table(
    qs: AppealQuerySet, *, by: str, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """One row per department (by='department') or region (by='region'), ranked."""
    now = now or timezone.now()
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    names: dict[Any, str] = {}
    for v in _values(qs):
        key = v[f"{by}_id"] if v[f"{by}_id"] is not None else "none"
        groups[key].append(v)
        names[key] = v[f"{by}__name"] or "属地兜底（乡镇街道）"
    out = []
    for key, values in groups.items():
        kpi = rules.compute_kpi((_row(v) for v in values), now)
        out.append({"key": key, "name": names[key], **asdict(kpi)})
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


def total(qs: AppealQuerySet, now: dt.datetime | None = None) -> rules.Kpi:
    return rules.compute_kpi((_row(v) for v in _values(qs)), now or timezone.now())


def trend(
    qs: AppealQuerySet, months: Iterable[str], now: dt.datetime | None = None
) -> dict[str, Any]:
    now = now or timezone.now()
    series: dict[str, list[float | None]] = {"response": [], "resolution": [], "satisfaction": []}
    counts = []
    months = list(months)
    by_month: dict[str, list[rules.KpiRow]] = defaultdict(list)
    for v in _values(qs):
        by_month[timezone.localtime(v["received_at"]).strftime("%Y-%m")].append(_row(v))
    for m in months:
        kpi = rules.compute_kpi(by_month.get(m, []), now)
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
    now = now or timezone.now()
    pred = rules.METRICS[metric]
    ids = [v["id"] for v in _values(qs) if pred(_row(v), now)]
    return qs.filter(pk__in=ids)


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
