"""Gig workers and Party members (DESIGN §1 People; rules.md ID, MOB, DUES)."""

from __future__ import annotations

from django.db import models

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
    id_number_hash = BlindIndexField(source="id_number", context="id_number", unique=True, null=True)
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
        "organizations.Workplace", verbose_name="所在企业/站点", null=True, blank=True,
        on_delete=models.PROTECT, related_name="workers",
    )
    region = models.ForeignKey(
        "organizations.Region", verbose_name="属地", on_delete=models.PROTECT, related_name="workers"
    )
    platform_worker_id = models.CharField("平台工号", max_length=40, blank=True)
    hometown = models.CharField("籍贯", max_length=40, blank=True)
    started_on = models.DateField("从业开始日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE
    )

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = "新就业群体劳动者"
        ordering = ["id"]

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

    worker = models.OneToOneField(Worker, verbose_name="劳动者", on_delete=models.PROTECT,
                                  related_name="party_member")
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="所在党组织", null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )
    kind = models.CharField("党员类别", max_length=16, choices=MemberKind.choices)
    joined_on = models.DateField("入党日期", null=True, blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    status = models.CharField("党籍状态", max_length=16, choices=MemberStatus.choices,
                              default=MemberStatus.NORMAL)

    objects = PartyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.worker.name}（{self.get_kind_display()}）"
