"""Appeals (诉求): categories, routing rules, appeals and their events.

In-app notifications and the SMS outbox are the notifications app's (ADR 0049).

Appeal status changes go through `services.transition()` only, with the table in
`rules.TRANSITIONS`; every change appends an `AppealEvent` (never updated or deleted).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from gigbranch.core.fields import BlindIndexField, EncryptedTextField
from gigbranch.core.masking import mask_mobile
from gigbranch.core.models import AppendOnlyError
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec

from .rules import SATISFACTION_CHOICES, Priority, Status


class Channel(models.TextChoices):
    PORTAL = "portal", "服务门户"
    HOTLINE = "hotline", "热线电话"
    API = "api", "平台企业/系统接口"
    OPEN311 = "open311", "Open311接口"


class Category(models.Model):
    """An appeal category; also an Open311 service (service_code = code)."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    group = models.CharField("分组", max_length=40, blank=True)
    description = models.CharField("说明", max_length=200, blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    default_priority = models.CharField(
        "默认办理时限类别", max_length=12, choices=Priority.CHOICES, default=Priority.GENERAL
    )
    position = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "诉求类别"

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Category × region → department. Region null = any region of the county."""

    category = models.ForeignKey(
        Category, verbose_name="类别", on_delete=models.CASCADE, related_name="routing_rules"
    )
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name="承办部门",
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = "派单规则"
        constraints = [
            models.UniqueConstraint(fields=["category", "region"], name="appeal_route_unique"),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(region__isnull=True),
                name="appeal_route_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}→{self.department_id}"


class AppealQuerySet(ScopedQuerySet["Appeal"]):
    scope_spec = ScopeSpec(
        capability="appeals.view",
        region_path="region__path",
        org_path="workplace__organization__path",
        department="department_id",
        owner_worker="worker_id",
    )

    def open(self) -> AppealQuerySet:
        return self.filter(status__in=Status.OPEN)


class Appeal(models.Model):
    tracking_no = models.CharField("受理编号", max_length=20, unique=True)
    public_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(
        Category, verbose_name="类别", on_delete=models.PROTECT, related_name="appeals"
    )
    priority = models.CharField(
        "办理时限类别", max_length=12, choices=Priority.CHOICES, default=Priority.GENERAL
    )
    description = models.TextField("诉求内容", max_length=2000)
    status = models.CharField(
        "状态", max_length=12, choices=Status.CHOICES, default=Status.SUBMITTED, db_index=True
    )
    channel = models.CharField("来源渠道", max_length=10, choices=Channel.choices)
    worker = models.ForeignKey(
        "members.Worker",
        verbose_name="劳动者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    anonymous = models.BooleanField("匿名", default=False)
    contact_name = models.CharField("联系人", max_length=40, blank=True)
    contact_mobile = EncryptedTextField("回复手机号", context="mobile", blank=True, default="")
    contact_mobile_hash = BlindIndexField(
        source="contact_mobile", context="mobile", null=True, db_index=True
    )
    region = models.ForeignKey(
        "organizations.Region", verbose_name="属地", on_delete=models.PROTECT, related_name="+"
    )
    workplace = models.ForeignKey(
        "organizations.Workplace",
        verbose_name="企业/站点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField("地点", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name="承办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    idempotency_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, editable=False
    )
    open311_client = models.ForeignKey(
        "Open311Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    received_at = models.DateTimeField("收到时间", db_index=True)
    accept_due_at = models.DateTimeField("受理时限")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    clock_started_at = models.DateTimeField("答复计时起点")
    reply_due_at = models.DateTimeField("答复时限")
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    extension_used = models.BooleanField("已延期", default=False)
    return_used = models.BooleanField("已退回过", default=False)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    reply_text = models.TextField("答复内容", blank=True)
    resolved = models.BooleanField("是否解决", null=True, blank=True)
    satisfaction = models.CharField(
        "满意度", max_length=12, choices=SATISFACTION_CHOICES, blank=True
    )
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    unrated = models.BooleanField("逾期未评价", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "诉求"
        indexes = [
            models.Index(fields=["department", "received_at"]),
            models.Index(fields=["status", "reply_due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_no} {self.category.name}" if self.category_id else self.tracking_no

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.contact_mobile)

    @property
    def handler_label(self) -> str:
        if self.department_id:
            return self.department.name
        return f"{self.region.name}（属地兜底）"

    @property
    def is_open(self) -> bool:
        return self.status in Status.OPEN


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("appeal events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("appeal events are append-only")


class AppealEvent(models.Model):
    """One step in an appeal's history. Append-only."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField("时间", db_index=True)
    action = models.CharField("动作", max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField("操作方", max_length=80, blank=True)
    note = models.TextField("说明", blank=True)
    public_text = models.CharField("对劳动者显示", max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "诉求办理记录"

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("appeal events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("appeal events are append-only")

    @property
    def from_label(self) -> str:
        return dict(Status.CHOICES).get(self.from_status, "新建")

    @property
    def to_label(self) -> str:
        return dict(Status.CHOICES).get(self.to_status, "")


class Escalation(models.Model):
    """Warning or escalation raised by the SLA sweep. Unique per clock/phase/cycle → idempotent."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="escalations")
    clock = models.CharField(max_length=8, choices=[("accept", "受理时限"), ("reply", "答复时限")])
    phase = models.CharField(max_length=10, choices=[("warning", "预警"), ("breached", "超时督办")])
    cycle = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appeal", "clock", "phase", "cycle"], name="appeal_escalation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.clock} {self.phase}"


def photo_path(instance: AppealPhoto, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower()[:5]
    return f"appeals/{instance.appeal.public_token}/{uuid.uuid4().hex}.{ext}"


class AppealPhoto(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file.name


class Open311Client(models.Model):
    """An Open311 GeoReport v2 client; only the SHA-256 of its api_key is stored."""

    name = models.CharField("名称", max_length=80)
    key_prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class EventDelivery(models.Model):
    """Marks an event's notifications as delivered, so a retried job sends nothing twice."""

    event = models.OneToOneField(AppealEvent, on_delete=models.CASCADE, related_name="+")
    delivered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.event_id)


class ConfigVersion(models.Model):
    """One row whose token changes whenever intake configuration changes.

    Intake configuration = categories, routing rules, departments, regions and calendar
    overrides. Each process caches them (appeals/config.py) together with the token it read
    first, and reloads when the token in the database differs. Tokens are random, so a
    rolled-back change can never make a stale snapshot look current again.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "诉求配置版本"

    def __str__(self) -> str:
        return self.token
