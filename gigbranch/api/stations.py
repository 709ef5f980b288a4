"""/api/v1/stations: nearest stations (exact) and the staff station registry."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from gigbranch.api.pagination import LimitOffsetPagination
from gigbranch.core.figures import chosen
from gigbranch.stations import queries
from gigbranch.stations.models import Amenity, Station

router = Router(tags=["服务站点"])


class NearestQuery(Schema):
    lat: float = Field(..., ge=-90, le=90, description="纬度")
    lng: float = Field(..., ge=-180, le=180, description="经度")
    k: int = Field(10, ge=1, le=50, description="返回个数")
    amenity: Amenity | None = None
    open_now: bool = False


class StationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    address: str
    region_name: str
    latitude: float
    longitude: float
    always_open: bool
    hours: str
    amenities: list[str]
    contact_phone: str

    @staticmethod
    def resolve_kind_label(obj: Station) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_region_name(obj: Station) -> str:
        return obj.region.name

    @staticmethod
    def resolve_hours(obj: Station) -> str:
        return obj.hours_label

    @staticmethod
    def resolve_amenities(obj: Station) -> list[str]:
        return obj.amenity_codes


class NearestOut(Schema):
    station: StationOut
    distance_km: float
    open_now: bool
    status: str


@router.get("/nearest", response=list[NearestOut])
def nearest_stations(request: Any, q: Query[NearestQuery]) -> list[dict[str, Any]]:
    """Exact k nearest active stations by great-circle distance (any logged-in user)."""
    found = queries.find_stations(
        lat=q.lat,
        lng=q.lng,
        k=q.k,
        amenity=q.amenity or "",
        open_now=q.open_now,
        now=timezone.now(),
    )
    return [
        {
            "station": f.station,
            "distance_km": round(f.distance_km, 3),
            "open_now": f.is_open,
            "status": f.status,
        }
        for f in found
    ]


@router.get("", response=list[StationOut])
@paginate(LimitOffsetPagination)
def list_stations(request: Any, q: str = "", figure: str = "") -> Any:
    """Stations in the caller's scope (capability stations.view); `figure=active_stations`
    lists exactly the home page's 启用的服务驿站."""
    chosen_figure = chosen(queries.STATION_FIGURES, figure)
    base = (
        chosen_figure.rows(request.auth)
        if chosen_figure is not None
        else Station.objects.visible_to(request.auth)
    )
    qs = queries.with_schedule(base).select_related("region")
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


@router.get("/{station_id}", response=StationOut)
def get_station(request: Any, station_id: int) -> Station:
    return get_object_or_404(
        queries.with_schedule(Station.objects.visible_to(request.auth)).select_related("region"),
        pk=station_id,
    )
