"""Consent answers, one store for staff and portal (ADR 0026)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .people import Worker


class ConsentPurpose(models.TextChoices):
    BASIC = "basic", "个人信息处理（基本服务所需，含身份证号、手机号等）"
    POLITICAL_STATUS = "political_status", "政治面貌（敏感个人信息，单独同意）"
    CONTACT = "contact", "接收服务通知"


class ConsentRecord(models.Model):
    """PIPL consent (个人信息保护法 arts. 14, 28–29), the one store (ADR 0026).

    Append-only: every grant or withdrawal is a new row and the latest row per subject and
    purpose is the current state. The subject is the worker; an answer given on the portal
    by an account not yet matched to a roster worker is kept by `account` alone, and gets
    `worker` filled in when the account is linked (`consent.attach_account_records`).
    Read and write only through `gigbranch.members.consent`.
    """

    worker = models.ForeignKey(
        Worker,
        verbose_name="劳动者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
    )
    account = models.ForeignKey(
        "accounts.User",
        verbose_name="门户账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.CharField("事项", max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField("同意")
    method = models.CharField("方式", max_length=40)  # 书面签字, 平台代收, 门户勾选
    version = models.CharField("告知文本版本", max_length=10, blank=True, default="")
    recorded_at = models.DateTimeField("记录时间", default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "个人信息处理同意记录"
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["worker", "purpose", "recorded_at"], name="consent_worker_latest"),
            models.Index(
                fields=["account", "purpose", "recorded_at"], name="consent_account_latest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(worker__isnull=False) | models.Q(account__isnull=False),
                name="consent_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}：{'同意' if self.granted else '不同意/撤回'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError("同意记录只能新增，不能修改；撤回请新增一条记录。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError("同意记录不能删除。")
