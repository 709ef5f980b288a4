"""Roster import (Excel) and push (API) writes on the import framework (ADR 0052). See
members/roster/ for the engine.

Flow: upload (headers read, mapping guessed from the platform's remembered mapping) →
confirm mapping (remembered per platform when the county admin or the platform confirms) → dry run (counts and an error report) → import
of the valid rows (in the request for small files, as a background task with progress for
large ones) → optional "left" marking of the platform's workers missing from the roster.
The uploaded file is kept encrypted (SM4-GCM) and deleted when the import finishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.core import imports as framework
from gigbranch.core.crypto import get_cipher

from .. import roster, rosterpipe
from ..models import ImportStatus, Platform, RosterImport, Worker, WorkerChange, WorkerStatus

MAX_STORED_ERRORS = 5000
FILE_CONTEXT = b"members.roster_file"


def sync_max_rows() -> int:
    return int(getattr(settings, "MEMBERS_IMPORT_SYNC_MAX_ROWS", 2000))


def _dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "rosters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store(data: bytes) -> str:
    cipher = get_cipher()
    blob = cipher.provider.encrypt(data, key=cipher.keys[cipher.current_kid], aad=FILE_CONTEXT)
    name = f"{uuid.uuid4().hex}.bin"
    (_dir() / name).write_bytes(cipher.current_kid.encode() + b"\n" + blob)
    return name


def _load(name: str) -> bytes:
    cipher = get_cipher()
    kid, _, blob = (_dir() / name).read_bytes().partition(b"\n")
    return cipher.provider.decrypt(blob, key=cipher.keys[kid.decode()], aad=FILE_CONTEXT)


def _discard(name: str) -> None:
    if name:
        (_dir() / name).unlink(missing_ok=True)


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


def _validate_all(
    imp: RosterImport, *, progress: bool = False
) -> tuple[list[roster.CleanRow], list[roster.RowError], int, int]:
    data = _load(imp.stored_file)
    valid, errors, total, same = [], [], 0, 0
    for batch in rosterpipe.validate(
        lambda: roster.Validator.for_platform(imp.platform, imp.uploaded_by),
        data,
        imp.mapping,
        rows=imp.total_rows,
    ):
        total += batch.size
        same += len(batch.same)
        valid.extend(batch.valid)
        errors.extend(batch.errors)
        if progress:
            RosterImport.objects.filter(pk=imp.pk).update(processed_rows=total)
    return valid, errors, total, same


def _error_dicts(errors: list[roster.RowError]) -> list[dict[str, Any]]:
    return [
        {"row": e.row, "column": e.column, "reason": e.reason, "value": e.value}
        for e in errors[:MAX_STORED_ERRORS]
    ]


def start_check(*, actor: Any, roster_import: RosterImport) -> RosterImport:
    """The dry run: now for small files, in the background with progress for large ones
    (as the import itself; a 100,000-row file takes longer than a request should)."""
    imp = roster_import
    roster.check_mapping(imp.mapping)
    if imp.total_rows <= sync_max_rows():
        return dry_run(actor=actor, roster_import=imp)
    from ..tasks import check_roster_import

    with transaction.atomic():
        imp.status, imp.processed_rows, imp.message = ImportStatus.CHECK_QUEUED, 0, ""
        imp.save(update_fields=["status", "processed_rows", "message", "updated_at"])
        audit.record(actor=actor, action="roster.check_queued", obj=imp)
        transaction.on_commit(lambda: check_roster_import.enqueue(imp.pk, actor.pk))
    return imp


def run_check(*, roster_import_id: int, actor_id: int) -> RosterImport:
    """The background dry run (start_check). A file found unreadable is reported on the
    import (status failed, the reason in Chinese), not raised."""
    from gigbranch.accounts.models import User

    imp = RosterImport.objects.select_related("platform", "uploaded_by").get(pk=roster_import_id)
    if imp.status != ImportStatus.CHECK_QUEUED:
        return imp  # already checked, or the mapping changed meanwhile
    actor = User.objects.get(pk=actor_id)
    RosterImport.objects.filter(pk=imp.pk).update(status=ImportStatus.CHECKING, processed_rows=0)
    try:
        return dry_run(actor=actor, roster_import=imp, progress=True)
    except ValidationError as exc:
        RosterImport.objects.filter(pk=imp.pk).update(
            status=ImportStatus.FAILED, message=f"校验失败：{exc.messages[0]}"[:300]
        )
    except Exception as exc:
        RosterImport.objects.filter(pk=imp.pk).update(
            status=ImportStatus.FAILED, message=f"校验失败：{type(exc).__name__}"[:300]
        )
        raise
    imp.refresh_from_db()
    return imp


def dry_run(*, actor: Any, roster_import: RosterImport, progress: bool = False) -> RosterImport:
    """Validate every row and classify the valid ones; nothing is written but the result.
    With `progress`, the rows validated so far are saved after each batch."""
    imp = roster_import
    roster.check_mapping(imp.mapping)
    valid, errors, total, same = _validate_all(imp, progress=progress)
    existing = roster.lookup_existing([r.id_hash for r in valid], imp.uploaded_by, imp.platform)
    new, changed, scope_errors, unchanged = roster.classify(valid, existing, imp.platform)
    unchanged += same
    errors = sorted(errors + scope_errors, key=lambda e: e.row)
    with transaction.atomic():
        imp.total_rows = imp.processed_rows = total
        imp.error_rows = len({e.row for e in errors})
        imp.valid_rows = len(new) + len(changed) + unchanged
        imp.created_count, imp.updated_count, imp.unchanged_count = (
            len(new),
            len(changed),
            unchanged,
        )
        imp.errors = _error_dicts(errors)
        imp.status = ImportStatus.CHECKED
        imp.save()
        audit.record(
            actor=actor,
            action="roster.dry_run",
            obj=imp,
            changes={"total": total, "valid": imp.valid_rows, "errors": imp.error_rows},
        )
    return imp


def start_run(*, actor: Any, roster_import: RosterImport) -> RosterImport:
    """Import the valid rows: now for small files, in the background for large ones."""
    imp = roster_import
    if imp.status != ImportStatus.CHECKED:
        raise ValidationError({"status": "请先进行试导入（校验）。"})
    if imp.total_rows > sync_max_rows():
        from ..tasks import run_roster_import

        with transaction.atomic():
            imp.status = ImportStatus.QUEUED
            imp.processed_rows = 0
            imp.save(update_fields=["status", "processed_rows", "updated_at"])
            audit.record(actor=actor, action="roster.queued", obj=imp)
            transaction.on_commit(lambda: run_roster_import.enqueue(imp.pk))
        return imp
    return run_import(roster_import_id=imp.pk)


def _batch_commit_without_flush() -> None:
    """On PostgreSQL, a batch's COMMIT does not wait for its WAL to reach disk
    (synchronous_commit off, this transaction only). Safe for an import: the final
    transaction (status DONE, audit event) commits normally, and a WAL flush makes every
    earlier commit durable too; after a crash before it, the import is not done, and
    running it again converges (it is idempotent)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit TO OFF")


