"""Reads for the portal's station finder and the staff usage pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from gigbranch.core.figures import Figure, index

from . import rules
from .models import CheckIn, Station, StationAmenity
from .nearest import nearest
from .services import holidays_between


@dataclass
class Found:
    station: Station
    distance_km: float
    is_open: bool
    status: str

    @property
    def distance_label(self) -> str:
        if self.distance_km < 1:
            return f"{round(self.distance_km * 1000 / 10) * 10:.0f}米"
        return f"{self.distance_km:.1f}公里"


def with_schedule(qs: Any) -> Any:
    return qs.prefetch_related(
        "hours", "closures", Prefetch("amenities", queryset=StationAmenity.objects.order_by("code"))
    )


def schedules_for(stations: list[Station], now_local: dt.datetime) -> dict[int, rules.Schedule]:
    holidays = holidays_between(
        now_local.date() - dt.timedelta(days=1), now_local.date() + dt.timedelta(days=8)
    )
    return {s.pk: s.schedule(holidays) for s in stations}


def find_stations(
    *,
    lat: float,
    lng: float,
    amenity: str = "",
    open_now: bool = False,
    k: int = 10,
    now: dt.datetime | None = None,
    max_radius_km: float = 200.0,
) -> list[Found]:
    """Nearest active stations (exact), optionally with an amenity and open now."""
    now_local = timezone.localtime(now or timezone.now()).replace(tzinfo=None)
    qs = Station.objects.active()
    if amenity:
        qs = qs.with_amenity(amenity)
    cache: dict[int, Station] = {}
    sched: dict[int, rules.Schedule] = {}

    def load(pks: list[int]) -> None:
        missing = [pk for pk in pks if pk not in cache]
        if missing:
            objs = list(
                with_schedule(Station.objects.filter(pk__in=missing)).select_related("region")
            )
            cache.update({s.pk: s for s in objs})
            sched.update(schedules_for(objs, now_local))

    def open_filter(pks: list[int]) -> set[int]:
        load(pks)
        return {pk for pk in pks if rules.is_open(sched[pk], now_local)}

    hits = nearest(
        qs, lat, lng, k, predicate=open_filter if open_now else None, max_radius_km=max_radius_km
    )
    load([h.pk for h in hits])
    return [
        Found(
            cache[h.pk],
            h.distance_km,
            rules.is_open(sched[h.pk], now_local),
            rules.status_text(sched[h.pk], now_local),
        )
        for h in hits
    ]


def resolve_place(text: str) -> tuple[float, float, str] | None:
    """A typed place → coordinates: a township/street name, or a station name or address."""
    from gigbranch.organizations.models import Region

    text = (text or "").strip()
    if not text:
        return None
    region = (
        Region.objects.filter(Q(name=text) | Q(name__startswith=text), latitude__isnull=False)
        .order_by("path")
        .first()
    )
    if region is not None and region.latitude is not None and region.longitude is not None:
        return float(region.latitude), float(region.longitude), region.name
    station = (
        Station.objects.active()
        .filter(Q(name__icontains=text) | Q(address__icontains=text))
        .first()
    )
    if station is not None:
        return station.latitude, station.longitude, station.name
    region = Region.objects.filter(name__icontains=text, latitude__isnull=False).first()
    if region is not None and region.latitude is not None and region.longitude is not None:
        return float(region.latitude), float(region.longitude), region.name
    return None


def usage(stations: Any, *, days: int = 30, now: dt.datetime | None = None) -> dict[int, int]:
    """Check-ins per station over the last `days` days (staff usage page)."""
    now = now or timezone.now()
    rows = (
        CheckIn.objects.filter(station__in=stations, created_at__gte=now - dt.timedelta(days=days))
        .values("station_id")
        .annotate(n=Count("id"))
    )
    return {r["station_id"]: r["n"] for r in rows}


def bar_classes(counts: list[int]) -> list[str]:
    """Height classes h0–h10 for the no-JS busy-hours bar chart (CSP forbids style="")."""
    top = max(counts) if counts else 0
    if top == 0:
        return ["h0"] * len(counts)
    return [f"h{round(c * 10 / top)}" for c in counts]


# --- Headline figures (core.figures) ------------------------------------------------------


def active_stations(user: Any) -> Any:
    """服务驿站（启用）: stations in the user's scope that are in service (is_active);
    disabled stations stay listed on the stations page but are not counted."""
    return Station.objects.visible_to(user).active()


STATION_FIGURES = index(
    [
        Figure(
            key="active_stations",
            label="启用的服务驿站",
            unit="个",
            definition="已启用的服务驿站（暖心驿站、户外劳动者服务站点），不含已停用的。",
            capability="stations.view",
            url_name="stations:list",
            api_path="stations",
            queryset=active_stations,
        ),
    ]
)
