"""The 1+X+N organisation network, regions (属地) and workplaces (DESIGN §1, ORG-*).

Trees use a materialised path: each node's `path` is its ancestors' ids and its own id,
zero-padded and dot-terminated ("000001.000007."), so a subtree is one indexed
`path LIKE 'prefix%'` query on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

from gigbranch.core.fields import EncryptedTextField
from gigbranch.core.masking import mask_mobile
from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec
from gigbranch.core.validators import validate_uscc

PATH_STEP = 7  # six digits and a dot

# Phone numbers of named people (secretaries, committee members, instructors, contact
# persons) are usually personal mobiles, so they are personal data (DESIGN §2): stored
# encrypted, shown masked; unmasked only with `pii.reveal` (audited).
PHONE_FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ("secretary_phone", "contact_phone"),
    "committeemember": ("phone",),
    "instructor": ("phone",),
    "workplace": ("contact_phone",),
}


def _phone(verbose_name: str, context: str) -> EncryptedTextField:
    return EncryptedTextField(
        verbose_name,
        max_length=20,
        blank=True,
        default="",
        validators=[MaxLengthValidator(20)],
        context=f"organizations.{context}",
    )


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

    def home_of(self, user: Any) -> Region | None:
        """Where a user's work starts: the region of a region scope (属地), or the region an
        organisation scope sits in; None for any other scope. The one place that reads a
        user's scope as a region (views ask here, not the user)."""
        if getattr(user, "scope_region_id", None) is not None:
            return self.filter(pk=user.scope_region_id).first()
        if getattr(user, "scope_organization_id", None) is not None:
            return self.filter(organizations__pk=user.scope_organization_id).first()
        return None


class Region(models.Model):
    name = models.CharField("名称", max_length=60)
    code = models.CharField("行政区划代码", max_length=12, unique=True)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    # A GeoJSON Polygon/MultiPolygon geometry ([lng, lat], WGS-84), checked by
    # boundaries.clean_geometry; the maps draw it as their base layer (no tiles needed).
    boundary = models.JSONField("边界（GeoJSON）", null=True, blank=True)

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

# MOB-3: transfer-letter validity in days (sources say 3 or 6 months; local bounds).
TRANSFER_LETTER_DAYS_MIN = 30
TRANSFER_LETTER_DAYS_MAX = 180


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
        "self",
        verbose_name="上级党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
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
    contact_phone = _phone("联系电话", "organization.contact_phone")
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    # The secretary (ORG-8): a name and contact, or a link to the member's record. Other
    # committee members are CommitteeMember rows; committee size = secretary + those rows.
    secretary_name = models.CharField("书记", max_length=30, blank=True)
    secretary_phone = _phone("书记联系电话", "organization.secretary_phone")
    secretary_member = models.ForeignKey(
        "members.PartyMember",
        verbose_name="书记（党员档案）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # MOB-3: validity of the transfer letters this organisation issues. Null: the nearest
    # ancestor's value, else settings.MEMBERS_TRANSFER_LETTER_DAYS (queries.py resolves it).
    transfer_letter_days = models.PositiveSmallIntegerField(
        "组织关系介绍信有效期（天）",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(TRANSFER_LETTER_DAYS_MIN),
            MaxValueValidator(TRANSFER_LETTER_DAYS_MAX),
        ],
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = "党组织"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(transfer_letter_days__isnull=True)
                | models.Q(
                    transfer_letter_days__gte=TRANSFER_LETTER_DAYS_MIN,
                    transfer_letter_days__lte=TRANSFER_LETTER_DAYS_MAX,
                ),
                name="org_transfer_letter_days_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_STEP

    @property
    def has_secretary(self) -> bool:
        return bool(self.secretary_name.strip()) or self.secretary_member_id is not None

    @property
    def secretary_display(self) -> str:
        if self.secretary_name.strip():
            return self.secretary_name
        if self.secretary_member_id is not None:
            return self.secretary_member.worker.name  # type: ignore[union-attr]
        return ""

    @property
    def masked_secretary_phone(self) -> str:
        return mask_mobile(self.secretary_phone)

    @property
    def masked_contact_phone(self) -> str:
        return mask_mobile(self.contact_phone)


class CommitteePost(models.TextChoices):
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    ORGANIZATION = "organization", "组织委员"
    PUBLICITY = "publicity", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    YOUTH = "youth", "青年委员"
    OTHER = "other", "委员"


class CommitteeMemberQuerySet(ScopedQuerySet["CommitteeMember"]):
    scope_spec = ScopeSpec(
        capability="org.view",
        org_path="organization__path",
        region_path="organization__region__path",
    )


class CommitteeMember(models.Model):
    """A committee member other than the secretary (ORG-4), with the post held."""

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="committee"
    )
    post = models.CharField("职务", max_length=20, choices=CommitteePost.choices)
    person_name = models.CharField("姓名", max_length=30)
    phone = _phone("联系电话", "committeemember.phone")
    member = models.ForeignKey(
        "members.PartyMember",
        verbose_name="党员档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    since = models.DateField("任职日期", null=True, blank=True)

    objects = CommitteeMemberQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "post", "id"]
        verbose_name = "支部委员"

    def __str__(self) -> str:
        return f"{self.person_name}（{self.get_post_display()}）"

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone)


