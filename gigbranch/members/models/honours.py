"""Honours: model posts (党员示范岗) and vanguard teams (党员先锋队)."""

from __future__ import annotations

from typing import Any

from django.db import models

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopeSpec

from .dues import DuesQuerySet
from .people import PartyMember

# --- Honours -----------------------------------------------------------------------------


class HonourLevel(models.TextChoices):
    BRANCH = "branch", "支部"
    TOWNSHIP = "township", "乡镇（街道）"
    INDUSTRY = "industry", "行业党委"
    COUNTY = "county", "县级"
    CITY = "city", "市级及以上"


class ModelPost(TimeStampedModel):
    """党员示范岗."""

    post_name = models.CharField("岗位名称", max_length=60)
    standard = models.CharField("岗位标准", max_length=300)
    member = models.ForeignKey(
        PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="model_posts"
    )
    year = models.PositiveSmallIntegerField("年度")
    evaluation = models.CharField("评价", max_length=300, blank=True)
    level = models.CharField("级别", max_length=10, choices=HonourLevel.choices)

    objects = DuesQuerySet.as_manager()

    class Meta:
        verbose_name = "党员示范岗"
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return f"{self.year}年 {self.post_name}"


class VanguardTeamQuerySet(models.QuerySet["VanguardTeam"]):
    def visible_to(self, user: Any) -> VanguardTeamQuerySet:
        from gigbranch.core.scoping import scope_filter

        return self.filter(
            scope_filter(
                user,
                ScopeSpec(
                    capability="people.view",
                    org_path="workplace__organization__path",
                    region_path="workplace__region__path",
                ),
            )
        )


class VanguardTeam(TimeStampedModel):
    """党员先锋队."""

    name = models.CharField("名称", max_length=60)
    leader = models.ForeignKey(
        PartyMember, verbose_name="队长", on_delete=models.PROTECT, related_name="led_teams"
    )
    members = models.ManyToManyField(
        PartyMember, verbose_name="队员", related_name="vanguard_teams"
    )
    workplace = models.ForeignKey(
        "organizations.Workplace",
        verbose_name="企业/站点",
        on_delete=models.PROTECT,
        related_name="vanguard_teams",
    )
    year = models.PositiveSmallIntegerField("年度")

    objects = VanguardTeamQuerySet.as_manager()

    class Meta:
        verbose_name = "党员先锋队"
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return self.name
