"""Per-process cache of intake configuration, checked against ConfigVersion on every use.

A submission needs the categories, the routing rules (with their departments' names), the
work calendar (package + CalendarDay overrides) and the submitted region. Loading them per
request cost five queries; this module keeps one snapshot per process and pays one small
query (the ConfigVersion token) instead. Regions are looked up by code on first use and kept
in the snapshot (`region_by_code`); a rule names its region by id, and a region's path lists
its ancestors' ids, so routing needs only the submitted region itself. Correctness first:

- every save/delete of Category, RoutingRule, Department, CalendarDay or Region changes the
  token (signals below) in the writer's transaction and drops this process's snapshot;
- the token is read before the snapshot is loaded, and compared for equality, so a snapshot
  is never newer-labelled than its data (a region read later is newer than the token, and
  the next request sees the newer token); random tokens make rolled-back bumps harmless;
- no ConfigVersion row (e.g. after a test flush) means: no caching at all;
- writes that bypass signals (bulk_create, queryset.update) are bounded by MAX_AGE; code
  that moves regions with queryset.update (path prefixes) must call `invalidate()`.
"""

from __future__ import annotations

import copy
import functools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models.signals import post_delete, post_save

from gigbranch.core.workcalendar import WorkCalendar, package_is_working_day, parse_periods

from . import rules

MAX_AGE = 60.0  # seconds; only matters for writes that bypass model signals


@dataclass(frozen=True)
class Route:
    region_id: int | None  # None = any region of the county
    department_id: int


@dataclass
class Snapshot:
    token: str
    loaded_at: float
    categories: dict[str, Any]
    routes: dict[str, list[Route]]
    departments: dict[int, Any]
    calendar: WorkCalendar
    periods: tuple[str, ...]
    # Region code → Region, filled on first use (region_by_code); never handed out as is.
    regions: dict[str, Any] = field(default_factory=dict)


# The chinesecalendar package's data never changes inside a process.
_package_day = functools.lru_cache(maxsize=4096)(package_is_working_day)

_lock = threading.Lock()
_snapshot: Snapshot | None = None


def _current_token() -> str | None:
    """The ConfigVersion token, or None without the row. Read with a plain cursor: it is
    paid on every submission, and building the same ORM query each time cost several times
    the query itself."""
    from .models import ConfigVersion

    connection = connections[router.db_for_read(ConfigVersion)]
    sql = _TOKEN_SQL.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name
        meta = ConfigVersion._meta
        sql = _TOKEN_SQL[connection.vendor] = (  # identifiers from model metadata, quoted
            f"SELECT {q(meta.get_field('token').column)} FROM {q(meta.db_table)} "  # noqa: S608
            f"WHERE {q(meta.pk.column)} = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [1])
        row = cursor.fetchone()
    return None if row is None else row[0]


_TOKEN_SQL: dict[str, str] = {}


def _load(token: str) -> Snapshot:
    from gigbranch.core.models import CalendarDay
    from gigbranch.organizations.models import Department

    from .models import Category, RoutingRule

    categories = {c.code: c for c in Category.objects.all()}
    codes = {c.pk: c.code for c in categories.values()}
    routes: dict[str, list[Route]] = {}
    for category_id, region_id, department_id in RoutingRule.objects.values_list(
        "category_id", "region_id", "department_id"
    ):
        routes.setdefault(codes[category_id], []).append(Route(region_id, department_id))
    dept_ids = {rr.department_id for rs in routes.values() for rr in rs}
    departments = {d.pk: d for d in Department.objects.filter(pk__in=dept_ids)}
    overrides = dict(CalendarDay.objects.values_list("date", "is_working_day"))
    periods = tuple(settings.WORKING_PERIODS)
    cal = WorkCalendar(classifier=_package_day, overrides=overrides, periods=parse_periods(periods))
    return Snapshot(
        token=token,
        loaded_at=time.monotonic(),
        categories=categories,
        routes=routes,
        departments=departments,
        calendar=cal,
        periods=periods,
    )


def snapshot() -> Snapshot:
    """The current configuration: one query when cached, a reload when it changed."""
    global _snapshot
    token = _current_token()
    if token is None:
        return _load("")
    snap = _snapshot
    if (
        snap is not None
        and snap.token == token
        and snap.periods == tuple(settings.WORKING_PERIODS)
        and time.monotonic() - snap.loaded_at < MAX_AGE
    ):
        return snap
    snap = _load(token)
    with _lock:
        _snapshot = snap
    return snap


MAX_REGIONS = 10_000  # a county has a few dozen; the bound only caps memory


def region_by_code(snap: Snapshot, code: str) -> Any:
    """The Region with this code (unscoped: callers check the account's scope), or None.

    Read from the database on first use in a snapshot and kept there; unknown codes are not
    kept. Each call returns its own copy, so a request never shares an instance."""
    region = snap.regions.get(code)
    if region is None:
        from gigbranch.organizations.models import Region

        region = Region.objects.filter(code=code).first()
        if region is None:
            return None
        if len(snap.regions) < MAX_REGIONS:
            snap.regions[code] = region
    return copy.copy(region)


def route(snap: Snapshot, *, category_code: str, region: Any) -> int | None:
    """rules.route() on the cached rules: a rule's region matches when it is the submitted
    region or one of its ancestors, whose ids make up the submitted region's path."""
    from gigbranch.organizations.models import PATH_STEP

    path = region.path
    prefixes = {
        int(path[i : i + PATH_STEP - 1]): path[: i + PATH_STEP]
        for i in range(0, len(path), PATH_STEP)
    }
    candidates = [
        rules.RouteRule(
            category=category_code,
            region_path="" if r.region_id is None else prefixes.get(r.region_id, "\x00"),
            department_id=r.department_id,
        )
        for r in snap.routes.get(category_code, [])
    ]
    return rules.route(candidates, category=category_code, region_path=path)


def invalidate(**_: Any) -> None:
    """Drop this process's snapshot and change the shared token (in the caller's transaction)."""
    global _snapshot
    from .models import ConfigVersion

    with _lock:
        _snapshot = None
    ConfigVersion.objects.filter(pk=1).update(token=secrets.token_hex(16))


def connect_signals() -> None:
    from django.apps import apps

    for label in (
        "appeals.Category",
        "appeals.RoutingRule",
        "organizations.Department",
        "core.CalendarDay",
        "organizations.Region",
    ):
        model = apps.get_model(label)
        post_save.connect(invalidate, sender=model, dispatch_uid=f"appeals-config-{label}-save")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"appeals-config-{label}-del")
