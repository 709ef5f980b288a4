"""Writes for service stations and check-ins (every one audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.accounts.roles import Role
from gigbranch.core import audit
from gigbranch.core.permissions import check_manage

from .. import rules
from ..models import (
    Amenity,
    CheckIn,
    OpeningHours,
    Station,
    StationAmenity,
    StationClosure,
)

CHECKIN_DEDUP_MINUTES = 30
STATION_FIELDS = {
    "name",
    "kind",
    "address",
    "region",
    "organization",
    "operator",
    "contact_name",
    "contact_phone",
    "latitude",
    "longitude",
    "always_open",
    "closed_on_holidays",
    "hours_note",
    "description",
    "external_code",
    "is_active",
}


# --- Holidays ------------------------------------------------------------------------------


def holidays_between(start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """Statutory holidays (national calendar + administrator overrides) in [start, end]."""
    import chinese_calendar

    from gigbranch.core.models import CalendarDay

    overrides = dict(
        CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list(
            "date", "is_working_day"
        )
    )
    out = set()
    day = start
    while day <= end:
        if day in overrides:
            if not overrides[day]:
                out.add(day)
        else:
            try:
                is_holiday, name = chinese_calendar.get_holiday_detail(day)
            except NotImplementedError:
                is_holiday, name = False, None
            if is_holiday and name is not None:
                out.add(day)
        day += dt.timedelta(days=1)
    return frozenset(out)


# --- Stations -------------------------------------------------------------------------------


def _check_manage(actor: Any, station: Station | None = None) -> None:
    check_manage(
        actor,
        "stations.manage",
        "您的角色无权维护服务站点。",
        (Station.objects.visible_to(actor), station, "该站点不在您的管理范围内。"),
    )


def _check_region(actor: Any, region: Any) -> None:
    from gigbranch.organizations.models import Region

    if getattr(actor, "scope_region_id", None) is not None and (
        region is None or not Region.objects.visible_to(actor).filter(pk=region.pk).exists()
    ):
        raise ValidationError({"region": "属地不在您的管理范围内。"})


def _set_amenities(station: Station, codes: Iterable[str]) -> None:
    codes = sorted(set(codes))
    unknown = [c for c in codes if c not in Amenity.values]
    if unknown:
        raise ValidationError({"amenities": f"未知的设施：{'、'.join(unknown)}"})
    station.amenities.exclude(code__in=codes).delete()
    have = set(station.amenities.values_list("code", flat=True))
    StationAmenity.objects.bulk_create(
        [StationAmenity(station=station, code=c) for c in codes if c not in have]
    )


def _set_hours(station: Station, periods: Iterable[rules.Period]) -> None:
    station.hours.all().delete()
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(station=station, weekday=p.weekday, opens=p.opens, closes=p.closes)
            for p in periods
        ]
    )


def _apply_hours_text(station: Station, hours: str | None) -> None:
    if hours is None:
        return
    try:
        always_open, periods = rules.parse_hours(hours)
    except ValueError as exc:
        raise ValidationError({"hours": str(exc)}) from exc
    station.always_open = always_open
    station.save(update_fields=["always_open"])
    _set_hours(station, periods)


@transaction.atomic
def create_station(
    *, actor: Any, amenities: Iterable[str] = (), hours: str | None = None, **fields: Any
) -> Station:
    _check_manage(actor)
    unknown = set(fields) - STATION_FIELDS
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    _check_region(actor, fields.get("region"))
    station = Station(**fields)
    station.full_clean(exclude=["qr_token"])
    station.save()
    _set_amenities(station, amenities)
    _apply_hours_text(station, hours)
    audit.record(
        actor=actor,
        action="station.created",
        obj=station,
        changes={"name": station.name, "amenities": sorted(amenities)},
    )
    return station


@transaction.atomic
def update_station(
    *,
    actor: Any,
    station: Station,
    amenities: Iterable[str] | None = None,
    hours: str | None = None,
    **fields: Any,
) -> Station:
    _check_manage(actor, station)
    unknown = set(fields) - STATION_FIELDS
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    if "region" in fields:
        _check_region(actor, fields["region"])
    station = Station.objects.select_for_update().get(pk=station.pk)
    changes: dict[str, Any] = audit.diff(station, fields)
    for name, value in fields.items():
        setattr(station, name, value)
    station.full_clean(exclude=["qr_token"])
    station.save()
    if amenities is not None:
        before = sorted(station.amenities.values_list("code", flat=True))
        _set_amenities(station, amenities)
        if before != sorted(set(amenities)):
            changes["amenities"] = [before, sorted(set(amenities))]
    if hours is not None:
        _apply_hours_text(station, hours)
        changes["hours"] = hours
    audit.record(actor=actor, action="station.updated", obj=station, changes=changes)
    return station


@transaction.atomic
def add_closure(
    *, actor: Any, station: Station, start_date: dt.date, end_date: dt.date, reason: str = ""
) -> StationClosure:
    _check_manage(actor, station)
    if end_date < start_date:
        raise ValidationError({"end_date": "闭站结束日期不能早于开始日期。"})
    closure = StationClosure.objects.create(
        station=station, start_date=start_date, end_date=end_date, reason=reason
    )
    audit.record(
        actor=actor,
        action="station.closure_added",
        obj=station,
        changes={"start": start_date, "end": end_date, "reason": reason},
    )
    return closure


@transaction.atomic
def remove_closure(*, actor: Any, closure: StationClosure) -> None:
    _check_manage(actor, closure.station)
    audit.record(
        actor=actor,
        action="station.closure_removed",
        obj=closure.station,
        changes={"start": closure.start_date, "end": closure.end_date},
    )
    closure.delete()


@transaction.atomic
def regenerate_qr(*, actor: Any, station: Station) -> Station:
    """Invalidate a leaked or defaced poster: the old QR link stops working."""
    from ..models import new_qr_token

    _check_manage(actor, station)
    station.qr_token = new_qr_token()
    station.save(update_fields=["qr_token"])
    audit.record(actor=actor, action="station.qr_regenerated", obj=station)
    return station


# --- Check-ins ------------------------------------------------------------------------------


def check_in(
    *, user: Any, station: Station, now: dt.datetime | None = None
) -> tuple[CheckIn, bool]:
    """Count a worker's visit. Returns (check-in, created). Officials cannot check in
    (BURDEN-2); a repeat within CHECKIN_DEDUP_MINUTES is the same visit."""
    if getattr(user, "role", None) != Role.WORKER:
        raise PermissionDenied("签到仅供劳动者使用；工作人员无需签到（BURDEN-2）。")
    if not station.is_active:
        raise ValidationError("该站点已停用。")
    now = now or timezone.now()
    with transaction.atomic():
        recent = (
            CheckIn.objects.filter(
                station=station,
                user=user,
                created_at__gt=now - dt.timedelta(minutes=CHECKIN_DEDUP_MINUTES),
            )
            .order_by("-created_at")
            .first()
        )
        if recent is not None:
            return recent, False
        checkin = CheckIn.objects.create(
            station=station, user=user, created_at=now, local_hour=timezone.localtime(now).hour
        )
        audit.record(actor=user, action="station.checked_in", obj=station)
    return checkin, True


def busy_hours(station: Station, *, days: int = 28, now: dt.datetime | None = None) -> list[int]:
    """Check-ins per hour of day (0–23) over the last `days` days."""
    from django.db.models import Count

    now = now or timezone.now()
    counts = [0] * 24
    rows = (
        CheckIn.objects.filter(station=station, created_at__gte=now - dt.timedelta(days=days))
        .values("local_hour")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["local_hour"]] = row["n"]
    return counts
