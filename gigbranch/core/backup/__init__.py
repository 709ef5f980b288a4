"""Backups and restore (issue 16, ADR 0040).

An archive is one uncompressed tar file holding:

- ``manifest.json``: created at (local time), database vendor, app version and migration
  state, row counts per table, media file count, sha256 and size of each part, and the
  *ids* of the field-encryption keys in use (never key material);
- ``manifest.sha256``: the sha256 of ``manifest.json``;
- the database part: ``database.sqlite3.gz`` (SQLite online backup API, consistent while
  the app writes in WAL mode) or ``database.pgdump`` (``pg_dump --format=custom`` taken
  in an exported snapshot, so the row counts and the dump agree);
- ``media.tar``: the uploaded files under MEDIA_ROOT.

The keys (FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY, SECRET_KEY) are never written into an
archive; they are backed up separately (docs/operations-backup.md). A restore verifies
every part's sha256 before it touches the target, refuses a target that already holds
data unless told to replace it, and compares the restored row counts with the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import audit, services
from .archive import (
    FORMAT,
    MANIFEST,
    MANIFEST_SUM,
    MEDIA_PART,
    PG_PART,
    SQLITE_PART,
    BackupError,
    add_bytes,
    archive_name,
    media_has_files,
    pack_media,
    private_tempdir,
    prune,
    read_archive,
    sha256_file,
)
from .databases import (
    DbTarget,
    dump_postgresql,
    dump_sqlite,
    restore_postgresql,
    restore_sqlite,
    target_has_data,
)

__all__ = [
    "BackupError",
    "BackupResult",
    "DbTarget",
    "RestoreReport",
    "create_backup",
    "key_ids",
    "prune",
    "read_archive",
    "restore",
    "run_backup",
    "target_has_data",
]

NOTICE_KEY = "backup.failed"

logger = logging.getLogger(__name__)


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: dict[str, Any]
    pruned: list[Path] = field(default_factory=list)


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    restored_counts: dict[str, int]
    media_files: int

    @property
    def mismatches(self) -> dict[str, tuple[int | None, int | None]]:
        expected: dict[str, int] = self.manifest["row_counts"]
        out: dict[str, tuple[int | None, int | None]] = {}
        for table in sorted(set(expected) | set(self.restored_counts)):
            a, b = expected.get(table), self.restored_counts.get(table)
            if a != b:
                out[table] = (a, b)
        return out


def key_ids() -> dict[str, Any]:
    """The ids (the `kid` part) of the configured field-encryption keys; no key material."""
    kids = [pair.partition(":")[0].strip() for pair in settings.FIELD_ENCRYPTION_KEYS]
    return {"field_encryption_key_ids": kids, "current_key_id": kids[0] if kids else ""}


def app_version() -> str:
    try:
        return importlib.metadata.version("gigbranch")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def create_backup(
    *,
    alias: str = "default",
    backup_dir: Path | None = None,
    media_root: Path | None = None,
    now: dt.datetime | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Write one archive (mode 0600) into `backup_dir`; return its path and manifest."""
    backup_dir = Path(backup_dir or settings.BACKUP_DIR)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    now = now or timezone.now()
    backup_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(backup_dir, 0o700)
    target = DbTarget.from_alias(alias)
    with private_tempdir(backup_dir) as work:
        if target.vendor == "sqlite":
            db_part, counts, migrations = dump_sqlite(alias, work)
        else:
            db_part, counts, migrations = dump_postgresql(target, work)
        media_part, media_files, media_bytes = pack_media(media_root, work, skip=backup_dir)
        parts = {
            p.name: {"sha256": sha256_file(p), "size": p.stat().st_size}
            for p in (db_part, media_part)
        }
        manifest = {
            "format": FORMAT,
            "created_at": timezone.localtime(now).isoformat(),
            "time_zone": settings.TIME_ZONE,
            "database": {"vendor": target.vendor, "part": db_part.name},
            "app": {"version": app_version(), "migrations": migrations},
            "row_counts": counts,
            "media": {"files": media_files, "bytes": media_bytes},
            "parts": parts,
            "keys": {
                **key_ids(),
                "note": "加密密钥、盲索引密钥和 SECRET_KEY 不在本备份中，须另行保管。",
            },
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        final = archive_name(now, backup_dir)
        partial = work / (final.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w") as tar:
            add_bytes(tar, MANIFEST, manifest_bytes, now)
            add_bytes(tar, MANIFEST_SUM, hashlib.sha256(manifest_bytes).hexdigest().encode(), now)
            for p in (db_part, media_part):
                tar.add(p, arcname=p.name)
        os.chmod(partial, 0o600)
        os.replace(partial, final)
    return final, manifest


def run_backup(*, trigger: str, actor: Any = None, keep: int | None = None) -> BackupResult:
    """Back up, prune beyond the retention, and audit it. On failure: an error log, an
    audit event and a console notice for the system administrator; then re-raise."""
    keep = settings.BACKUP_KEEP if keep is None else keep
    try:
        path, manifest = create_backup()
        pruned = prune(path.parent, keep=keep)
    except Exception as exc:
        logger.exception("backup failed")
        when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        try:
            with transaction.atomic():
                audit.record(
                    actor=actor,
                    action="backup.failed",
                    object_type="backup",
                    changes={"by": _who(actor), "trigger": trigger, "error": str(exc)[:500]},
                )
                services.raise_notice(
                    key=NOTICE_KEY,
                    level="error",
                    message=f"数据备份失败（{when}），错误详情见服务器日志。"
                    "请系统管理员检查备份目录、磁盘空间和数据库连接。",
                )
        except Exception:  # the database itself may be what failed; the log has it
            logger.exception("backup failure could not be recorded")
        raise
    size = path.stat().st_size
    audit.record(
        actor=actor,
        action="backup.created",
        object_type="backup",
        object_id=path.name,
        changes={
            "by": _who(actor),
            "trigger": trigger,
            "file": str(path),
            "size": size,
            "row_counts": manifest["row_counts"],
            "media_files": manifest["media"]["files"],
            "pruned": [p.name for p in pruned],
        },
    )
    services.resolve_notice(key=NOTICE_KEY)
    return BackupResult(path=path, size=size, manifest=manifest, pruned=pruned)


def _who(actor: Any) -> str:
    return getattr(actor, "username", "") or "system"


def restore(
    archive: Path,
    *,
    target: DbTarget,
    media_root: Path,
    replace_existing: bool = False,
) -> RestoreReport:
    """Restore an archive into `target` and `media_root` after verifying it."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    with private_tempdir() as work:
        manifest = read_archive(archive, work)
        vendor = manifest["database"]["vendor"]
        if vendor != target.vendor:
            raise BackupError(f"备份来自 {vendor} 数据库，不能恢复到 {target.vendor} 数据库。")
        if not replace_existing:
            if target_has_data(target):
                raise BackupError(
                    "目标数据库已有数据（账号、审计记录或会话），拒绝恢复。"
                    "只能恢复到空数据库；确需覆盖请加 --replace-existing-data。"
                )
            if media_has_files(media_root):
                raise BackupError(
                    f"上传文件目录 {media_root} 不为空，拒绝恢复。"
                    "确需覆盖请加 --replace-existing-data。"
                )
        if vendor == "sqlite":
            counts = restore_sqlite(work / SQLITE_PART, target)
        else:
            counts = restore_postgresql(work / PG_PART, target)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(work / MEDIA_PART, "r:") as tar:
            files = [m for m in tar.getmembers() if m.isfile()]
            tar.extractall(media_root, filter="data")
    return RestoreReport(manifest=manifest, restored_counts=counts, media_files=len(files))
