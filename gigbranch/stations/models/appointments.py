"""Appointments with legal-aid and counselling providers: providers, slots, bookings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import NOTHING, ScopedQuerySet, ScopeSpec, scope_filter

# --- Appointments -------------------------------------------------------------------------


class ServiceKind(models.TextChoices):
    LEGAL_AID = "legal_aid", "法律援助"
    COUNSELLING = "counselling", "心理咨询"


class ProviderQuerySet(ScopedQuerySet["ServiceProvider"]):
    scope_spec = ScopeSpec(capability="appointments.manage", region_path="region__path")


class ServiceProvider(TimeStampedModel):
    name = models.CharField("服务机构", max_length=100)
    kind = models.CharField("服务类型", max_length=16, choices=ServiceKind.choices)
    region = models.ForeignKey(
        "organizations.Region", verbose_name="属地", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    description = models.TextField("服务说明", blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="服务人员账号", blank=True, related_name="providers"
    )
    is_active = models.BooleanField("启用", default=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = "服务机构"
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.name


class SlotQuerySet(models.QuerySet["Slot"]):
    def bookable(self, now: Any) -> SlotQuerySet:
        return self.filter(starts_at__gt=now, is_open=True, provider__is_active=True).exclude(
            bookings__status=BookingStatus.BOOKED
        )


class Slot(models.Model):
    provider = models.ForeignKey(ServiceProvider, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点/方式", max_length=100, blank=True)
    is_open = models.BooleanField("开放预约", default=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_order"
            ),
            models.UniqueConstraint(fields=["provider", "starts_at"], name="slot_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.starts_at:%Y-%m-%d %H:%M}"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    CANCELLED = "cancelled", "已取消"
    ATTENDED = "attended", "已服务"
    NO_SHOW = "no_show", "未到"


class BookingQuerySet(ScopedQuerySet["Booking"]):
    scope_spec = ScopeSpec(capability="appointments.manage", owner_worker="user_id")

    def visible_to(self, user: Any) -> BookingQuerySet:
        """Worker: own bookings. Provider staff: their provider's bookings. Managers:
        legal-aid bookings in their region. Counselling: provider and worker only."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.filter(NOTHING)
        if user.role == "worker":
            return self.filter(user_id=user.pk)
        from gigbranch.accounts.roles import has_capability

        q = NOTHING
        if has_capability(user, "appointments.provide"):
            q = Q(slot__provider__staff=user)
        managed = scope_filter(
            user,
            ScopeSpec(capability="appointments.manage", region_path="slot__provider__region__path"),
        )
        if managed != NOTHING:
            q |= managed & Q(slot__provider__kind=ServiceKind.LEGAL_AID)
        return self.filter(q).distinct()


class Booking(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(
        "状态", max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    topic = models.CharField("事项简述", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The database itself refuses a second live booking of a slot (issue 7).
            models.UniqueConstraint(
                fields=["slot"], condition=Q(status="booked"), name="booking_one_live_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.slot} {self.get_status_display()}"


class BookingEvent(models.Model):
    """Append-only history of booking status changes."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"
