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
import gzip
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = "gigbranch-backup/1"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
SQLITE_PART = "database.sqlite3.gz"
PG_PART = "database.pgdump"
MEDIA_PART = "media.tar"
NAME_RE = re.compile(r"^gigbranch-(\d{8}-\d{6})(?:-(\d+))?\.tar$")
# A target "holds data" when the app has been used in it: any account, audit event or
# session. Migrations alone fill only reference tables (content types, categories).
USED_TABLES = ("accounts_user", "core_auditevent", "django_session")
CHUNK = 1024 * 1024
NOTICE_KEY = "backup.failed"

logger = logging.getLogger(__name__)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Chinese)."""


@dataclass(frozen=True)
class DbTarget:
    """Where a database lives: the vendor and Django-style connection settings."""

    vendor: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_alias(cls, alias: str = "default") -> DbTarget:
        conn = connections[alias]
        s = conn.settings_dict
        if conn.vendor == "sqlite":
            name = str(s["NAME"])
            if conn.is_in_memory_db():
                name = ":memory:"
            return cls(vendor="sqlite", name=name)
        if conn.vendor == "postgresql":
            return cls(
                vendor="postgresql",
                name=str(s["NAME"]),
                user=str(s.get("USER") or ""),
                password=str(s.get("PASSWORD") or ""),
                host=str(s.get("HOST") or ""),
                port=str(s.get("PORT") or ""),
            )
        raise BackupError(f"不支持备份该数据库类型：{conn.vendor}。")

    def pg_args(self) -> list[str]:
        args = []
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        if self.user:
            args += ["--username", self.user]
        return args

    def pg_env(self) -> dict[str, str]:
        env = {**os.environ}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def pg_connect(self) -> Any:
        import psycopg

        return psycopg.connect(
            dbname=self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
            autocommit=True,
        )


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


# --- small helpers --------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def key_ids() -> dict[str, Any]:
    """The ids (the `kid` part) of the configured field-encryption keys; no key material."""
    kids = [pair.partition(":")[0].strip() for pair in settings.FIELD_ENCRYPTION_KEYS]
    return {"field_encryption_key_ids": kids, "current_key_id": kids[0] if kids else ""}


def app_version() -> str:
    try:
        return importlib.metadata.version("gigbranch")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _migration_state(rows: list[tuple[str, str]]) -> dict[str, Any]:
    latest: dict[str, str] = {}
    for app, name in rows:
        if name > latest.get(app, ""):
            latest[app] = name
    return {"applied": len(rows), "latest": dict(sorted(latest.items()))}


def archive_name(now: dt.datetime, directory: Path) -> Path:
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    path = directory / f"gigbranch-{stamp}.tar"
    n = 1
    while path.exists():
        path = directory / f"gigbranch-{stamp}-{n}.tar"
        n += 1
    return path


def prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete the oldest archives beyond the newest `keep`; other files are left alone."""
    archives = []
    for entry in directory.iterdir():
        m = NAME_RE.match(entry.name)
        if m and entry.is_file():
            archives.append(((m.group(1), int(m.group(2) or 0)), entry))
    archives.sort(reverse=True)
    removed = []
    for _, path in archives[max(keep, 1) :]:
        path.unlink()
        removed.append(path)
    return removed


@contextmanager
def _private_tempdir(parent: Path | None = None) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="gb-backup-", dir=parent))
    try:
        os.chmod(path, 0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- database parts -------------------------------------------------------------------


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}


def _sqlite_migrations(db: sqlite3.Connection) -> list[tuple[str, str]]:
    try:
        return list(db.execute("SELECT app, name FROM django_migrations"))
    except sqlite3.OperationalError:
        return []


def _dump_sqlite(alias: str, work: Path) -> tuple[Path, dict[str, int], dict[str, Any]]:
    """Copy the live database with the online backup API, then count rows in the copy."""
    conn = connections[alias]
    conn.ensure_connection()
    copy = work / "database.sqlite3"
    dst = sqlite3.connect(copy)
    try:
        conn.connection.backup(dst)
        counts = _sqlite_counts(dst)
        migrations = _migration_state(_sqlite_migrations(dst))
    finally:
        dst.close()
    part = work / SQLITE_PART
    with copy.open("rb") as src, gzip.open(part, "wb", compresslevel=6) as out:
        shutil.copyfileobj(src, out, CHUNK)
    copy.unlink()
    return part, counts, migrations


