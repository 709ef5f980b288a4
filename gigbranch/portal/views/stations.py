"""Portal service stations: list, map, a station, QR check-in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from gigbranch.accounts.roles import Role
from gigbranch.members import consent as consent_store
from gigbranch.members.models import ConsentPurpose
from gigbranch.organizations import coverage as org_coverage
from gigbranch.stations import queries as station_queries
from gigbranch.stations import services as station_services
from gigbranch.stations.models import (
    Amenity,
    Station,
)

from .base import _error_text, _me, portal_view

# --- Stations -------------------------------------------------------------------------------


def _float(value: str | None, lo: float, hi: float) -> float | None:
    try:
        f = float(value or "")
    except ValueError:
        return None
    return f if lo <= f <= hi else None


@portal_view
def stations(request: HttpRequest) -> HttpResponse:
    lat = _float(request.GET.get("lat"), -90, 90)
    lng = _float(request.GET.get("lng"), -180, 180)
    place = request.GET.get("place", "").strip()
    amenity = request.GET.get("amenity", "")
    amenity = amenity if amenity in Amenity.values else ""
    open_now = request.GET.get("open") == "1"
    where = ""
    error = ""
    if (lat is None or lng is None) and place:
        resolved = station_queries.resolve_place(place)
        if resolved is None:
            error = f"没有找到“{place}”，请换个地名，例如街道或乡镇名称。"
        else:
            lat, lng, where = resolved
    elif lat is not None and lng is not None:
        where = "您的位置"
    results = []
    if lat is not None and lng is not None:
        results = station_queries.find_stations(
            lat=lat, lng=lng, amenity=amenity, open_now=open_now, k=10
        )
    return render(
        request,
        "portal/stations.html",
        {
            "tab": "stations",
            "amenities": Amenity.choices,
            "amenity": amenity,
            "open_now": open_now,
            "place": place,
            "lat": lat,
            "lng": lng,
            "where": where,
            "results": results,
            "error": error,
            "searched": lat is not None,
        },
    )


@portal_view
def stations_map(request: HttpRequest) -> HttpResponse:
    lat = _float(request.GET.get("lat"), -90, 90)
    lng = _float(request.GET.get("lng"), -180, 180)
    amenity = request.GET.get("amenity", "")
    amenity = amenity if amenity in Amenity.values else ""
    data: dict[str, Any] = {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "stations": [],
    }
    if lat is not None and lng is not None:
        found = station_queries.find_stations(lat=lat, lng=lng, amenity=amenity, k=30)
        data["center"] = [lat, lng]
        data["stations"] = [
            {
                "name": f.station.name,
                "lat": f.station.latitude,
                "lng": f.station.longitude,
                "open": f.is_open,
                "status": f.status,
                "distance": f.distance_label,
                "url": reverse("portal:station", args=[f.station.pk]),
            }
            for f in found
        ]
        data["areas"] = org_coverage.public_areas(f.station.region_id for f in found)
    return render(
        request,
        "portal/stations_map.html",
        {
            "tab": "stations",
            "data": data,
            "lat": lat,
            "lng": lng,
            "amenity": amenity,
            "count": len(data["stations"]),
        },
    )


@portal_view
def station(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(
        station_queries.with_schedule(Station.objects.active()).select_related("region"), pk=pk
    )
    now_local = timezone.localtime().replace(tzinfo=None)
    sched = station_queries.schedules_for([obj], now_local)[obj.pk]
    counts = station_services.busy_hours(obj)
    return render(
        request,
        "portal/station.html",
        {
            "tab": "stations",
            "station": obj,
            "status": station_queries.rules.status_text(sched, now_local),
            "is_open": station_queries.rules.is_open(sched, now_local),
            "bars": list(zip(range(24), counts, station_queries.bar_classes(counts), strict=True)),
            "busy_total": sum(counts),
            "hour_now": now_local.hour,
            "closures": [c for c in obj.closures.all() if c.end_date >= now_local.date()],
        },
    )


def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The QR poster's link: confirm, then count the visit (POST; no JS needed)."""
    obj = get_object_or_404(Station.objects.active(), qr_token=token)
    user = _me(request)
    if not user.is_authenticated:
        messages.info(request, f"登录后即可在“{obj.name}”签到。")
        return redirect(f"{reverse('portal:login')}?next={request.get_full_path()}")
    if user.role != Role.WORKER:
        return render(request, "portal/checkin.html", {"station": obj, "staff": True})
    if not consent_store.is_granted(user, ConsentPurpose.BASIC):
        return redirect(f"{reverse('portal:consent')}?next={request.get_full_path()}")
    if request.method == "POST":
        try:
            _checkin, created = station_services.check_in(user=user, station=obj)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                f"签到成功，欢迎来到{obj.name}！"
                if created
                else "您刚刚已签到过，本次不重复计数。",
            )
        return redirect("portal:station", pk=obj.pk)
    return render(request, "portal/checkin.html", {"station": obj, "staff": False})
