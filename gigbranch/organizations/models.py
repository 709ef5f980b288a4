"""The 1+X+N organisation network, regions (属地) and workplaces (DESIGN §1, ORG-*).

Trees use a materialised path: each node's `path` is its ancestors' ids and its own id,
zero-padded and dot-terminated ("000001.000007."), so a subtree is one indexed
`path LIKE 'prefix%'` query on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.db import models

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec
from gigbranch.core.validators import validate_uscc

PATH_STEP = 7  # six digits and a dot


def path_segment(pk: int) -> str:
    return f"{pk:06d}."


class RegionLevel(models.TextChoices):
    COUNTY = "county", "县（市、区）"
    TOWNSHIP = "township", "乡镇"
    STREET = "street", "街道"
    CITY = "city", "市"
    PROVINCE = "province", "省"


class RegionQuerySet(ScopedQuerySet["Region"]):
    scope_spec = ScopeSpec(capability="org.view", region_path="path")

    def subtree(self, node: Region) -> RegionQuerySet:
        return self.filter(path__startswith=node.path)


class Region(models.Model):
    name = models.CharField("名称", max_length=60)
    code = models.CharField("行政区划代码", max_length=12, unique=True)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = "行政区域"

    def __str__(self) -> str:
        return self.name


class OrgKind(models.TextChoices):
    ORG_DEPARTMENT = "org_department", "组织部（两新工委）"
    INDUSTRY_COMMITTEE = "industry_committee", "行业党委"
    TOWNSHIP_COMMITTEE = "township_committee", "乡镇党委"
    STREET_COMMITTEE = "street_committee", "街道党工委"
    ALLIANCE = "alliance", "区域党建联盟"
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"
    MOBILE_BRANCH = "mobile_branch", "流动党员党支部"
    PARTY_GROUP = "party_group", "党小组"


BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.MOBILE_BRANCH)


class SetupMethod(models.TextChoices):
    STANDALONE = "standalone", "单独组建"
    JOINT = "joint", "联合组建"
    ATTACHED = "attached", "挂靠组建"


class OrganizationQuerySet(ScopedQuerySet["Organization"]):
    scope_spec = ScopeSpec(capability="org.view", org_path="path", region_path="region__path")

    def subtree(self, node: Organization) -> OrganizationQuerySet:
        return self.filter(path__startswith=node.path)

    def branches(self) -> OrganizationQuerySet:
        return self.filter(kind__in=BRANCH_KINDS)


class Organization(TimeStampedModel):
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=24, choices=OrgKind.choices)
    setup_method = models.CharField(
        "组建方式", max_length=12, choices=SetupMethod.choices, blank=True
    )
    parent = models.ForeignKey(
        "self", verbose_name="上级党组织", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        Region, verbose_name="属地", on_delete=models.PROTECT, related_name="organizations"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    founded_on = models.DateField("成立日期", null=True, blank=True)
    term_start = models.DateField("本届任期开始", null=True, blank=True)
    term_years = models.PositiveSmallIntegerField("任期（年）", null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=30, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = "党组织"

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_STEP


class Department(models.Model):
    """A government department or mass organisation that handles appeals and tasks."""

    name = models.CharField("名称", max_length=60)
    region = models.ForeignKey(Region, verbose_name="所属区域", on_delete=models.PROTECT)

    class Meta:
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class WorkplaceKind(models.TextChoices):
    PLATFORM = "platform", "平台企业"
    FRANCHISE = "franchise", "加盟商/代理商"
    EXPRESS_OUTLET = "express_outlet", "快递网点"
    DELIVERY_STATION = "delivery_station", "外卖配送站点"
    RIDE_HAILING = "ride_hailing", "网约车企业"
    FREIGHT = "freight", "货运平台/企业"
    LIVE_STREAMING = "live_streaming", "直播基地"
    OTHER = "other", "其他"


class CoverageMode(models.TextChoices):
    OWN_BRANCH = "own_branch", "单独建立党组织"
    JOINT_BRANCH = "joint_branch", "联合党支部覆盖"
    INSTRUCTOR = "instructor", "党建工作指导员覆盖"
    NONE = "none", "未覆盖"


class WorkplaceQuerySet(ScopedQuerySet["Workplace"]):
    scope_spec = ScopeSpec(
        capability="org.view", org_path="organization__path", region_path="region__path"
    )


class Workplace(TimeStampedModel):
    name = models.CharField("名称", max_length=120)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, null=True, blank=True,
        validators=[validate_uscc],
    )
    kind = models.CharField("类型", max_length=20, choices=WorkplaceKind.choices)
    brand = models.CharField("所属平台品牌", max_length=40, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="属地", on_delete=models.PROTECT, related_name="workplaces"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=30, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    reported_worker_count = models.PositiveIntegerField("报告从业人数", default=0)
    organization = models.ForeignKey(
        Organization, verbose_name="覆盖党组织", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="workplaces",
    )
    coverage_mode = models.CharField(
        "覆盖方式", max_length=16, choices=CoverageMode.choices, default=CoverageMode.NONE
    )

    objects = WorkplaceQuerySet.as_manager()

    class Meta:
        ordering = ["region__path", "name"]
        verbose_name = "新业态企业/站点"

    def __str__(self) -> str:
        return self.name