def _pg_counts(cur: Any) -> dict[str, int]:
    from psycopg import sql

    cur.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    tables = sorted(r[0] for r in cur.fetchall())
    counts = {}
    for t in tables:
        cur.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(t)))
        counts[t] = cur.fetchone()[0]
    return counts


def _pg_migrations(cur: Any) -> list[tuple[str, str]]:
    cur.execute("SELECT to_regclass('django_migrations')")
    if cur.fetchone()[0] is None:
        return []
    cur.execute("SELECT app, name FROM django_migrations")
    return [(a, n) for a, n in cur.fetchall()]


def _dump_postgresql(target: DbTarget, work: Path) -> tuple[Path, dict[str, int], dict[str, Any]]:
    """pg_dump in a snapshot exported by a repeatable-read transaction that also counts."""
    part = work / PG_PART
    with target.pg_connect() as pg:
        pg.autocommit = False
        pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with pg.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            result = subprocess.run(
                [
                    settings.BACKUP_PG_DUMP,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={part}",
                    *target.pg_args(),
                    target.name,
                ],
                env=target.pg_env(),
                capture_output=True,
                text=True,
                timeout=settings.BACKUP_TIMEOUT_SECONDS,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump 失败：{result.stderr.strip()[:500]}")
            counts = _pg_counts(cur)
            migrations = _migration_state(_pg_migrations(cur))
        pg.rollback()
    return part, counts, migrations


def _pack_media(media_root: Path, work: Path) -> tuple[Path, int, int]:
    part = work / MEDIA_PART
    files = size = 0
    with tarfile.open(part, "w", format=tarfile.PAX_FORMAT) as tar:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=path.relative_to(media_root).as_posix())
                    files += 1
                    size += path.stat().st_size
    return part, files, size


