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
