"""Recruitment records (发展党员, rules.md REC-*): one case per person in the pipeline.

A `Case` holds the denormalised position (last step, next step, stage, key dates) so the
overview is a few indexed queries; the facts are the append-only `StepRecord`s, `Vote`s,
`ProbationDecision`s and `Assessment`s, and every status change is a `CaseEvent`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec

from . import policy


class RuleSet(TimeStampedModel):
    """A jurisdiction's local rules (policy.LocalRules); the nearest region up the tree wins."""

    region = models.OneToOneField(
        "organizations.Region",
        verbose_name="适用区域",
        on_delete=models.PROTECT,
        related_name="recruitment_rules",
    )
    name = models.CharField("名称", max_length=60)
    values = models.JSONField("规则取值", default=dict)
    basis = models.CharField("依据文件", max_length=200, blank=True)

    class Meta:
        verbose_name = "发展党员本地规则"

    def __str__(self) -> str:
        return self.name

    @property
    def rules(self) -> policy.LocalRules:
        return policy.LocalRules.from_mapping(self.values)


class CaseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "培养发展中"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "已转正"
    ARCHIVED = "archived", "已归档"
    CANCELLED = "cancelled", "取消预备党员资格"
    STOPPED = "stopped", "终止培养"


# The one table of allowed moves (DESIGN §3.3); `services._transition` enforces it.
CASE_TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.IN_PROGRESS: {CaseStatus.PROBATIONARY, CaseStatus.STOPPED},
    CaseStatus.PROBATIONARY: {CaseStatus.FULL, CaseStatus.CANCELLED},
    CaseStatus.FULL: {CaseStatus.ARCHIVED},
    CaseStatus.ARCHIVED: set(),
    CaseStatus.CANCELLED: set(),
    CaseStatus.STOPPED: set(),
}
CLOSED_STATUSES = (CaseStatus.CANCELLED, CaseStatus.STOPPED)


class CaseSource(models.TextChoices):
    PORTAL = "portal", "网上申请"
    PAPER = "paper", "书面申请（支部录入）"
    API = "api", "接口"


class CaseQuerySet(ScopedQuerySet["Case"]):
    scope_spec = ScopeSpec(
        capability="recruitment.view",
        org_path="organization__path",
        region_path="worker__region__path",
        owner_worker="worker_id",
    )

    def open(self) -> CaseQuerySet:
        return self.exclude(status__in=CLOSED_STATUSES)


