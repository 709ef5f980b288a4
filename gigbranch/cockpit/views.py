"""The home page (the cockpit for staff), the big screen and the cockpit's map data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from gigbranch.accounts.roles import Role
from gigbranch.core.permissions import require_capability
from gigbranch.core.views import notices_for
from gigbranch.organizations import queries as org_queries

from . import queries

SCREEN_REFRESH_SECONDS = 180  # the big screen reloads its figures every three minutes


def _picture_context(request: HttpRequest) -> dict[str, Any]:
    within = org_queries.drill_region(request.user, request.GET.get("within"))
    picture = queries.picture(request.user, within)
    region = picture["region"]
    picture["charts"] = {
        "coverage": picture["coverage_rows"],
        "kinds": picture["coverage_kinds"],
        "appeals": picture["appeals"],
        "categories": picture["appeal_categories"],
        "hours": picture["station_hours"],
        "funnel": (picture["recruitment"] or {}).get("funnel"),
        "drill_url": reverse("home") + "?within=",
    }
    picture["mapdata"] = (
        {
            "url": reverse("cockpit:map") + f"?within={region.pk}",
            "center": [float(region.latitude), float(region.longitude)]
            if region.latitude is not None and region.longitude is not None
            else None,
            "tiles": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
        }
        if region is not None
        else None
    )
    return picture


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The home page: workers go to the portal, the three administrators to theirs, every
    other staff user sees the cockpit of their scope (with their to-do on top)."""
    user = request.user
    if not user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if user.role == Role.WORKER:
        return redirect("portal:home")
    if user.role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        return render(request, "core/admin_home.html", {"notices": notices_for(user)})
    context = _picture_context(request)
    context.update({"todo": queries.to_do_sections(user), "notices": notices_for(user)})
    return render(request, "cockpit/home.html", context)


@require_capability("console.view")
@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """大屏: the same picture at 1920×1080 for the command centre, refreshing itself."""
    context = _picture_context(request)
    context["refresh_seconds"] = SCREEN_REFRESH_SECONDS
    template = "cockpit/screen.html#panel" if request.htmx else "cockpit/screen.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_capability("console.view")
@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    """The cockpit map's layers (loaded by the page's script, the page itself stays light)."""
    within = org_queries.drill_region(request.user, request.GET.get("within"))
    region = queries.home_region(request.user, within)
    body = queries.map_layers(request.user, region) if region is not None else {}
    return JsonResponse(body, json_dumps_params={"separators": (",", ":"), "ensure_ascii": False})