def run_import(*, roster_import_id: int) -> RosterImport:
    """Upsert the valid rows in batches (each batch its own transaction, progress saved).
    Idempotent: running it again finds the rows unchanged."""
    imp = RosterImport.objects.select_related("platform", "uploaded_by").get(pk=roster_import_id)
    if imp.status == ImportStatus.DONE:
        return imp
    actor, platform = imp.uploaded_by, imp.platform
    RosterImport.objects.filter(pk=imp.pk).update(status=ImportStatus.RUNNING, processed_rows=0)
    batches: Iterator[rosterpipe.Batch] = iter(())
    try:
        data = _load(imp.stored_file)
        created = updated = unchanged = processed = 0
        errors: list[roster.RowError] = []
        seen: set[int] = set()
        # A large file is validated and sealed in other processes (rosterpipe.py).
        batches = rosterpipe.validate(
            lambda: roster.Validator.for_platform(platform, actor),
            data,
            imp.mapping,
            rows=imp.total_rows,
            seal=True,
        )

        def validate_next() -> tuple[int, list[roster.CleanRow]] | None:
            """The next validated batch: (rows read, valid rows)."""
            nonlocal unchanged
            batch = next(batches, None)
            if batch is None:
                return None
            unchanged += len(batch.same)
            seen.update(batch.same)
            errors.extend(batch.errors)
            return batch.size, batch.valid

        following: list[tuple[int, list[roster.CleanRow]] | None] = []

        def validate_following() -> None:
            following.append(validate_next())

        current = validate_next()
        while current is not None:
            size, valid = current
            following.clear()
            existing = roster.lookup_existing([r.id_hash for r in valid], actor, platform)
            with transaction.atomic():
                _batch_commit_without_flush()
                # The next batch is validated while the database indexes this one.
                stats, scope_errors = roster.apply_rows(
                    rows=valid,
                    existing=existing,
                    platform=platform,
                    actor=actor,
                    source="import",
                    meanwhile=validate_following,
                )
                processed += size
                RosterImport.objects.filter(pk=imp.pk).update(processed_rows=processed)
            errors.extend(scope_errors)
            created, updated, unchanged = (
                created + stats.created,
                updated + stats.updated,
                unchanged + stats.unchanged,
            )
            seen.update(stats.touched_pks)
            current = following[0]
        left = 0
        if imp.mark_missing_left:
            left = mark_missing_left(actor=actor, platform=platform, seen_pks=seen)
        errors.sort(key=lambda e: e.row)
        with transaction.atomic():
            imp.refresh_from_db()
            imp.status, imp.finished_at = ImportStatus.DONE, timezone.now()
            imp.processed_rows = imp.total_rows = processed
            imp.created_count, imp.updated_count, imp.unchanged_count = created, updated, unchanged
            imp.left_count, imp.error_rows = left, len({e.row for e in errors})
            imp.valid_rows = created + updated + unchanged
            imp.errors = _error_dicts(errors)
            stored, imp.stored_file = imp.stored_file, ""
            imp.save()
            audit.record(
                actor=actor,
                action="roster.imported",
                obj=imp,
                changes={
                    "created": created,
                    "updated": updated,
                    "unchanged": unchanged,
                    "left": left,
                    "errors": imp.error_rows,
                },
            )
            transaction.on_commit(lambda: _discard(stored))
        return imp
    except Exception as exc:
        RosterImport.objects.filter(pk=imp.pk).update(
            status=ImportStatus.FAILED, message=f"导入失败：{type(exc).__name__}"[:300]
        )
        raise
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # stops the checking process if the import ended early


def mark_missing_left(*, actor: Any, platform: Platform, seen_pks: set[int]) -> int:
    """Workers of the platform (within the actor's scope) missing from its new roster are
    marked as having left — never deleted."""
    qs = roster.writable_workers(actor, platform).filter(
        platform=platform, status=WorkerStatus.ACTIVE
    )
    missing = [pk for pk in qs.values_list("pk", flat=True) if pk not in seen_pks]
    today = timezone.localdate()
    for start in range(0, len(missing), 1000):
        part = missing[start : start + 1000]
        with transaction.atomic():
            Worker.objects.filter(pk__in=part).update(
                status=WorkerStatus.LEFT, left_on=today, updated_at=timezone.now()
            )
            WorkerChange.objects.bulk_create(
                [
                    WorkerChange(
                        worker_id=pk,
                        actor=roster._user(actor),
                        source="import",
                        changes={"status": ["active", "left"]},
                    )
                    for pk in part
                ]
            )
    if missing:
        audit.record(
            actor=actor, action="roster.marked_left", obj=platform, changes={"count": len(missing)}
        )
    return len(missing)


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