class Case(TimeStampedModel):
    worker = models.ForeignKey(
        "members.Worker",
        verbose_name="申请人",
        on_delete=models.PROTECT,
        related_name="recruitment_cases",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="所在党支部",
        on_delete=models.PROTECT,
        related_name="recruitment_cases",
    )
    source = models.CharField("申请方式", max_length=10, choices=CaseSource.choices)
    status = models.CharField(
        "状态", max_length=16, choices=CaseStatus.choices, default=CaseStatus.IN_PROGRESS
    )
    last_step = models.PositiveSmallIntegerField("已完成步骤", default=0)
    next_step = models.PositiveSmallIntegerField("下一步骤", null=True, blank=True, db_index=True)
    stage = models.PositiveSmallIntegerField("所处阶段", default=1, db_index=True)
    application_date = models.DateField("递交申请书日期")
    activist_date = models.DateField("确定为积极分子日期", null=True, blank=True)
    candidate_date = models.DateField("确定为发展对象日期", null=True, blank=True)
    vote_date = models.DateField("支部大会通过日期", null=True, blank=True)
    approval_date = models.DateField("批准为预备党员日期", null=True, blank=True, db_index=True)
    probation_end = models.DateField("预备期满日期", null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    full_date = models.DateField("转正日期", null=True, blank=True)
    review_conclusion = models.CharField("政治审查结论", max_length=8, blank=True)
    training_days = models.DecimalField("培训天数", max_digits=5, decimal_places=1, default=0)
    training_hours = models.DecimalField("培训学时", max_digits=5, decimal_places=1, default=0)
    special_reason = models.CharField("延期审批特殊原因", max_length=200, blank=True)
    last_assessment = models.DateField("最近一次考察", null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员档案"
        ordering = ["-application_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=~Q(status__in=["cancelled", "stopped"]),
                name="recruitment_one_open_case_per_worker",
            )
        ]
        indexes = [models.Index(fields=["status", "next_step"])]

    def __str__(self) -> str:
        return f"{self.worker.name}（{self.stage_label}）"

    @property
    def stage_label(self) -> str:
        if self.status in (CaseStatus.FULL, CaseStatus.ARCHIVED):
            return "已转为正式党员"
        return policy.STAGE_SHORT.get(self.stage, "")

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class StepRecord(models.Model):
    """One recorded step: the date, who recorded it, notes and step-specific data."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField("步骤")
    date = models.DateField("日期")
    notes = models.TextField("情况说明", blank=True)
    data = models.JSONField("步骤数据", default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["case", "step"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="recruitment_step_once"),
            models.CheckConstraint(
                condition=Q(step__gte=1, step__lte=25), name="recruitment_step_range"
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.step}步 {policy.STEPS[self.step].title}"

    @property
    def title(self) -> str:
        return policy.STEPS[self.step].title


class StepDelayQuerySet(models.QuerySet["StepDelay"]):
    def visible_to(self, user: Any) -> StepDelayQuerySet:
        return self.filter(case__in=Case.objects.visible_to(user))

    def unreviewed(self) -> StepDelayQuerySet:
        return self.filter(reviewed_at__isnull=True)


class StepDelay(models.Model):
    """A step recorded after its latest date, with the reason (docs/adr/0028).

    It raises a finding until someone of the higher committee reviews it; the review (who,
    when, their note) is kept, so the delay stays on the record as a reviewed fact.
    """

    record = models.OneToOneField(StepRecord, on_delete=models.CASCADE, related_name="delay")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="delays")
    step = models.PositiveSmallIntegerField("步骤")
    deadline = models.DateField("规定最迟日期")
    days_late = models.PositiveIntegerField("超过天数")
    rule_id = models.CharField("规则编号", max_length=20)
    rule_name = models.CharField("时限规定", max_length=120)
    rule_source = models.CharField("依据", max_length=120)
    reason = models.TextField("延误原因")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审查时间", null=True, blank=True)
    review_note = models.CharField("审查意见", max_length=300, blank=True)

    objects = StepDelayQuerySet.as_manager()

    class Meta:
        verbose_name = "逾期步骤"
        ordering = ["case", "step"]

    def __str__(self) -> str:
        title = policy.STEPS[self.step].title
        return f"{self.case.worker.name} 第{self.step}步“{title}”（超过时限{self.days_late}天）"


class SpecialApproval(models.Model):
    """Step 17 between 3 and 6 months after the vote: the higher organisation's consent."""

    record = models.OneToOneField(
        StepRecord, on_delete=models.CASCADE, related_name="special_approval"
    )
    reason = models.CharField("特殊情况原因", max_length=200)
    approver = models.CharField("同意人", max_length=60)
    approver_organization = models.CharField("同意的上级党组织", max_length=100)
    approved_on = models.DateField("同意日期")
    document_number = models.CharField("文号", max_length=60)

    class Meta:
        verbose_name = "延长审批时间的上级同意"

    def __str__(self) -> str:
        return f"{self.approver_organization} {self.document_number}"


class PersonRole(models.TextChoices):
    CONTACT = "contact", "培养联系人"
    SPONSOR = "sponsor", "入党介绍人"


class CasePerson(models.Model):
    """A contact (step 5) or sponsor (step 9): a full Party member."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    member = models.ForeignKey("members.PartyMember", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("身份", max_length=10, choices=PersonRole.choices)
    assigned_on = models.DateField("确定日期")

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "member", "role"], name="recruitment_person_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.member_id}"


class VotePurpose(models.TextChoices):
    ADMISSION = "admission", "接收预备党员（第15步）"
    FULL_MEMBERSHIP = "full", "预备党员转正（第23步）"
    EXTENSION = "extension", "延长预备期"
    CANCELLATION = "cancellation", "取消预备党员资格"


class Vote(models.Model):
    """A branch general meeting vote on one candidate (REC-VOTE)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="votes")
    purpose = models.CharField("事项", max_length=12, choices=VotePurpose.choices)
    date = models.DateField("会议日期")
    should_attend = models.PositiveIntegerField("应到有表决权党员")
    present = models.PositiveIntegerField("实到有表决权党员")
    written = models.PositiveIntegerField("书面意见", default=0)
    votes_for = models.PositiveIntegerField("赞成")
    against = models.PositiveIntegerField("反对", default=0)
    abstain = models.PositiveIntegerField("弃权", default=0)
    voter_ids = models.JSONField("参加表决的党员", default=list, blank=True)
    passed = models.BooleanField("通过")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.date}"

    @property
    def tally(self) -> policy.VoteTally:
        return policy.VoteTally(
            self.should_attend,
            self.present,
            self.written,
            self.votes_for,
            self.against,
            self.abstain,
        )


class ProbationDecisionKind(models.TextChoices):
    EXTEND = "extend", "延长预备期"
    CANCEL = "cancel", "取消预备党员资格"


class ProbationDecision(models.Model):
    """REC-PROB: an extension (once, 6–12 months) or a cancellation, by vote and approval."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="probation_decisions")
    kind = models.CharField("决定", max_length=8, choices=ProbationDecisionKind.choices)
    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="decision")
    approved_on = models.DateField("上级党委批准日期")
    months = models.PositiveSmallIntegerField("延长月数", default=0)
    reason = models.TextField("原因", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["approved_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.approved_on}"


class Assessment(models.Model):
    """Education and assessment of an activist, every 6 months (step 6 and follow-ups)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    date = models.DateField("考察日期")
    notes = models.TextField("考察意见", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"考察 {self.date}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"recruitment/{instance.case_id}/{instance.token}{instance.extension}"


class Attachment(models.Model):
    """A scan (PDF/JPEG/PNG), type checked by its magic bytes, not its name."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    step = models.PositiveSmallIntegerField("步骤", null=True, blank=True)
    title = models.CharField("材料名称", max_length=100)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    token = models.CharField(max_length=32, editable=False)
    extension = models.CharField(max_length=6, editable=False)
    content_type = models.CharField(max_length=40)
    original_name = models.CharField("原文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class CaseEvent(models.Model):
    """Append-only history of a case: steps, status moves, decisions."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.detail}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)


class YearTarget(models.Model):
    """The year's target for new members among gig workers in a region (the county's goal)."""

    region = models.ForeignKey("organizations.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    target = models.PositiveIntegerField("发展目标（人）")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="recruitment_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.target}人"


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
