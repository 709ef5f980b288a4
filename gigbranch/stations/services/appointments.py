"""Writes for appointments with legal-aid and counselling providers (every one audited).

`book_slot` relies on the partial unique index `booking_one_live_per_slot` and a row lock
on the slot, so two concurrent bookings of the last free slot give exactly one booking on
both SQLite and PostgreSQL (tests/test_booking_race.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from gigbranch.accounts.roles import Role, has_capability
from gigbranch.core import audit

from ..models import (
    Booking,
    BookingEvent,
    BookingStatus,
    ServiceProvider,
    Slot,
)

logger = logging.getLogger(__name__)


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
