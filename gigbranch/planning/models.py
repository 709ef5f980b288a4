"""Coverage planning (PLAN-1): saved proposals for where to put new branches or stations.

A proposal keeps what was asked (region, kind of site, k, radius, candidates, pinned and
excluded) and what was answered (the chosen sites, the workers each newly serves, the
coverage before and after, and the exact optimum when it was computed), so it can be
reopened, compared and exported without computing it again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec


class SiteKind(models.TextChoices):
    BRANCH = "branch", "党组织（支部）驻地"
    STATION = "station", "服务站点（驿站）"


class ProposalQuerySet(ScopedQuerySet["Proposal"]):
    scope_spec = ScopeSpec(capability="planning.view", region_path="region__path")


class Proposal(TimeStampedModel):
    name = models.CharField("方案名称", max_length=60)
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name="规划区域",
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField("站点类型", max_length=10, choices=SiteKind.choices)
    k = models.PositiveSmallIntegerField(
        "新增个数", validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    radius_km = models.FloatField(
        "服务半径（公里）", validators=[MinValueValidator(0.1), MaxValueValidator(20)]
    )
    # What was asked: [{key, name, lat, lng, source}], and the pinned/excluded keys.
    candidates = models.JSONField("候选点", default=list)
    pinned = models.JSONField("必选", default=list)
    excluded = models.JSONField("排除", default=list)
    # What was answered (planner.propose's dict): chosen sites, figures, exact optimum.
    result = models.JSONField("结果", default=dict)
    workers_total = models.PositiveIntegerField("需求总人数", default=0)
    workers_before = models.PositiveIntegerField("现有覆盖人数", default=0)
    workers_after = models.PositiveIntegerField("方案覆盖人数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "选址方案"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(workers_before__lte=models.F("workers_after"))
                & models.Q(workers_after__lte=models.F("workers_total")),
                name="planning_proposal_figures_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def rate_before(self) -> float | None:
        return self._rate(self.workers_before, self.workers_total)

    @property
    def rate_after(self) -> float | None:
        return self._rate(self.workers_after, self.workers_total)
