"""Writes for stations, check-ins, appointments and study (every one audited).

Appointments: `book_slot` relies on the partial unique index `booking_one_live_per_slot`
and a row lock on the slot, so two concurrent bookings of the last free slot give exactly
one booking on both SQLite and PostgreSQL (tests/test_booking_race.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from gigbranch.accounts.roles import Role, has_capability
from gigbranch.core import audit

from . import rules
from .models import (
    Amenity,
    Article,
    Booking,
    BookingEvent,
    BookingStatus,
    CheckIn,
    OpeningHours,
    ServiceProvider,
    Slot,
    Station,
    StationAmenity,
    StationClosure,
    StudyCompletion,
)

logger = logging.getLogger(__name__)

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
    if not has_capability(actor, "stations.manage"):
        raise PermissionDenied("您的角色无权维护服务站点。")
    if (
        station is not None
        and station.pk
        and not Station.objects.visible_to(actor).filter(pk=station.pk).exists()
    ):
        raise PermissionDenied("该站点不在您的管理范围内。")


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
    from .models import new_qr_token

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


# --- Appointments ---------------------------------------------------------------------------

BOOKING_TRANSITIONS: dict[str, set[str]] = {
    BookingStatus.BOOKED: {BookingStatus.CANCELLED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW},
    BookingStatus.CANCELLED: set(),
    BookingStatus.ATTENDED: set(),
    BookingStatus.NO_SHOW: set(),
}


def transition_booking(*, actor: Any, booking: Booking, to: str) -> Booking:
    """The one place a booking changes status (table BOOKING_TRANSITIONS)."""
    if to not in BOOKING_TRANSITIONS.get(booking.status, set()):
        raise ValidationError(
            f"预约状态不能从“{BookingStatus(booking.status).label}”变为“{BookingStatus(to).label}”。"
        )
    before = booking.status
    booking.status = to
    booking.save(update_fields=["status"])
    BookingEvent.objects.create(booking=booking, from_status=before, to_status=to, actor=actor)
    audit.record(actor=actor, action=f"booking.{to}", obj=booking, changes={"status": [before, to]})
    return booking


@transaction.atomic
def create_slots(
    *,
    actor: Any,
    provider: ServiceProvider,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    minutes: int = 60,
    place: str = "",
) -> list[Slot]:
    """Publish consecutive slots of `minutes` between start and end on `day`."""
    _check_provider_staff(actor, provider)
    if minutes < 10 or minutes > 240:
        raise ValidationError({"minutes": "每个时段应在10至240分钟之间。"})
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(day, start, tzinfo=tz)
    finish = dt.datetime.combine(day, end, tzinfo=tz)
    if finish <= begin:
        raise ValidationError({"end": "结束时间应晚于开始时间。"})
    if begin <= timezone.now():
        raise ValidationError({"day": "只能发布将来的时段。"})
    slots = []
    cursor = begin
    while cursor + dt.timedelta(minutes=minutes) <= finish:
        slot, created = Slot.objects.get_or_create(
            provider=provider,
            starts_at=cursor,
            defaults={"ends_at": cursor + dt.timedelta(minutes=minutes), "place": place},
        )
        if created:
            slots.append(slot)
        cursor += dt.timedelta(minutes=minutes)
    audit.record(
        actor=actor,
        action="slots.published",
        obj=provider,
        changes={"day": day, "count": len(slots)},
    )
    return slots


def _check_provider_staff(actor: Any, provider: ServiceProvider) -> None:
    if (
        has_capability(actor, "appointments.manage")
        and ServiceProvider.objects.visible_to(actor).filter(pk=provider.pk).exists()
    ):
        return
    if (
        has_capability(actor, "appointments.provide")
        and provider.staff.filter(pk=actor.pk).exists()
    ):
        return
    raise PermissionDenied("您不是该服务机构的工作人员。")


def book_slot(
    *, user: Any, slot_id: int, topic: str = "", now: dt.datetime | None = None
) -> Booking:
    """Book a free slot for a worker. Exactly one of concurrent bookings succeeds."""
    if getattr(user, "role", None) != Role.WORKER:
        raise PermissionDenied("仅劳动者本人可以预约。")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            slot = Slot.objects.select_for_update().select_related("provider").get(pk=slot_id)
            if not slot.is_open or not slot.provider.is_active:
                raise ValidationError("该时段未开放预约。")
            if slot.starts_at <= now:
                raise ValidationError("该时段已开始或已过去，请选择其他时段。")
            if Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED).exists():
                raise ValidationError("该时段已被预约，请选择其他时段。")
            if Booking.objects.filter(
                user=user,
                status=BookingStatus.BOOKED,
                slot__starts_at__lt=slot.ends_at,
                slot__ends_at__gt=slot.starts_at,
            ).exists():
                raise ValidationError("您在该时间已有其他预约。")
            booking = Booking.objects.create(slot=slot, user=user, topic=topic[:200])
            BookingEvent.objects.create(booking=booking, to_status=BookingStatus.BOOKED, actor=user)
            audit.record(
                actor=user,
                action="booking.booked",
                obj=booking,
                changes={"slot": slot.pk, "provider": slot.provider_id},
            )
    except IntegrityError as exc:
        raise ValidationError("该时段已被预约，请选择其他时段。") from exc
    except OperationalError as exc:  # SQLite: the other writer held the lock too long
        logger.warning("booking lock contention on slot %s: %s", slot_id, exc)
        raise ValidationError("该时段正在被预约，请稍后刷新再试。") from exc
    return booking


@transaction.atomic
def cancel_booking(*, actor: Any, booking: Booking) -> Booking:
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.user_id != getattr(actor, "pk", None):
        _check_provider_staff(actor, booking.slot.provider)
    return transition_booking(actor=actor, booking=booking, to=BookingStatus.CANCELLED)


@transaction.atomic
def record_outcome(*, actor: Any, booking: Booking, attended: bool) -> Booking:
    _check_provider_staff(actor, booking.slot.provider)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    return transition_booking(
        actor=actor,
        booking=booking,
        to=BookingStatus.ATTENDED if attended else BookingStatus.NO_SHOW,
    )


def send_reminders(*, now: dt.datetime | None = None, hours_ahead: int = 24) -> int:
    """SMS reminders for bookings starting within `hours_ahead` hours; idempotent."""
    from gigbranch.notifications.sms import send_sms

    now = now or timezone.now()
    due = Booking.objects.filter(
        status=BookingStatus.BOOKED,
        reminded_at__isnull=True,
        slot__starts_at__gt=now,
        slot__starts_at__lte=now + dt.timedelta(hours=hours_ahead),
    ).select_related("slot__provider", "user")
    sent = 0
    for booking in due:
        with transaction.atomic():
            claimed = Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            audit.record(actor=None, action="booking.reminded", obj=booking)
            mobile = booking.user.mobile
            start = timezone.localtime(booking.slot.starts_at)
            text = (
                f"【新就业群体服务】提醒：您预约的{booking.slot.provider.get_kind_display()}"
                f"（{booking.slot.provider.name}）将于{start:%m月%d日 %H:%M}开始，"
                f"地点：{booking.slot.place or booking.slot.provider.address or '见预约详情'}。"
            )
            if mobile:
                transaction.on_commit(functools.partial(send_sms, mobile=mobile, text=text))
            sent += 1
    return sent


# --- Study ----------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}


def sanitize_html(html: str) -> str:
    """Rich text through nh3 (ammonia): no scripts, styles, event handlers or iframes;
    links get rel=noopener; only http(s), mailto, tel and relative URLs."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def _check_study(actor: Any, article: Article | None = None) -> None:
    if not has_capability(actor, "study.manage"):
        raise PermissionDenied("您的角色无权维护学习资料。")
    if (
        article is not None
        and article.pk
        and not Article.objects.visible_to(actor).filter(pk=article.pk).exists()
    ):
        raise PermissionDenied("该资料不在您的管理范围内。")


