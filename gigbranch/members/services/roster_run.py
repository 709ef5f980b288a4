"""The roster's dry run and import run (ADR 0011, 0052): done in the request for a small
file, in the task worker with progress (rows done / total on the import's page) for a
large one. `members/tasks.py` calls these; `services/roster.py` starts them. The uploaded
file is kept encrypted (SM4-GCM) until the import finishes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.core import audit
from gigbranch.core.crypto import get_cipher
from gigbranch.core.imports.batches import Batch

from .. import roster, rosterpipe
from ..models import ImportStatus, Platform, RosterImport, Worker, WorkerChange, WorkerStatus

MAX_STORED_ERRORS = 5000
FILE_CONTEXT = b"members.roster_file"


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
    # updated_at is the import's heartbeat: recovery.py resumes an import that stops moving.
    RosterImport.objects.filter(pk=imp.pk).update(
        status=ImportStatus.RUNNING, processed_rows=0, updated_at=timezone.now()
    )
    batches: Iterator[Batch] = iter(())
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
                RosterImport.objects.filter(pk=imp.pk).update(
                    processed_rows=processed, updated_at=timezone.now()
                )
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
