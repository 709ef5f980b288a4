"""The archive file: its parts, names, retention, and reading it back with every part's
sha256 verified (ADR 0040)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.utils import timezone

FORMAT = "gigbranch-backup/1"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
SQLITE_PART = "database.sqlite3.gz"
PG_PART = "database.pgdump"
MEDIA_PART = "media.tar"
NAME_RE = re.compile(r"^gigbranch-(\d{8}-\d{6})(?:-(\d+))?\.tar$")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Chinese)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
def private_tempdir(parent: Path | None = None) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="gb-backup-", dir=parent))
    try:
        os.chmod(path, 0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def pack_media(media_root: Path, work: Path, *, skip: Path) -> tuple[Path, int, int]:
    """The uploaded files, except anything under `skip` (a backup folder set inside
    MEDIA_ROOT must not copy older archives into each new one)."""
    part = work / MEDIA_PART
    files = size = 0
    skip = skip.resolve()
    with tarfile.open(part, "w", format=tarfile.PAX_FORMAT) as tar:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.resolve().is_relative_to(skip):
                    continue
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=path.relative_to(media_root).as_posix())
                    files += 1
                    size += path.stat().st_size
    return part, files, size


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: dt.datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(now.timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


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


def media_has_files(media_root: Path) -> bool:
    return media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*"))
