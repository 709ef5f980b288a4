"""Gig workers and Party members (DESIGN §1 People; rules.md ID, MOB, DUES)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
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


# --- Platforms and roster imports --------------------------------------------------------


class Platform(TimeStampedModel):
    """A platform company (or franchise) that hands over worker rosters.

    `workplaces` are the stations it may write rosters for (the API token's scope);
    `column_mapping` remembers the last confirmed header → field mapping of its Excel roster.
    `api_users` are the accounts whose API tokens push this platform's roster.
    """

    name = models.CharField("平台名称", max_length=60, unique=True)
    workplaces = models.ManyToManyField(
        "organizations.Workplace", verbose_name="所属站点", blank=True, related_name="platforms"
    )
    column_mapping = models.JSONField("花名册列对应关系", default=dict, blank=True)
    api_users = models.ManyToManyField(
        "accounts.User", verbose_name="接口账号", blank=True, related_name="platforms"
    )

    class Meta:
        verbose_name = "平台企业"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "已上传"
    CHECK_QUEUED = "check_queued", "校验排队中"
    CHECKING = "checking", "校验中"
    CHECKED = "checked", "已校验（试导入）"
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class RosterImportQuerySet(ScopedQuerySet["RosterImport"]):
    scope_spec = ScopeSpec(capability="people.change", owner_worker=None)

    def visible_to(self, user: Any) -> RosterImportQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(uploaded_by=user)


class RosterImport(TimeStampedModel):
    """One roster file: mapping, dry-run result, progress. The uploaded file is stored
    encrypted (SM4-GCM) outside the database and deleted when the import finishes."""

    platform = models.ForeignKey(
        Platform, verbose_name="平台", on_delete=models.PROTECT, related_name="imports"
    )
    uploaded_by = models.ForeignKey(
        "accounts.User", verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField("文件名", max_length=200)
    stored_file = models.CharField(max_length=200, blank=True, editable=False)
    headers = models.JSONField("表头", default=list)
    mapping = models.JSONField("列对应关系", default=dict)
    mark_missing_left = models.BooleanField("名单外人员标记为离职", default=False)
    status = models.CharField(
        "状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    valid_rows = models.PositiveIntegerField("有效行数", default=0)
    error_rows = models.PositiveIntegerField("错误行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变化", default=0)
    left_count = models.PositiveIntegerField("标记离职", default=0)
    errors = models.JSONField("错误明细", default=list)
    message = models.CharField("说明", max_length=300, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = RosterImportQuerySet.as_manager()

    class Meta:
        verbose_name = "花名册导入"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.platform.name} {self.filename}"

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


class WorkerChange(models.Model):
    """Append-only history of changes to a worker (values of sensitive fields never kept)."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(
        "来源",
        max_length=20,
        choices=[
            ("manual", "手工修改"),
            ("import", "花名册导入"),
            ("api", "接口推送"),
            ("decision", "组织决定"),
        ],
    )
    changes = models.JSONField("变更内容", default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.source} {self.at:%Y-%m-%d}"

    @property
    def summary(self) -> str:
        labels = {f.name: str(f.verbose_name) for f in Worker._meta.fields}
        labels.update({"platform_id": "所属平台", "workplace_id": "所在企业/站点"})
        return "；".join(f"{labels.get(k, k)}变更" for k in self.changes)


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


# --- Member events (decisions) -----------------------------------------------------------


class MemberEvent(models.Model):
    """Append-only: every change of a member's kind, status or membership, with the branch
    decision (date, reason) behind it."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="events")
    action = models.CharField("事项", max_length=30)
    from_value = models.CharField("原值", max_length=30, blank=True)
    to_value = models.CharField("新值", max_length=30, blank=True)
    decided_on = models.DateField("决定日期")
    reason = models.CharField("理由", max_length=300)
    deciding_org = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.decided_on} {self.action}"

    @property
    def change_label(self) -> str:
        labels = dict(MemberStatus.choices) | dict(MemberKind.choices) | {"mobile": "流动党员"}
        if not (self.from_value or self.to_value):
            return ""
        return f"{labels.get(self.from_value, '—')} → {labels.get(self.to_value, self.to_value)}"


# --- Transfers (MOB-1, MOB-3) ------------------------------------------------------------


class TransferDirection(models.TextChoices):
    IN = "in", "转入"
    OUT = "out", "转出"
    INTERNAL = "internal", "县内转接"


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", "已申请"
    APPROVED = "approved", "转出党委已审批（介绍信已开具）"
    ACCEPTED = "accepted", "接收党组织已接收"
    COMPLETED = "completed", "已完成"
    REJECTED = "rejected", "已退回"
    CANCELLED = "cancelled", "已撤销"


class TransferQuerySet(models.QuerySet["Transfer"]):
    def visible_to(self, user: Any) -> TransferQuerySet:
        """Each side sees its part: the sending and the receiving organisation's scopes."""
        from gigbranch.core.scoping import scope_filter

        q = scope_filter(user, _member_spec("member__"))
        for side in ("from_org", "to_org"):
            q |= scope_filter(
                user,
                ScopeSpec(
                    capability="people.view",
                    org_path=f"{side}__path",
                    region_path=f"{side}__region__path",
                ),
            )
        return self.filter(q).distinct()

    def open(self) -> TransferQuerySet:
        return self.filter(
            status__in=[TransferStatus.REQUESTED, TransferStatus.APPROVED, TransferStatus.ACCEPTED]
        )


