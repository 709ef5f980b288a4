"""Gig workers and Party members: the roster record and the membership (rules.md ID, MOB)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from gigbranch.core.fields import BlindIndexField, EncryptedTextField
from gigbranch.core.masking import mask_mobile, mask_resident_id
from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec


class Occupation(models.TextChoices):
    DELIVERY_RIDER = "delivery_rider", "外卖骑手"
    COURIER = "courier", "快递员"
    RIDE_HAILING_DRIVER = "ride_hailing_driver", "网约车司机"
    TRUCK_DRIVER = "truck_driver", "货车司机"
    ONLINE_HOST = "online_host", "网络主播"
    OTHER = "other", "其他"


class PoliticalStatus(models.TextChoices):
    MASSES = "masses", "群众"
    LEAGUE_MEMBER = "league_member", "共青团员"
    PARTY_MEMBER = "party_member", "中共党员"
    PROBATIONARY = "probationary", "中共预备党员"
    DEMOCRATIC_PARTY = "democratic_party", "民主党派"
    OTHER = "other", "其他"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class WorkerStatus(models.TextChoices):
    ACTIVE = "active", "在岗"
    LEFT = "left", "已离职"


class WorkerQuerySet(ScopedQuerySet["Worker"]):
    scope_spec = ScopeSpec(
        capability="people.view",
        org_path="workplace__organization__path",
        region_path="region__path",
        owner_worker="pk",
    )

    def active(self) -> WorkerQuerySet:
        return self.filter(status=WorkerStatus.ACTIVE)


class Worker(TimeStampedModel):
    """A new-employment-form worker. ID number and mobile are encrypted (SM4-GCM)."""

    name = models.CharField("姓名", max_length=40)
    id_number = EncryptedTextField("公民身份号码", context="id_number")
    id_number_hash = BlindIndexField(
        source="id_number", context="id_number", unique=True, null=True
    )
    id_last4_hash = BlindIndexField(source="id_last4", context="id_last4", null=True, db_index=True)
    mobile = EncryptedTextField("手机号码", context="mobile", blank=True, default="")
    mobile_hash = BlindIndexField(source="mobile", context="mobile", null=True, db_index=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    occupation = models.CharField("职业", max_length=24, choices=Occupation.choices)
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    workplace = models.ForeignKey(
        "organizations.Workplace",
        verbose_name="所在企业/站点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workers",
    )
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name="属地",
        on_delete=models.PROTECT,
        related_name="workers",
    )
    platform_worker_id = models.CharField("平台工号", max_length=40, blank=True)
    hometown = models.CharField("籍贯", max_length=40, blank=True)
    started_on = models.DateField("从业开始日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE
    )
    platform = models.ForeignKey(
        "members.Platform",
        verbose_name="所属平台",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workers",
    )
    union_member = models.BooleanField("工会会员", default=False)
    left_on = models.DateField("离职日期", null=True, blank=True)
    # Keyed hash of the last imported roster row (never the row itself): an unchanged row
    # on re-import is recognised without decrypting or rewriting anything.
    roster_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = "新就业群体劳动者"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["name"], name="worker_name_idx"),
            models.Index(fields=["status", "region"], name="worker_status_region_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_worker_id"],
                condition=~models.Q(platform_worker_id=""),
                name="worker_unique_platform_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_last4(self) -> str:
        return self.id_number[-4:] if self.id_number else ""

    @property
    def masked_id_number(self) -> str:
        return mask_resident_id(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


class MemberKind(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class MemberStatus(models.TextChoices):
    NORMAL = "normal", "正常"
    LOST_CONTACT = "lost_contact", "失去联系"
    SUSPENDED = "suspended", "停止党籍"
    LEFT = "left", "已出党"


class PartyMemberQuerySet(ScopedQuerySet["PartyMember"]):
    scope_spec = ScopeSpec(
        capability="people.view",
        org_path="organization__path",
        region_path="worker__region__path",
        owner_worker="worker_id",
    )

    def full(self) -> PartyMemberQuerySet:
        return self.filter(kind=MemberKind.FULL, status=MemberStatus.NORMAL)


class PartyMember(TimeStampedModel):
    """A Party member among the workers. `organization` is the branch holding the membership
    in this county; null when it is held by an outflow organisation elsewhere (mobile member).
    Full-member counts per workplace and branch (ORG-1, ORG-3, ORG-4) come from these rows.
    """

    worker = models.OneToOneField(
        Worker, verbose_name="劳动者", on_delete=models.PROTECT, related_name="party_member"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="所在党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    kind = models.CharField("党员类别", max_length=16, choices=MemberKind.choices)
    joined_on = models.DateField("入党日期", null=True, blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    status = models.CharField(
        "党籍状态", max_length=16, choices=MemberStatus.choices, default=MemberStatus.NORMAL
    )
    # Mobile member (流动党员, MOB-2): membership held by an outflow organisation elsewhere.
    is_mobile = models.BooleanField("流动党员", default=False)
    outflow_org_name = models.CharField("流出地党组织", max_length=100, blank=True)
    outflow_org_region = models.CharField("流出地", max_length=60, blank=True)
    outflow_org_contact = models.CharField("流出地党组织联系方式", max_length=60, blank=True)
    certificate_number = models.CharField("流动党员活动证编号", max_length=40, blank=True)
    certificate_issuer = models.CharField("发证党组织", max_length=100, blank=True)
    certificate_valid_until = models.DateField("活动证有效期至", null=True, blank=True)
    reported_here = models.BooleanField("已向本地党组织报到（亮身份）", default=False)
    reported_on = models.DateField("报到日期", null=True, blank=True)
    inflow_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="流入地党组织（参加组织生活）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inflow_members",
    )
    # MOB-1: away from the home organisation at a fairly fixed place since this date.
    away_since = models.DateField("外出（在固定地点）起始日期", null=True, blank=True)
    away_place = models.CharField("外出所在地", max_length=100, blank=True)
    # MOB-4: date contact was lost (kept while status is lost_contact or suspended).
    lost_contact_since = models.DateField("失去联系起始日期", null=True, blank=True)

    objects = PartyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.worker.name}（{self.get_kind_display()}）"

    @property
    def certificate_valid(self) -> bool:
        return bool(
            self.certificate_number
            and self.certificate_valid_until
            and self.certificate_valid_until >= timezone.localdate()
        )


def _member_spec(prefix: str, capability: str = "people.view") -> ScopeSpec:
    return ScopeSpec(
        capability=capability,
        org_path=f"{prefix}organization__path",
        region_path=f"{prefix}worker__region__path",
        owner_worker=f"{prefix}worker_id",
    )
