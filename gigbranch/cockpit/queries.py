"""Read-only aggregates for the console (scoped to the user): the cockpit's picture (tiles,
charts, map layers, drill-down), the headline figures and the to-do list. Every number comes from a figure defined in its domain app
(core.figures), so the home page, the list behind each number and the API agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractHour, Substr
from django.urls import reverse
from django.utils import timezone

from gigbranch.accounts.roles import has_capability
from gigbranch.appeals import queries as appeal_queries
from gigbranch.appeals.models import Appeal
from gigbranch.core.figures import Figure, FigureValue, counted, narrowed
from gigbranch.core.models import Finding
from gigbranch.organizations import coverage as org_coverage
from gigbranch.organizations import queries as org_queries
from gigbranch.organizations.models import PATH_STEP, CoverageMode, Region
from gigbranch.recruitment import queries as recruitment_queries
from gigbranch.recruitment.models import Case, StepRecord
from gigbranch.stations import queries as station_queries
from gigbranch.stations.models import CheckIn, Station

from .tiles import SECTIONS, tile_figures, tile_values

# The home page's figures, in display order: the cockpit's tiles (cockpit/tiles.py).
HOME_FIGURES: tuple[Figure, ...] = tuple(tile_figures())


def home_figures(user: Any) -> list[FigureValue]:
    """The headline figures the user may see (by capability), counted in their scope."""
    return counted(HOME_FIGURES, user)


# --- The cockpit's picture -------------------------------------------------------------------


def home_region(user: Any, within: Region | None) -> Region | None:
    """The region the cockpit looks at: the drill-down's, else the user's own region, else
    where their organisation sits, else the top of the regions they can see."""
    if within is not None:
        return within
    if user.scope_region_id:
        return cast(Region, user.scope_region)
    visible = org_queries.visible_regions(user)
    org = user.scope_organization if user.scope_organization_id else None
    if org is not None and org.region_id is not None:
        home = visible.filter(pk=org.region_id).first()
        if home is not None:
            return home
    return visible.order_by("path").first()


def crumbs(user: Any, region: Region | None) -> list[dict[str, Any]]:
    """The way down from the top of the user's view to `region` (drill-down links)."""
    if region is None:
        return []
    prefixes = [region.path[:end] for end in range(PATH_STEP, len(region.path) + 1, PATH_STEP)]
    return [
        dict(row)
        for row in org_queries.visible_regions(user)
        .filter(path__in=prefixes)
        .order_by("path")
        .values("pk", "name")
    ]