class Transfer(TimeStampedModel):
    member = models.ForeignKey(
        PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="transfers"
    )
    direction = models.CharField("方向", max_length=10, choices=TransferDirection.choices)
    from_org = models.ForeignKey(
        "organizations.Organization",
        verbose_name="转出党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    from_external = models.CharField("转出党组织（县外）", max_length=100, blank=True)
    to_org = models.ForeignKey(
        "organizations.Organization",
        verbose_name="接收党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    to_external = models.CharField("接收党组织（县外）", max_length=100, blank=True)
    reason = models.CharField("转接原因", max_length=200)
    status = models.CharField(
        "状态", max_length=12, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    requested_on = models.DateField("申请日期")
    approved_on = models.DateField("审批日期", null=True, blank=True)
    letter_valid_until = models.DateField("介绍信有效期至", null=True, blank=True)
    accepted_on = models.DateField("接收日期", null=True, blank=True)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    status_changed_on = models.DateField("状态变更日期")

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系转接"
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"{self.member.worker.name} {self.get_direction_display()}"

    @property
    def from_label(self) -> str:
        return self.from_org.name if self.from_org_id else self.from_external

    @property
    def to_label(self) -> str:
        return self.to_org.name if self.to_org_id else self.to_external


class TransferEvent(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=300, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.from_status}→{self.to_status}"


# --- Dues (DUES-1 … DUES-6) --------------------------------------------------------------


class DuesRule(models.TextChoices):
    WAGES = "wages", "工资收入（DUES-1）"
    GIG_INCOME = "gig_income", "无固定工资收入，按上季度月均纯收入（DUES-2）"
    RETIREE = "retiree", "离退休（DUES-3）"
    FIXED_LOW = "fixed_low", "学生、失业、低保等，每月0.2元（DUES-4）"
    FARMER = "farmer", "农民，每月0.2至1元（DUES-4）"
    REDUCED = "reduced", "经支部决定并报上级批准少交（DUES-4）"
    EXEMPT = "exempt", "经支部决定并报上级批准免交（DUES-4）"


class DuesQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Any:
        from gigbranch.core.scoping import scope_filter

        return self.filter(scope_filter(user, _member_spec("member__")))


class DuesAssessment(TimeStampedModel):
    """The dues rule, base and monthly amount of one member for one year (DUES-5: set at
    the start of the year)."""

    member = models.ForeignKey(
        PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="dues_assessments"
    )
    year = models.PositiveSmallIntegerField("年度")
    rule = models.CharField("计算依据", max_length=12, choices=DuesRule.choices)
    base = models.DecimalField(
        "计算基数（元/月）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    monthly_amount = models.DecimalField("月交纳额（元）", max_digits=10, decimal_places=2)
    decision = models.CharField("决定依据", max_length=200, blank=True)
    set_on = models.DateField("核定日期")

    objects = DuesQuerySet.as_manager()

    class Meta:
        verbose_name = "党费核定"
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="dues_once_a_year")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.monthly_amount}元/月"


class IncomeRecord(models.Model):
    """Monthly net income declared by a member without wages (basis of DUES-2)."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="incomes")
    month = models.DateField("月份")  # first day of the month
    net_income = models.DecimalField("月纯收入（元）", max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="income_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.net_income}"


class PaymentChannel(models.TextChoices):
    CASH = "cash", "现金"
    WECHAT = "wechat", "微信"
    ALIPAY = "alipay", "支付宝"
    BANK = "bank", "银行转账"
    PROXY = "proxy", "委托代交"


class DuesPayment(models.Model):
    member = models.ForeignKey(
        PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField("所属月份")  # first day of the month paid for
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    channel = models.CharField("缴纳方式", max_length=10, choices=PaymentChannel.choices)
    collector = models.ForeignKey(
        "organizations.Organization",
        verbose_name="收缴党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_on = models.DateField("缴纳日期")
    voluntary = models.BooleanField("自愿多交", default=False)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = DuesQuerySet.as_manager()

    class Meta:
        verbose_name = "党费缴纳"
        ordering = ["-month", "-id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount}元"


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