class InstructorQuerySet(ScopedQuerySet["Instructor"]):
    scope_spec = ScopeSpec(
        capability="org.view", org_path="organization__path", region_path="region__path"
    )


class Instructor(TimeStampedModel):
    """A party-building instructor (党建工作指导员), sent to workplaces without a branch."""

    name = models.CharField("姓名", max_length=30)
    phone = _phone("联系电话", "instructor.phone")
    work_unit = models.CharField("工作单位及职务", max_length=100, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="属地", on_delete=models.PROTECT, related_name="instructors"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="选派党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instructors",
    )
    appointed_on = models.DateField("选派日期", null=True, blank=True)
    active = models.BooleanField("在任", default=True)

    objects = InstructorQuerySet.as_manager()

    class Meta:
        ordering = ["region__path", "name"]
        verbose_name = "党建工作指导员"

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone)


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
        "统一社会信用代码",
        max_length=18,
        unique=True,
        null=True,
        blank=True,
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
    contact_phone = _phone("联系电话", "workplace.contact_phone")
    reported_worker_count = models.PositiveIntegerField("报告从业人数", default=0)
    organization = models.ForeignKey(
        Organization,
        verbose_name="覆盖党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workplaces",
    )
    coverage_mode = models.CharField(
        "覆盖方式", max_length=16, choices=CoverageMode.choices, default=CoverageMode.NONE
    )
    instructor = models.ForeignKey(
        Instructor,
        verbose_name="党建工作指导员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workplaces",
    )

    objects = WorkplaceQuerySet.as_manager()

    class Meta:
        ordering = ["region__path", "name"]
        verbose_name = "新业态企业/站点"
        indexes = [
            # Coverage page: the one GROUP BY reads only this index (no table rows).
            models.Index(
                fields=["region", "kind", "coverage_mode", "reported_worker_count"],
                name="org_wp_coverage_idx",
            ),
            # Largest uncovered workplaces first, stopping after the top N.
            models.Index(
                fields=["coverage_mode", "-reported_worker_count"], name="org_wp_uncovered_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_contact_phone(self) -> str:
        return mask_mobile(self.contact_phone)


class OrgRuleSet(models.Model):
    """Configurable ORG thresholds for one jurisdiction (rules.md: "a rule-set per
    jurisdiction, with these values as defaults"). `region` null is the system default;
    an object uses the rule-set of its nearest region (longest path prefix) that has one.
    Field defaults are the rules.md values.
    """

    region = models.OneToOneField(
        Region,
        verbose_name="适用区域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="org_ruleset",
    )
    branch_min_full_members = models.PositiveSmallIntegerField(
        "单独建支部的正式党员人数（ORG-1）", default=3
    )
    joint_branch_max_units = models.PositiveSmallIntegerField(
        "联合党支部最多覆盖单位数（ORG-2）", default=5
    )
    branch_max_members = models.PositiveSmallIntegerField("党支部党员人数上限（ORG-3）", default=50)
    committee_min_full_members = models.PositiveSmallIntegerField(
        "设支部委员会的正式党员人数（ORG-4）", default=7
    )
    committee_min_size = models.PositiveSmallIntegerField("支委会最少人数（ORG-4）", default=3)
    committee_normal_max_size = models.PositiveSmallIntegerField(
        "支委会一般最多人数（ORG-4）", default=5
    )
    committee_max_size = models.PositiveSmallIntegerField("支委会最多人数（ORG-4）", default=7)
    branch_term_years = models.PositiveSmallIntegerField("支部、总支任期（年，ORG-5）", default=3)
    committee_term_years = models.PositiveSmallIntegerField("基层党委任期（年，ORG-5）", default=5)
    term_warning_days = models.PositiveSmallIntegerField("换届提前提醒天数（ORG-5）", default=90)
    general_branch_min_members = models.PositiveSmallIntegerField(
        "党总支参考人数下限（ORG-6）", default=50
    )
    basic_committee_min_members = models.PositiveSmallIntegerField(
        "基层党委参考人数下限（ORG-6）", default=100
    )
    mobile_gathering_min_members = models.PositiveSmallIntegerField(
        "流动党员聚集提示人数（ORG-7，本地做法）", default=8
    )
    note = models.CharField("依据", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "组织设置规则参数"

    def __str__(self) -> str:
        return f"规则参数：{self.region.name if self.region_id else '默认'}"  # type: ignore[union-attr]