def coverage(user: Any, region: Region | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Coverage per child region in the user's view (the drill-down table and chart) and
    per workplace kind, from one pass over the workplaces (coverage_report)."""
    if region is None or not has_capability(user, "org.view"):
        return [], []
    report = org_coverage.coverage_report(user, region)
    org_coverage.coverage_rows_in_view(report, user, region)
    rows = []
    for r in report["per_region"]:
        row = r.as_dict()
        row["region_id"] = r.region_id
        row["drill"] = r.drill
        row["uncovered"] = r.by_mode.get(CoverageMode.NONE, 0)
        rows.append(row)
    return rows, [r.as_dict() for r in report["per_kind"]]


def appeal_trend(user: Any, region_path: str | None, months: int = 12) -> dict[str, Any] | None:
    """三率 by month over the last `months` months (APL-4), in scope and region."""
    if not has_capability(user, "appeals.kpi"):
        return None
    now = timezone.now()
    month_keys = appeal_queries.last_months(now, months)
    qs = narrowed(Appeal.objects.visible_to(user), region_path)
    cells = appeal_queries.kpi_cells(qs, by="department", months=month_keys, now=now)  # type: ignore[arg-type]
    trend = appeal_queries.trend(cells, month_keys)
    trend["series"] = {k: [percent(v) for v in vals] for k, vals in trend["series"].items()}
    this_year = [m for m in month_keys if m.startswith(str(timezone.localdate().year))]
    total = appeal_queries.kpi_total(cells_in(cells, this_year))
    trend["year_kpi"] = {
        "received": total.received,
        "response_rate": percent(total.response_rate),
        "resolution_rate": percent(total.resolution_rate),
        "satisfaction_rate": percent(total.satisfaction_rate),
    }
    trend["by_department"] = appeal_queries.kpi_table(cells)[:8]
    return trend


def percent(fraction: float | None) -> float | None:
    """A rate kept as a fraction (appeals.rules.rate) as a percentage with one decimal."""
    return None if fraction is None else round(100.0 * fraction, 1)


def cells_in(cells: list[dict[str, Any]], months: list[str]) -> list[dict[str, Any]]:
    wanted = set(months)
    return [c for c in cells if c["month"] in wanted]


def appeal_categories(user: Any, region_path: str | None, limit: int = 8) -> list[dict[str, Any]]:
    """The categories with most appeals received this year (top `limit`)."""
    if not has_capability(user, "appeals.view"):
        return []
    year = timezone.localdate().year
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    rows = (
        narrowed(Appeal.objects.visible_to(user), region_path)
        .filter(received_at__gte=start)
        .order_by()
        .values("category__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name")[:limit]
    )
    return [{"name": r["category__name"], "value": r["n"]} for r in rows]


def open_findings_by_rule(user: Any, region: Region | None, drilled: bool) -> list[dict[str, Any]]:
    """Open findings per rule, each linking to the findings list with the same filter."""
    if not has_capability(user, "org.view"):
        return []
    qs = Finding.objects.visible_to(user).open()
    if drilled and region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    rows = qs.order_by().values("rule_id").annotate(n=Count("pk")).order_by("rule_id")
    base = reverse("organizations:findings")
    suffix = f"&region={region.pk}" if drilled and region is not None else ""
    return [
        {"rule_id": r["rule_id"], "count": r["n"], "url": f"{base}?rule={r['rule_id']}{suffix}"}
        for r in rows
    ]


def station_hours(user: Any, region_path: str | None, days: int = 30) -> list[int] | None:
    """Check-ins per hour of the day (local time) over the last `days` days."""
    if not has_capability(user, "stations.view"):
        return None
    since = timezone.now() - dt.timedelta(days=days)
    stations = narrowed(Station.objects.visible_to(user), region_path)
    rows = (
        CheckIn.objects.filter(station__in=stations, created_at__gte=since)
        .annotate(h=ExtractHour("created_at"))
        .order_by()
        .values_list("h")
        .annotate(n=Count("pk"))
    )
    hours = [0] * 24
    for h, n in rows:
        if h is not None:
            hours[int(h)] = n
    return hours


def recruitment_summary(user: Any, drilled: bool) -> dict[str, Any] | None:
    """The recruitment funnel and this year's new members against the target (the whole
    scope: recruitment is counted per branch, not per township drill-down)."""
    if drilled or not has_capability(user, "recruitment.view"):
        return None
    year = timezone.localdate().year
    visible = Case.objects.visible_to(user)
    counts = dict(
        StepRecord.objects.filter(
            case__in=visible, step__in=[s for s, _ in recruitment_queries.FUNNEL_STEPS]
        )
        .order_by()
        .values_list("step")
        .annotate(n=Count("id"))
        .values_list("step", "n")
    )
    new_this_year = visible.filter(approval_date__year=year).count()
    target = recruitment_queries._scope_target(user, year)
    return {
        "funnel": [
            {"name": label, "value": counts.get(step, 0)}
            for step, label in recruitment_queries.FUNNEL_STEPS
        ],
        "new_this_year": new_this_year,
        "target": target,
        "target_rate": round(new_this_year * 100 / target) if target else None,
        "year": year,
    }


def picture(user: Any, within: Region | None) -> dict[str, Any]:
    """Everything the cockpit and the big screen show, for one user and drill-down."""
    region = home_region(user, within)
    region_path = within.path if within is not None else None
    region_pk = within.pk if within is not None else None
    tiles = tile_values(user, region_path, region_pk)
    coverage_rows, coverage_kinds = coverage(user, region)
    sections = []
    for key, label in SECTIONS:
        rows = [t for t in tiles if t.tile.section == key]
        if rows:
            sections.append({"key": key, "label": label, "tiles": rows})
    return {
        "region": region,
        "within": within,
        "crumbs": crumbs(user, region),
        "tiles": tiles,
        "sections": sections,
        "coverage_rows": coverage_rows,
        "coverage_kinds": coverage_kinds,
        "appeals": appeal_trend(user, region_path),
        "appeal_categories": appeal_categories(user, region_path),
        "findings": open_findings_by_rule(user, region, within is not None),
        "station_hours": station_hours(user, region_path),
        "recruitment": recruitment_summary(user, within is not None),
        "computed_at": timezone.now(),
    }


def map_layers(user: Any, region: Region) -> dict[str, Any]:
    """The cockpit map's layers inside `region` (already checked visible): boundaries,
    workplaces by coverage, stations, and appeals received this year per child region."""
    out: dict[str, Any] = {"areas": {"type": "FeatureCollection", "features": []}}
    if has_capability(user, "org.view"):
        out["areas"] = org_coverage.region_areas(user, region)
        out["workplaces"] = org_coverage.map_points(user, region)
        out["branches"] = [
            [float(lat), float(lng), name]
            for lat, lng, name in narrowed(org_queries.party_branches(user), region.path)
            .filter(latitude__isnull=False, longitude__isnull=False)
            .values_list("latitude", "longitude", "name")
        ]
    if has_capability(user, "stations.view"):
        out["stations"] = [
            [lat, lng, name]
            for lat, lng, name in narrowed(station_queries.active_stations(user), region.path)
            .filter(latitude__isnull=False, longitude__isnull=False)
            .values_list("latitude", "longitude", "name")
        ]
    if has_capability(user, "appeals.view"):
        year = timezone.localdate().year
        start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
        child_len = len(region.path) + PATH_STEP
        counts = dict(
            narrowed(Appeal.objects.visible_to(user), region.path)
            .filter(received_at__gte=start)
            .order_by()
            .annotate(g=Substr(F("region__path"), 1, child_len))
            .values_list("g")
            .annotate(n=Count("pk"))
            .values_list("g", "n")
        )
        density = []
        for path, name, lat, lng in (
            org_queries.visible_regions(user)
            .filter(Q(parent=region) | Q(pk=region.pk), latitude__isnull=False)
            .values_list("path", "name", "latitude", "longitude")
        ):
            n = counts.get(path, 0)
            if n and lat is not None and lng is not None:
                density.append([float(lat), float(lng), name, n])
        out["appeals"] = density
    return out


# --- To-do -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToDoSource:
    """One section of a to-do list: the rows come from a query function of the domain app
    (a figure, so "show all" opens the list with exactly these rows). `applies` says whose
    to-do list carries the section; `deadline` names the row's deadline field and label.
    Joint-meeting tasks will add their own sources here."""

    figure: Figure
    applies: Callable[[Any], bool]
    deadline_field: str
    deadline_label: str
    detail_url_name: str
    related: tuple[str, ...] = ()


@dataclass
class ToDoSection:
    source: ToDoSource
    rows: list[Any]
    total: int
    now: dt.datetime

    @property
    def figure(self) -> Figure:
        return self.source.figure

    @property
    def items(self) -> list[dict[str, Any]]:
        out = []
        for row in self.rows:
            due = getattr(row, self.source.deadline_field)
            out.append({"row": row, "due": due, "late": due is not None and due < self.now})
        return out


def _department_handler(user: Any) -> bool:
    return bool(getattr(user, "department_id", None)) and has_capability(user, "appeals.handle")


TO_DO_SOURCES: tuple[ToDoSource, ...] = (
    ToDoSource(
        figure=appeal_queries.APPEAL_FIGURES["overdue_appeals"],
        applies=_department_handler,
        deadline_field="reply_due_at",
        deadline_label="答复时限",
        detail_url_name="appeals:detail",
        related=("category", "region"),
    ),
    ToDoSource(
        figure=appeal_queries.APPEAL_FIGURES["appeals_to_accept"],
        applies=_department_handler,
        deadline_field="accept_due_at",
        deadline_label="受理时限",
        detail_url_name="appeals:detail",
        related=("category", "region"),
    ),
    ToDoSource(
        figure=appeal_queries.APPEAL_FIGURES["appeals_due_soon"],
        applies=_department_handler,
        deadline_field="reply_due_at",
        deadline_label="答复时限",
        detail_url_name="appeals:detail",
        related=("category", "region"),
    ),
)

TO_DO_ROWS = 10  # rows shown per section; the rest through the section's list link


def to_do_sections(user: Any, limit: int = TO_DO_ROWS) -> list[ToDoSection]:
    """The user's to-do list: one section per applicable source, even when empty (an empty
    section says there is nothing to do, which is worth knowing)."""
    now = timezone.now()
    sections = []
    for source in TO_DO_SOURCES:
        if not source.applies(user):
            continue
        qs: QuerySet[Any] = source.figure.rows(user)
        rows = list(qs.select_related(*source.related)[:limit])
        total = len(rows) if len(rows) < limit else qs.count()
        sections.append(ToDoSection(source=source, rows=rows, total=total, now=now))
    return sections
