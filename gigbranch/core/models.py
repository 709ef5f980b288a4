from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[AuditEvent]:
        """One by one: each event takes its place in its day's hash chain."""
        objs = list(objs)
        with transaction.atomic(using=self.db):
            for obj in objs:
                obj.save(force_insert=True, using=self.db)
        return objs


class AuditEvent(models.Model):
    """Append-only record of a write or a sensitive read (DESIGN §2, issue: audit log).

    Written by services in the same transaction as the change. No code path updates or
    deletes a row; triggers refuse it at the database too (PostgreSQL and SQLite, ADR 0046).
    Each row carries a keyed hash (HMAC-SHA256) chained to the previous row of its local
    day (core/auditchain.py), so an altered, removed or inserted row is found by
    `manage.py audit_verify`.

    A later migration that alters this table on SQLite rebuilds it and loses the triggers:
    recreate them in that migration (test_audit_chain checks they exist).
    """

    # Set when the event is built (not auto_now_add, which would overwrite it at save):
    # the hash covers this exact value.
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField("账号", max_length=150, blank=True)
    actor_role = models.CharField("角色", max_length=32, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    # The hash chain (ADR 0046): local day, position in it, key id and HMAC-SHA256 (hex).
    # Empty on rows written before the chain existed.
    chain_day = models.DateField("链日期", null=True, blank=True)
    chain_seq = models.PositiveBigIntegerField("链序号", null=True, blank=True)
    chain_key = models.CharField("密钥编号", max_length=16, blank=True, default="")
    chain_hash = models.CharField("哈希", max_length=64, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "审计事件"
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["chain_day", "chain_seq"], name="audit_chain_position")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        # The chain (core/auditchain.py) is handed to the model when the app is ready, so
        # the models module does not import the module that imports it.
        auditchain = apps.get_app_config("core").audit_chain  # type: ignore[attr-defined]
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # No savepoint: a failure here must fail the caller's whole transaction (a change
        # never commits without its audit event).
        with transaction.atomic(using=using, savepoint=False):
            head = auditchain.seal(self, using=using)  # locks the day's chain head
            super().save(*args, **kwargs)
            auditchain.advance(head, self, using=using)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are append-only")

    @property
    def role_label(self) -> str:
        from gigbranch.accounts.roles import Role

        return str(dict(Role.choices).get(self.actor_role, self.actor_role))

    @property
    def changes_text(self) -> str:
        import json

        return json.dumps(self.changes, ensure_ascii=False) if self.changes else ""


class AuditChain(models.Model):
    """The head of one local day's audit hash chain: its last position and hash.

    Writers lock this row (SELECT ... FOR UPDATE) to take the next position, so concurrent
    transactions append one after another; `head_mac` binds the head to the key, so a
    removed tail cannot be hidden by rewriting the head without the key."""

    day = models.DateField("日期", unique=True)
    last_seq = models.PositiveBigIntegerField("末条序号", default=0)
    last_hash = models.CharField("末条哈希", max_length=64, blank=True, default="")
    head_key = models.CharField("密钥编号", max_length=16, blank=True, default="")
    head_mac = models.CharField("链头校验值", max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-day"]
        verbose_name = "审计哈希链"

    def __str__(self) -> str:
        return f"{self.day} #{self.last_seq}"


class AuditDayCheck(models.Model):
    """The latest verification of one day's audit chain (periodic job, ADR 0046)."""

    day = models.DateField("日期", unique=True)
    checked_at = models.DateTimeField("验证时间")
    ok = models.BooleanField("完整")
    rows = models.PositiveIntegerField("记录数", default=0)
    event_id = models.BigIntegerField("首个问题记录", null=True, blank=True)
    problem = models.CharField("问题", max_length=300, blank=True, default="")
    broken_since = models.DateTimeField("首次发现问题", null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = "审计链验证"

    def __str__(self) -> str:
        return f"{self.day} {'完整' if self.ok else '异常'}"


class CalendarYear(models.Model):
    """A year whose holidays and make-up days an administrator has loaded (APL-3)."""

    year = models.PositiveIntegerField("年份", unique=True)
    note = models.CharField("依据", max_length=200, blank=True)
    loaded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年日历"


class CalendarDay(models.Model):
    """An override of the national calendar: a holiday or a make-up working day."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日")
    name = models.CharField("说明", max_length=50, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


class WorkerHeartbeat(models.Model):
    """Written by the background worker when it runs the heartbeat task (/healthz)."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at}"


class PeriodicRun(models.Model):
    """One row per (job, time slot): makes periodic enqueueing idempotent across schedulers."""

    job = models.CharField(max_length=100)
    slot = models.CharField(max_length=40)
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_once")]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot}"


class SystemNotice(models.Model):
    """A console warning raised by a sweep (e.g. next year's calendar is missing)."""

    key = models.CharField(max_length=100, unique=True)
    level = models.CharField(max_length=10, default="warning")
    message = models.CharField(max_length=300)
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.message


class FindingQuerySet(models.QuerySet["Finding"]):
    def open(self) -> FindingQuerySet:
        return self.filter(resolved_at__isnull=True)

    def visible_to(self, user: Any) -> FindingQuerySet:
        from .scoping import ScopeSpec, scope_filter

        return self.filter(
            scope_filter(
                user,
                ScopeSpec(
                    capability="org.view", org_path="organization__path", region_path="region__path"
                ),
            )
        )


class Finding(models.Model):
    """One rule-check result about one object (see core/findings.py)."""

    rule_id = models.CharField("规则编号", max_length=20, db_index=True)
    severity = models.CharField("严重程度", max_length=10)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象编号", max_length=64)
    object_label = models.CharField("对象", max_length=200)
    summary = models.CharField("问题", max_length=300)
    advice = models.CharField("处理建议", max_length=300)
    facts = models.JSONField("依据数据", default=dict)
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name="属地",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_seen_at = models.DateTimeField("首次发现")
    last_seen_at = models.DateTimeField("最近确认")
    resolved_at = models.DateTimeField("已消除", null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["rule_id", "-first_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_id", "object_type", "object_id"], name="finding_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.object_label}"
