"""Platforms, roster imports and the change log of roster records."""

from __future__ import annotations

from typing import Any

from django.db import models

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec

from .people import Worker

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