@transaction.atomic
def save_article(*, actor: Any, article: Article | None = None, **fields: Any) -> Article:
    _check_study(actor, article)
    if "body" in fields:
        fields["body"] = sanitize_html(fields["body"])
    if "region" in fields:
        _check_region(actor, fields["region"])
    created = article is None
    article = article or Article()
    changes: dict[str, Any] = (
        {} if created else audit.diff(article, {k: v for k, v in fields.items() if k != "body"})
    )
    for name, value in fields.items():
        setattr(article, name, value)
    if article.is_published and article.published_at is None:
        article.published_at = timezone.now()
    article.full_clean()
    article.save()
    audit.record(
        actor=actor,
        action="article.created" if created else "article.updated",
        obj=article,
        changes=changes or {"title": article.title},
    )
    return article


def complete_article(*, user: Any, article: Article) -> tuple[StudyCompletion, bool]:
    """Mark an article read. Points are posted once through the people module's points
    service when it is available (members.services.post_points)."""
    if getattr(user, "role", None) != Role.WORKER:
        raise PermissionDenied("仅劳动者本人可以标记学习完成。")
    if not article.is_published:
        raise ValidationError("该资料未发布。")
    with transaction.atomic():
        completion, created = StudyCompletion.objects.get_or_create(article=article, user=user)
        if created:
            audit.record(actor=user, action="study.completed", obj=article)
            completion.points_posted = _post_points(
                user=user, article=article, completion=completion
            )
            if completion.points_posted:
                completion.save(update_fields=["points_posted"])
    return completion, created


def _post_points(*, user: Any, article: Article, completion: StudyCompletion) -> bool:
    """Post study points through the people module's ledger (idempotent per source key)."""
    from gigbranch.members import services as member_services

    post_points = getattr(member_services, "post_points", None)
    if post_points is None or user.worker_id is None or not article.points:
        return False
    try:
        with transaction.atomic():
            post_points(
                actor=user,
                person=user.worker,
                event_kind="study_completed",
                source_key=f"study:{article.pk}:worker:{user.worker_id}",
                points=article.points,
            )
    except (ValidationError, PermissionDenied) as exc:
        logger.info("study points not posted: %s", exc)
        return False
    return True
