"""The cockpit reads only. Its one table says which regions a higher-level system (a city
or province platform, through its API account) may pull the county's statistics for."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StatsGrant(models.Model):
    """An API account of a higher-level system may read upward statistics (BURDEN-5) for
    `region` and every region below it, until revoked. The statistics are aggregates only;
    the account gets no list, name or personal record through a grant."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接口账号",
        on_delete=models.PROTECT,
        related_name="stats_grants",
    )
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name="可读取的区域",
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "统计数据读取授权"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=models.Q(revoked_at__isnull=True),
                name="stats_grant_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.region}"
