"""Service stations (驿站): amenities, opening hours, closures, photos and check-ins."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec

from .. import rules


class StationKind(models.TextChoices):
    PARTY_SERVICE = "party_service", "党群服务站"
    UNION_OUTDOOR = "union_outdoor", "工会户外劳动者服务站点"
    WARM_HEART = "warm_heart", "暖心驿站"
    LOVE = "love", "爱心驿站"
    RIDER_HOME = "rider_home", "骑手之家"
    OTHER = "other", "其他服务站点"


class Amenity(models.TextChoices):
    WATER = "water", "饮水"
    MICROWAVE = "microwave", "热饭/微波炉"
    CHARGING = "charging", "充电"
    TOILET = "toilet", "卫生间"
    SEATING = "seating", "休息座椅"
    AIR_CONDITIONING = "air_conditioning", "空调"
    FIRST_AID = "first_aid", "药箱"
    WIFI = "wifi", "Wi-Fi"
    REPAIR = "repair", "应急维修"
    BOOKS = "books", "书报阅读"
    UMBRELLA = "umbrella", "爱心雨伞"


def new_qr_token() -> str:
    return secrets.token_urlsafe(12)


class StationQuerySet(ScopedQuerySet["Station"]):
    scope_spec = ScopeSpec(
        capability="stations.view", org_path="organization__path", region_path="region__path"
    )

    def active(self) -> StationQuerySet:
        return self.filter(is_active=True)

    def with_amenity(self, code: str) -> StationQuerySet:
        return self.filter(amenities__code=code)


class Station(TimeStampedModel):
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=StationKind.choices)
    address = models.CharField("地址", max_length=200)
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name="属地",
        on_delete=models.PROTECT,
        related_name="stations",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="指导党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stations",
    )
    operator = models.CharField("运营单位", max_length=100, blank=True)
    contact_name = models.CharField("联系人", max_length=30, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    latitude = models.FloatField("纬度")
    longitude = models.FloatField("经度")
    always_open = models.BooleanField("24小时开放", default=False)
    closed_on_holidays = models.BooleanField("法定节假日闭站", default=False)
    hours_note = models.CharField("开放时间说明", max_length=100, blank=True)
    description = models.TextField("简介", blank=True)
    qr_token = models.CharField(max_length=24, unique=True, default=new_qr_token, editable=False)
    external_code = models.CharField("站点编码", max_length=40, blank=True, db_index=True)
    is_active = models.BooleanField("启用", default=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = "服务站点"
        ordering = ["id"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="station_lat_lng")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="station_coordinates_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def schedule(self, holidays: frozenset[Any] = frozenset()) -> rules.Schedule:
        """Pure schedule from prefetched rows (prefetch `hours` and `closures`)."""
        return rules.Schedule(
            periods=tuple(rules.Period(h.weekday, h.opens, h.closes) for h in self.hours.all()),
            always_open=self.always_open,
            closed_on_holidays=self.closed_on_holidays,
            closures=tuple((c.start_date, c.end_date) for c in self.closures.all()),
            holidays=holidays,
        )

    @property
    def amenity_codes(self) -> list[str]:
        return [a.code for a in self.amenities.all()]

    @property
    def amenity_labels(self) -> list[str]:
        labels = dict(Amenity.choices)
        return [labels.get(a.code, a.code) for a in self.amenities.all()]

    @property
    def coordinates_label(self) -> str:
        """Latitude, longitude as a rider can type them into a map app (6 decimals, ~0.1 m)."""
        return f"{self.latitude:.6f}, {self.longitude:.6f}"

    @property
    def geo_uri(self) -> str:
        """RFC 5870 `geo:` URI: opens the phone's own map app at the station to navigate."""
        return f"geo:{self.latitude:.6f},{self.longitude:.6f}"

    @property
    def hours_label(self) -> str:
        return rules.hours_label(
            self.always_open, [rules.Period(h.weekday, h.opens, h.closes) for h in self.hours.all()]
        )


class StationAmenity(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="amenities")
    code = models.CharField("设施", max_length=20, choices=Amenity.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["station", "code"], name="station_amenity_once")
        ]
        indexes = [models.Index(fields=["code", "station"], name="station_amenity_code")]

    def __str__(self) -> str:
        return self.get_code_display()


class OpeningHours(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField("星期", choices=list(enumerate(rules.WEEKDAYS)))
    opens = models.TimeField("开门")
    closes = models.TimeField("关门（早于开门表示次日）")

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday")
        ]

    def __str__(self) -> str:
        return rules.Period(self.weekday, self.opens, self.closes).label()


class StationClosure(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField("闭站开始")
    end_date = models.DateField("闭站结束")
    reason = models.CharField("原因", max_length=100, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="closure_dates_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start_date}–{self.end_date} {self.reason}"


class StationPhoto(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("照片", upload_to="stations/%Y/")
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.caption or self.image.name


class CheckIn(models.Model):
    """A worker's visit recorded by opening the station's QR link (not for officials)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="checkins")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    local_hour = models.PositiveSmallIntegerField()  # 0–23, Asia/Shanghai, for busy hours

    class Meta:
        indexes = [models.Index(fields=["station", "created_at"], name="checkin_station_time")]

    def __str__(self) -> str:
        return f"{self.station_id} @ {self.created_at:%Y-%m-%d %H:%M}"
