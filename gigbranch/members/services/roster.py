"""Roster import (Excel) and push (API) writes on the import framework (ADR 0052). See
members/roster/ for the engine.

Flow: upload (headers read, mapping guessed from the platform's remembered mapping) →
confirm mapping (remembered per platform when the county admin or the platform confirms) → dry run (counts and an error report) → import
of the valid rows (in the request for small files, as a background task with progress for
large ones) → optional "left" marking of the platform's workers missing from the roster.
The uploaded file is kept encrypted (SM4-GCM) and deleted when the import finishes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit, jobs
from gigbranch.core import imports as framework

from .. import roster
from ..models import ImportStatus, Platform, RosterImport
from .roster_run import (
    MAX_STORED_ERRORS,
    _store,
    dry_run,
    mark_missing_left,
    run_check,
    run_import,
)

__all__ = [
    "check_can_import",
    "dry_run",
    "error_report",
    "mark_missing_left",
    "may_set_platform_mapping",
    "push_rows",
    "run_check",
    "run_import",
    "set_mapping",
    "start_check",
    "start_import",
    "start_run",
    "sync_max_rows",
]


def sync_max_rows() -> int:
    return int(getattr(settings, "MEMBERS_IMPORT_SYNC_MAX_ROWS", 2000))


def check_can_import(actor: Any, platform: Platform) -> None:
    if not (
        has_capability(actor, "people.change") or platform.api_users.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied("您的角色无权导入花名册。")


@transaction.atomic
def start_import(
    *, actor: Any, platform: Platform, filename: str, data: bytes, mark_missing_left: bool = False
) -> RosterImport:
    check_can_import(actor, platform)
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            {"file": f"文件超过{settings.UPLOAD_MAX_BYTES // (1024 * 1024)}MB上限。"}
        )
    if not filename.lower().endswith(".xlsx"):
        raise ValidationError({"file": "请上传.xlsx格式的Excel文件。"})
    try:
        headers, total = roster.read_headers(data)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    if not any(headers):
        raise ValidationError({"file": "第1行应为表头。"})
    imp = RosterImport.objects.create(
        platform=platform,
        uploaded_by=actor,
        filename=filename[:200],
        stored_file=_store(data),
        headers=headers,
        mapping=roster.guess_mapping(headers, platform.column_mapping),
        total_rows=total,
        mark_missing_left=mark_missing_left,
    )
    audit.record(
        actor=actor,
        action="roster.uploaded",
        obj=imp,
        changes={"platform": platform.pk, "filename": filename, "rows": total},
    )
    return imp


def may_set_platform_mapping(user: Any, platform: Platform) -> bool:
    """Only the county admin or the platform's own API accounts set its default mapping."""
    if getattr(user, "role", None) == "county_admin":
        return True
    return bool(user.pk) and platform.api_users.filter(pk=user.pk).exists()


@transaction.atomic
def set_mapping(
    *, actor: Any, roster_import: RosterImport, mapping: dict[str, str], mark_missing_left: bool
) -> RosterImport:
    """Confirm the column mapping of this import (kept on the RosterImport).

    The platform's shared default mapping (used to guess the next roster's columns, for
    every township) changes only when the county admin or one of the platform's own API
    accounts confirms a mapping; anyone else's mapping is used for their import only.
    """
    if roster_import.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise ValidationError({"status": "该导入已开始，不能修改列对应关系。"})
    mapping = {h: f for h, f in mapping.items() if h in roster_import.headers and f}
    roster.check_mapping(mapping)
    roster_import.mapping = mapping
    roster_import.mark_missing_left = mark_missing_left
    roster_import.status = ImportStatus.UPLOADED
    roster_import.save(update_fields=["mapping", "mark_missing_left", "status", "updated_at"])
    platform = roster_import.platform
    remembered = may_set_platform_mapping(actor, platform)
    if remembered:
        platform.column_mapping = {**platform.column_mapping, **mapping}
        platform.save(update_fields=["column_mapping", "updated_at"])
    audit.record(
        actor=actor,
        action="roster.mapping_set",
        obj=roster_import,
        changes={
            "mapping": mapping,
            "mark_missing_left": mark_missing_left,
            "platform_default": remembered,
        },
    )
    return roster_import


def start_check(*, actor: Any, roster_import: RosterImport) -> RosterImport:
    """The dry run: now for small files, in the background with progress for large ones
    (as the import itself; a 100,000-row file takes longer than a request should)."""
    imp = roster_import
    roster.check_mapping(imp.mapping)
    if imp.total_rows <= sync_max_rows():
        return dry_run(actor=actor, roster_import=imp)
    with transaction.atomic():
        imp.status, imp.processed_rows, imp.message = ImportStatus.CHECK_QUEUED, 0, ""
        imp.save(update_fields=["status", "processed_rows", "message", "updated_at"])
        audit.record(actor=actor, action="roster.check_queued", obj=imp)
        jobs.enqueue_on_commit("gigbranch.members.tasks.check_roster_import", imp.pk, actor.pk)
    return imp


def start_run(*, actor: Any, roster_import: RosterImport) -> RosterImport:
    """Import the valid rows: now for small files, in the background for large ones."""
    imp = roster_import
    if imp.status != ImportStatus.CHECKED:
        raise ValidationError({"status": "请先进行试导入（校验）。"})
    if imp.total_rows > sync_max_rows():
        with transaction.atomic():
            imp.status = ImportStatus.QUEUED
            imp.processed_rows = 0
            imp.save(update_fields=["status", "processed_rows", "updated_at"])
            audit.record(actor=actor, action="roster.queued", obj=imp)
            jobs.enqueue_on_commit("gigbranch.members.tasks.run_roster_import", imp.pk)
        return imp
    return run_import(roster_import_id=imp.pk)


def error_report(roster_import: RosterImport) -> bytes:
    """The errors as an Excel file: row, column, reason, masked value."""
    note = ""
    if roster_import.error_rows and len(roster_import.errors) >= MAX_STORED_ERRORS:
        note = f"仅列出前{MAX_STORED_ERRORS}条错误，请修正后重新校验。"
    return framework.error_report(
        (
            roster.RowError(e["row"], e["column"], e["reason"], e["value"])
            for e in roster_import.errors
        ),
        note=note,
    )


@transaction.atomic
def push_rows(*, actor: Any, platform: Platform, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Roster push over the API: idempotent upsert by platform worker ID (required), then
    by the ID blind index. Returns counts and per-row errors (index, field label, reason)."""
    check_can_import(actor, platform)
    validator = roster.Validator.for_platform(platform, actor)
    valid, errors = [], []
    for i, raw in enumerate(rows, start=1):
        if not str(raw.get("platform_worker_id") or "").strip():
            errors.append(roster.RowError(i, "平台工号", "平台工号不能为空。"))
            continue
        row, errs = validator.clean(i, raw)
        if row is not None:
            valid.append(row)
        errors.extend(errs)
    existing = roster.lookup_existing([r.id_hash for r in valid], actor, platform)
    stats, scope_errors = roster.apply_rows(
        rows=valid, existing=existing, platform=platform, actor=actor, source="api"
    )
    errors.extend(scope_errors)
    audit.record(
        actor=actor,
        action="roster.pushed",
        obj=platform,
        changes={
            "rows": len(rows),
            "created": stats.created,
            "updated": stats.updated,
            "unchanged": stats.unchanged,
            "errors": len(errors),
        },
    )
    return {
        "created": stats.created,
        "updated": stats.updated,
        "unchanged": stats.unchanged,
        "errors": [{"index": e.row, "field": e.column, "reason": e.reason} for e in errors],
    }