# --- backup ---------------------------------------------------------------------------


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
    with _private_tempdir(backup_dir) as work:
        if target.vendor == "sqlite":
            db_part, counts, migrations = _dump_sqlite(alias, work)
        else:
            db_part, counts, migrations = _dump_postgresql(target, work)
        media_part, media_files, media_bytes = _pack_media(media_root, work)
        parts = {
            p.name: {"sha256": _sha256_file(p), "size": p.stat().st_size}
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
            _add_bytes(tar, MANIFEST, manifest_bytes, now)
            _add_bytes(
                tar, MANIFEST_SUM, hashlib.sha256(manifest_bytes).hexdigest().encode(), now
            )
            for p in (db_part, media_part):
                tar.add(p, arcname=p.name)
        os.chmod(partial, 0o600)
        os.replace(partial, final)
    return final, manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: dt.datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(now.timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def run_backup(*, trigger: str, actor: Any = None, keep: int | None = None) -> BackupResult:
    """Back up, prune beyond the retention, and audit it. On failure: an error log, an
    audit event and a console notice for the system administrator; then re-raise."""
    from . import audit, services

    keep = settings.BACKUP_KEEP if keep is None else keep
    try:
        path, manifest = create_backup()
        pruned = prune(path.parent, keep=keep)
    except Exception as exc:
        logger.exception("backup failed")
        when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        audit.record(
            actor=actor,
            action="backup.failed",
            object_type="backup",
            changes={"by": _who(actor), "trigger": trigger, "error": str(exc)[:500]},
        )
        services.raise_notice(
            key=NOTICE_KEY,
            level="error",
            message=f"数据备份失败（{when}）：{str(exc)[:120]}。请系统管理员检查备份目录、磁盘空间和数据库连接。",
        )
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


# --- restore --------------------------------------------------------------------------


def read_archive(archive: Path, work: Path) -> dict[str, Any]:
    """Extract the parts into `work`, verifying the manifest and every part's sha256."""
    try:
        with tarfile.open(archive, "r:") as tar:
            members = {m.name: m for m in tar.getmembers()}
            for name in (MANIFEST, MANIFEST_SUM):
                if name not in members or not members[name].isfile():
                    raise BackupError(f"备份文件不完整：缺少 {name}。")
            manifest_bytes = _read_member(tar, members[MANIFEST])
            expected_sum = _read_member(tar, members[MANIFEST_SUM]).decode("ascii", "replace")
            if hashlib.sha256(manifest_bytes).hexdigest() != expected_sum.strip():
                raise BackupError("备份清单校验失败（sha256 不符），备份文件可能已损坏或被篡改。")
            manifest = json.loads(manifest_bytes)
            if manifest.get("format") != FORMAT:
                raise BackupError("不是本系统的备份文件，或格式版本不受支持。")
            for name, meta in manifest["parts"].items():
                member = members.get(name)
                if name not in (SQLITE_PART, PG_PART, MEDIA_PART) or member is None:
                    raise BackupError(f"备份文件不完整：缺少 {name}。")
                if not member.isfile():
                    raise BackupError(f"备份文件中的 {name} 不是普通文件。")
                digest = hashlib.sha256()
                src = tar.extractfile(member)
                assert src is not None
                with (work / name).open("wb") as out:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != meta["sha256"]:
                    raise BackupError(
                        f"{name} 校验失败（sha256 不符），备份文件可能已损坏或被篡改，未做任何恢复。"
                    )
    except (tarfile.TarError, EOFError, OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"无法读取备份文件：{exc}") from exc
    return manifest


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    if member.size > 16 * 1024 * 1024:
        raise BackupError(f"备份文件中的 {member.name} 过大。")
    fh = tar.extractfile(member)
    assert fh is not None
    return fh.read()


def target_has_data(target: DbTarget) -> bool:
    if target.vendor == "sqlite":
        if target.name == ":memory:" or not Path(target.name).exists():
            return False
        db = sqlite3.connect(target.name)
        try:
            tables = {
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            return any(
                db.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
                for t in USED_TABLES
                if t in tables
            )
        finally:
            db.close()
    with target.pg_connect() as pg, pg.cursor() as cur:
        from psycopg import sql

        for t in USED_TABLES:
            cur.execute("SELECT to_regclass(%s)", [t])
            if cur.fetchone()[0] is None:
                continue
            cur.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(t)))
            if cur.fetchone():
                return True
    return False


def _media_has_files(media_root: Path) -> bool:
    return media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*"))


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
    with _private_tempdir() as work:
        manifest = read_archive(archive, work)
        vendor = manifest["database"]["vendor"]
        if vendor != target.vendor:
            raise BackupError(
                f"备份来自 {vendor} 数据库，不能恢复到 {target.vendor} 数据库。"
            )
        if not replace_existing:
            if target_has_data(target):
                raise BackupError(
                    "目标数据库已有数据（账号、审计记录或会话），拒绝恢复。"
                    "只能恢复到空数据库；确需覆盖请加 --replace-existing-data。"
                )
            if _media_has_files(media_root):
                raise BackupError(
                    f"上传文件目录 {media_root} 不为空，拒绝恢复。"
                    "确需覆盖请加 --replace-existing-data。"
                )
        if vendor == "sqlite":
            counts = _restore_sqlite(work / SQLITE_PART, target)
        else:
            counts = _restore_postgresql(work / PG_PART, target)
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(work / MEDIA_PART, "r:") as tar:
            files = [m for m in tar.getmembers() if m.isfile()]
            tar.extractall(media_root, filter="data")
    return RestoreReport(manifest=manifest, restored_counts=counts, media_files=len(files))


def _restore_sqlite(part: Path, target: DbTarget) -> dict[str, int]:
    if target.name == ":memory:":
        raise BackupError("不能恢复到内存数据库。")
    plain = part.with_suffix("")
    with gzip.open(part, "rb") as src, plain.open("wb") as out:
        shutil.copyfileobj(src, out, CHUNK)
    src_db = sqlite3.connect(plain)
    dst_db = sqlite3.connect(target.name, timeout=30)
    try:
        src_db.backup(dst_db)
        return _sqlite_counts(dst_db)
    finally:
        dst_db.close()
        src_db.close()


def _restore_postgresql(part: Path, target: DbTarget) -> dict[str, int]:
    result = subprocess.run(
        [
            settings.BACKUP_PG_RESTORE,
            "--no-password",
            "--no-owner",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target.name}",
            *target.pg_args(),
            str(part),
        ],
        env=target.pg_env(),
        capture_output=True,
        text=True,
        timeout=settings.BACKUP_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()[:500]}")
    with target.pg_connect() as pg, pg.cursor() as cur:
        return _pg_counts(cur)
