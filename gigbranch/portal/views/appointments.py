"""Portal appointments with legal-aid and counselling providers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.stations import services as station_services
from gigbranch.stations.models import (
    Booking,
    ServiceKind,
    ServiceProvider,
    Slot,
)

from .base import _error_text, portal_view

# --- Appointments ---------------------------------------------------------------------------


@portal_view
def service_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    providers = ServiceProvider.objects.filter(is_active=True)
    if kind in ServiceKind.values:
        providers = providers.filter(kind=kind)
    now = timezone.now()
    free = {p: Slot.objects.bookable(now).filter(provider=p).count() for p in providers}
    return render(
        request,
        "portal/services.html",
        {
            "tab": "services",
            "providers": list(free.items()),
            "kind": kind,
            "kinds": ServiceKind.choices,
        },
    )


BOOKING_WINDOW_DAYS = 30  # slots offered up to this many days ahead
WEEKDAYS = "一二三四五六日"


def _booking_days(provider: ServiceProvider, now: dt.datetime) -> list[dict[str, Any]]:
    """The local days (Asia/Shanghai) in the booking window that have a free slot, with
    the number of free slots on each: one query over the start times only."""
    counts: dict[dt.date, int] = {}
    starts = (
        Slot.objects.bookable(now)
        .filter(provider=provider, starts_at__lt=now + dt.timedelta(days=BOOKING_WINDOW_DAYS))
        .values_list("starts_at", flat=True)
    )
    for starts_at in starts:
        day = timezone.localtime(starts_at).date()
        counts[day] = counts.get(day, 0) + 1
    return [
        {"date": day, "weekday": f"周{WEEKDAYS[day.weekday()]}", "free": counts[day]}
        for day in sorted(counts)
    ]


def _day_slots(provider: ServiceProvider, now: dt.datetime, day: dt.date) -> list[Slot]:
    """The free slots of one local day, in order."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return list(
        Slot.objects.bookable(now).filter(
            provider=provider, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
    )


def _parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@portal_view
def provider(request: HttpRequest, pk: int) -> HttpResponse:
    """Book an appointment in two steps that work as plain links and a plain form: pick a
    day among those with free slots (`?day=YYYY-MM-DD`), then one of that day's slots."""
    obj = get_object_or_404(ServiceProvider.objects.filter(is_active=True), pk=pk)
    now = timezone.now()
    if request.method == "POST":
        back = reverse("portal:provider", args=[obj.pk])
        day_param = _parse_day(request.POST.get("day", ""))
        if day_param is not None:
            back += f"?day={day_param.isoformat()}"
        slot_value = request.POST.get("slot", "")
        if not slot_value.isdigit():
            messages.error(request, "请先选择一个时段。")
            return redirect(back)
        try:
            booking = station_services.book_slot(
                user=request.user, slot_id=int(slot_value), topic=request.POST.get("topic", "")
            )
        except Slot.DoesNotExist:
            messages.error(request, "该时段不存在，请刷新后重试。")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            start = timezone.localtime(booking.slot.starts_at)
            messages.success(
                request, f"预约成功：{start:%m月%d日 %H:%M}，{obj.name}。开始前一天会短信提醒您。"
            )
            return redirect("portal:me")
        return redirect(back)
    days = _booking_days(obj, now)
    free_days = {d["date"] for d in days}
    asked = request.GET.get("day", "")
    day = _parse_day(asked)
    day_note = ""
    if asked and day not in free_days:
        day_note = "所选日期没有可预约的时段，已为您显示最近一天。" if days else ""
        day = None
    if day is None and days:
        day = days[0]["date"]
    slots = _day_slots(obj, now, day) if day is not None else []
    return render(
        request,
        "portal/provider.html",
        {
            "tab": "services",
            "provider": obj,
            "days": days,
            "day": day,
            "day_note": day_note,
            "slots": slots,
            "places": sorted({s.place for s in slots if s.place}),
            "window_days": BOOKING_WINDOW_DAYS,
        },
    )


@portal_view
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.visible_to(request.user), pk=pk)
    try:
        station_services.cancel_booking(actor=request.user, booking=booking)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "预约已取消。")
    return redirect("portal:me")
