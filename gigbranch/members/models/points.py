"""Points (积分) and their rules (BURDEN-2: never ranked, never in any assessment)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec

from .people import Worker

# --- Points (BURDEN-2: never ranked, never in any assessment) ----------------------------


class PointEventKind(models.TextChoices):
    STUDY_COMPLETED = "study_completed", "完成学习专题"
    ACTIVITY_ATTENDED = "activity_attended", "参加活动"
    VOLUNTEER_SERVICE = "volunteer_service", "志愿服务"
    ORGLIFE_ATTENDED = "orglife_attended", "参加组织生活"
    MODEL_POST = "model_post", "获评党员示范岗"
    HELPED_OTHERS = "helped_others", "帮扶互助"


class PointPeriod(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


class PointRuleQuerySet(models.QuerySet["PointRule"]):
    """Which rules a user reads and which they may set, decided here and nowhere else.

    A rule applies to a region's subtree, so the rules that matter to a user are those of
    their home region (their scope's region, or their organisation's), its subtree and
    its ancestors (inherited rules). Only the holder of `points.rules` sets rules, and only
    in the regions they may look at (a region scope's subtree)."""

    def applying_to(self, user: Any) -> PointRuleQuerySet:
        from gigbranch.accounts.roles import has_capability
        from gigbranch.organizations.models import PATH_STEP, Region

        home = Region.objects.home_of(user) if has_capability(user, "people.view") else None
        if home is None:
            return self.none()
        path = home.path
        ancestors = [path[:end] for end in range(PATH_STEP, len(path), PATH_STEP)]
        return self.filter(Q(region__path__startswith=path) | Q(region__path__in=ancestors))

    def editable_by(self, user: Any) -> PointRuleQuerySet:
        return self.filter(region__in=editable_regions(user))


def editable_regions(user: Any) -> Any:
    """The regions in which `user` may set point rules (action `members.point_rule.set`)."""
    from gigbranch.accounts.roles import has_capability
    from gigbranch.organizations.models import Region

    if not has_capability(user, "points.rules"):
        return Region.objects.none()
    return Region.objects.visible_to(user).order_by("path")


class PointRule(TimeStampedModel):
    """Points for an event kind in a jurisdiction (a region subtree); the most specific
    region wins. `cap` limits the points of this kind per person per period."""

    region = models.ForeignKey(
        "organizations.Region", verbose_name="适用区域", on_delete=models.PROTECT, related_name="+"
    )
    event_kind = models.CharField("事项", max_length=24, choices=PointEventKind.choices)
    points = models.PositiveSmallIntegerField("积分")
    cap = models.PositiveIntegerField("每周期上限", null=True, blank=True)
    period = models.CharField(
        "周期", max_length=8, choices=PointPeriod.choices, default=PointPeriod.MONTH
    )
    active = models.BooleanField("启用", default=True)

    objects = PointRuleQuerySet.as_manager()

    class Meta:
        verbose_name = "积分规则"
        constraints = [
            models.UniqueConstraint(fields=["region", "event_kind"], name="point_rule_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_event_kind_display()} {self.points}分"


class PointEntryQuerySet(ScopedQuerySet["PointEntry"]):
    scope_spec = ScopeSpec(
        capability="people.view",
        org_path="worker__party_member__organization__path",
        region_path="worker__region__path",
        owner_worker="worker_id",
    )


class PointEntry(models.Model):
    """One line of a person's points ledger. `source_key` makes posting idempotent."""

    worker = models.ForeignKey(
        Worker, verbose_name="人员", on_delete=models.PROTECT, related_name="point_entries"
    )
    event_kind = models.CharField("事项", max_length=24, choices=PointEventKind.choices)
    source_key = models.CharField("来源", max_length=120, unique=True)
    requested_points = models.PositiveSmallIntegerField("应记积分")
    points = models.PositiveSmallIntegerField("实记积分")
    rule = models.ForeignKey(
        PointRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("说明", max_length=120, blank=True)
    occurred_at = models.DateTimeField("时间")

    objects = PointEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "积分记录"
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_event_kind_display()} {self.points}分"
