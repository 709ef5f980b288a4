"""Backups and the restore drill (issue 16, ADR 0040): back up a seeded database, restore
it into a fresh one (SQLite file, or a PostgreSQL database made for the test) and compare
row counts and decrypted values; tampering, non-empty targets, retention, key material,
the daily schedule and failure alerts."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.checks import run_checks
from django.db import connection
from django.utils import timezone

from gigbranch.core import backup, schedule
from gigbranch.core.crypto import get_cipher
from gigbranch.core.models import AuditEvent, SystemNotice
from gigbranch.members.models import Worker
from tests.factories import WorkerFactory

ROOT = Path(__file__).resolve().parents[3]
MEDIA_BYTES = "导入名册 2026\n".encode() * 50


def live_counts() -> dict[str, int]:
    with connection.cursor() as cur:
        out = {}
        for table in connection.introspection.table_names(include_views=False):
            cur.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            out[table] = cur.fetchone()[0]
        return out


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[tuple[backup.DbTarget, str]]:
    """An empty database of the vendor under test, and its DATABASE_URL; dropped after."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield backup.DbTarget(vendor="sqlite", name=str(path)), f"sqlite:///{path}"
        return
    live = backup.DbTarget.from_alias("default")
    name = f"gb_backup_restore_{secrets.token_hex(4)}"
    admin = backup.DbTarget(**{**live.__dict__, "name": "postgres"})
    with admin.pg_connect() as pg:
        pg.execute(f'CREATE DATABASE "{name}"')
    target = backup.DbTarget(**{**live.__dict__, "name": name})
    auth = f"{target.user}:{target.password}@" if target.password else f"{target.user}@"
    url = f"postgres://{auth}{target.host or '127.0.0.1'}:{target.port or 5432}/{name}"
    try:
        yield target, url
    finally:
        with admin.pg_connect() as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fetch(target: backup.DbTarget, sql: str, params: list) -> list[tuple]:
    if target.vendor == "sqlite":
        db = sqlite3.connect(target.name)
        try:
            return list(db.execute(sql.replace("%s", "?"), params))
        finally:
            db.close()
    with target.pg_connect() as pg, pg.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.fixture
def backup_env(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "imports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "imports" / "名册.xlsx").write_bytes(MEDIA_BYTES)
    return tmp_path


@pytest.fixture
def seeded(two_townships, county_admin):
    workers = [two_townships["a"]["worker"], two_townships["b"]["worker"]]
    workers += WorkerFactory.create_batch(3, region=two_townships["a"]["town"])
    return workers


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database_with_same_rows_and_decryptable_values(
    backup_env, seeded, tmp_path
):
    before = live_counts()
    # 2026-03-01 18:30 UTC is 02:30 on 2 March in Asia/Shanghai: the name is local time.
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 30, tzinfo=dt.UTC), tick=False):
        result = backup.run_backup(trigger="test")
    assert result.path.name == "gigbranch-20260302-023000.tar"
    assert result.path.parent == settings.BACKUP_DIR
    assert os.stat(result.path).st_mode & 0o777 == 0o600
    manifest = result.manifest
    assert manifest["created_at"] == "2026-03-02T02:30:00+08:00"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["row_counts"] == before
    assert manifest["row_counts"][Worker._meta.db_table] == len(seeded)
    assert manifest["media"] == {"files": 1, "bytes": len(MEDIA_BYTES)}
    assert manifest["app"]["migrations"]["latest"]["members"].startswith("00")
    event = AuditEvent.objects.get(action="backup.created")
    assert event.actor is None
    assert event.changes["by"] == "system"
    assert event.changes["size"] == result.size
    assert event.changes["row_counts"][Worker._meta.db_table] == len(seeded)

    media2 = tmp_path / "media-restored"
    with fresh_database(tmp_path) as (target, _url):
        report = backup.restore(result.path, target=target, media_root=media2)
        assert report.mismatches == {}
        assert report.restored_counts == before
        assert (media2 / "imports" / "名册.xlsx").read_bytes() == MEDIA_BYTES

        cipher = get_cipher()
        table = Worker._meta.db_table
        for worker in seeded:
            (id_token, mobile_token), *_ = fetch(
                target, f"SELECT id_number, mobile FROM {table} WHERE id = %s", [worker.pk]
            )
            assert id_token != worker.id_number  # ciphertext at rest
            assert cipher.decrypt(id_token, context="id_number") == worker.id_number
            assert cipher.decrypt(mobile_token, context="mobile") == worker.mobile
            by_id = fetch(
                target,
                f"SELECT id FROM {table} WHERE id_number_hash = %s",
                [cipher.blind_index(worker.id_number, context="id_number")],
            )
            by_mobile = fetch(
                target,
                f"SELECT id FROM {table} WHERE mobile_hash = %s",
                [cipher.blind_index(worker.mobile, context="mobile")],
            )
            assert by_id == [(worker.pk,)]
            assert by_mobile == [(worker.pk,)]


@pytest.mark.django_db(transaction=True)
def test_archive_holds_no_key_material_only_key_ids(backup_env, seeded):
    result = backup.run_backup(trigger="test")
    data = result.path.read_bytes()
    secrets_ = [settings.SECRET_KEY, settings.FIELD_HASH_KEY]
    secrets_ += [pair.partition(":")[2] for pair in settings.FIELD_ENCRYPTION_KEYS]
    secrets_ += [pair.partition(":")[2] for pair in settings.AUDIT_HMAC_KEYS]  # ADR 0046
    for value in secrets_:
        assert value and value.encode() not in data
        assert value.upper().encode() not in data
    for hexkey in [settings.FIELD_HASH_KEY, *secrets_[2:]]:
        assert bytes.fromhex(hexkey) not in data
    with tarfile.open(result.path) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[:2] == ["manifest.json", "manifest.sha256"]
    kids = [pair.partition(":")[0] for pair in settings.FIELD_ENCRYPTION_KEYS]
    assert manifest["keys"]["field_encryption_key_ids"] == kids
    assert manifest["keys"]["current_key_id"] == kids[0]


@pytest.mark.django_db(transaction=True)
def test_a_backup_folder_inside_media_root_is_not_copied_into_the_archive(
    backup_env, seeded, settings
):
    settings.BACKUP_DIR = settings.MEDIA_ROOT / "backups"
    first = backup.run_backup(trigger="test")
    second = backup.run_backup(trigger="test")
    assert first.manifest["media"] == {"files": 1, "bytes": len(MEDIA_BYTES)}
    assert second.manifest["media"] == first.manifest["media"]
    with (
        tarfile.open(second.path) as tar,
        tarfile.open(fileobj=tar.extractfile("media.tar")) as media,  # type: ignore[arg-type]
    ):
        assert media.getnames() == ["imports/名册.xlsx"]


def _flip_one_byte(archive: Path, member_name: str, out: Path) -> None:
    shutil.copy(archive, out)
    with tarfile.open(archive) as tar:
        member = tar.getmember(member_name)
        offset = member.offset_data + member.size // 2
    with out.open("r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0x01]))


@pytest.mark.django_db(transaction=True)
def test_a_tampered_archive_is_refused_before_anything_is_restored(backup_env, seeded, tmp_path):
    result = backup.run_backup(trigger="test")
    db_part = result.manifest["database"]["part"]
    for member in ("manifest.json", "manifest.sha256", db_part, "media.tar"):
        bad = tmp_path / f"bad-{member}.tar"
        _flip_one_byte(result.path, member, bad)
        media2 = tmp_path / f"media-{member}"
        with fresh_database(tmp_path) as (target, _url):
            with pytest.raises(backup.BackupError, match="校验失败"):
                backup.restore(bad, target=target, media_root=media2)
            assert not backup.target_has_data(target)
            if target.vendor == "sqlite":
                assert not Path(target.name).exists()
            else:
                assert fetch(target, "SELECT to_regclass('members_worker')", []) == [(None,)]
        assert not media2.exists()
    # a byte in a tar header is refused too (the header checksum), in Chinese
    bad = tmp_path / "bad-header.tar"
    shutil.copy(result.path, bad)
    with bad.open("r+b") as fh:
        fh.seek(600)  # inside the second member's header
        fh.write(b"\xff")
    with fresh_database(tmp_path) as (target, _url), pytest.raises(backup.BackupError):
        backup.restore(bad, target=target, media_root=tmp_path / "media-header")


@pytest.mark.django_db(transaction=True)
def test_restore_into_a_database_with_data_is_refused_and_changes_nothing(
    backup_env, seeded, tmp_path
):
    result = backup.run_backup(trigger="test")
    with fresh_database(tmp_path) as (target, _url):
        backup.restore(result.path, target=target, media_root=tmp_path / "m1")
        table = Worker._meta.db_table
        fetch_all = f"SELECT id, id_number FROM {table} ORDER BY id"
        before = fetch(target, fetch_all, [])
        if target.vendor == "sqlite":
            db = sqlite3.connect(target.name)
            db.execute(f"DELETE FROM {table} WHERE id = ?", [seeded[0].pk])
            db.commit()
            db.close()
        else:
            with target.pg_connect() as pg:
                pg.execute(f"DELETE FROM {table} WHERE id = %s", [seeded[0].pk])
        changed = fetch(target, fetch_all, [])
        assert len(changed) == len(before) - 1
        with pytest.raises(backup.BackupError, match="目标数据库已有数据"):
            backup.restore(result.path, target=target, media_root=tmp_path / "m2")
        assert fetch(target, fetch_all, []) == changed
        assert not (tmp_path / "m2").exists()
        # the explicit flag replaces it
        report = backup.restore(
            result.path, target=target, media_root=tmp_path / "m2", replace_existing=True
        )
        assert report.mismatches == {}
        assert fetch(target, fetch_all, []) == before
    # a media folder with files is refused as well, even into an empty database
    (tmp_path / "other").mkdir()
    with fresh_database(tmp_path / "other") as (target, _url):
        with pytest.raises(backup.BackupError, match="不为空"):
            backup.restore(result.path, target=target, media_root=tmp_path / "m1")
        assert not backup.target_has_data(target)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_commands_run_a_restore_drill(backup_env, seeded, tmp_path):
    from django.core.management import call_command

    call_command("backup", "--keep", "5")
    (archive,) = sorted(settings.BACKUP_DIR.glob("gigbranch-*.tar"))
    with fresh_database(tmp_path) as (_target, url):
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(tmp_path / "drill-media"),
            "GIGBRANCH_VAR_DIR": str(tmp_path / "drill-var"),
            "GIGBRANCH_PROFILE": "test",
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
            "AUDIT_HMAC_KEYS": ",".join(settings.AUDIT_HMAC_KEYS),
        }

        def restore_cmd() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "manage.py", "restore", str(archive)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )

        first = restore_cmd()
        assert first.returncode == 0, first.stdout + first.stderr
        assert "行数与备份清单一致" in first.stdout
        assert f"{Worker._meta.db_table}" in first.stdout
        assert "上传文件：1 个（清单 1 个）" in first.stdout
        second = restore_cmd()
        assert second.returncode == 1
        assert "目标数据库已有数据" in second.stderr
        assert "Traceback" not in second.stderr


def test_restore_of_a_missing_or_foreign_file_is_a_chinese_error(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "none.tar"))
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all" * 100)
    target = backup.DbTarget(vendor="sqlite", name=str(tmp_path / "t.sqlite3"))
    with pytest.raises(backup.BackupError, match="无法读取备份文件"):
        backup.restore(junk, target=target, media_root=tmp_path / "m")
    assert not (tmp_path / "t.sqlite3").exists()


def test_retention_deletes_only_the_oldest_beyond_n(tmp_path):
    names = [
        "gigbranch-20260101-023000.tar",
        "gigbranch-20260102-023000.tar",
        "gigbranch-20260103-023000.tar",
        "gigbranch-20260103-023000-1.tar",
        "gigbranch-20260104-023000.tar",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    others = ["notes.txt", "gigbranch-20251231-023000.tar.partial", "other-20250101.tar"]
    for name in others:
        (tmp_path / name).write_bytes(b"y")
    removed = backup.prune(tmp_path, keep=3)
    assert sorted(p.name for p in removed) == names[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:] + others)
    assert backup.prune(tmp_path, keep=3) == []


def test_daily_slot_is_the_local_date_after_the_local_time():
    utc = dt.UTC
    # 02:29 and 02:31 in Asia/Shanghai on 2 March, whatever zone the datetime arrives in
    assert schedule.daily_slot(dt.datetime(2026, 3, 1, 18, 29, tzinfo=utc), "02:30") is None
    assert schedule.daily_slot(dt.datetime(2026, 3, 1, 18, 31, tzinfo=utc), "02:30") == (
        "2026-03-02"
    )
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert schedule.daily_slot(dt.datetime(2026, 3, 1, 13, 31, tzinfo=eastern), "02:30") == (
        "2026-03-02"
    )
    assert schedule.daily_slot(dt.datetime(2026, 3, 1, 18, 31, tzinfo=utc), "") is None
    for bad in ("2:3x", "25:00", "0230", "02:3"):
        with pytest.raises(ValueError):
            schedule.parse_daily_at(bad)


def test_a_malformed_backup_time_fails_the_system_check(settings):
    settings.BACKUP_DAILY_AT = "半夜"
    errors = [e for e in run_checks() if e.id == "core.E020"]
    assert len(errors) == 1
    assert "BACKUP_DAILY_AT" in errors[0].msg
    settings.BACKUP_DAILY_AT = "02:30"
    assert [e for e in run_checks() if e.id == "core.E020"] == []


@pytest.mark.django_db(transaction=True)
def test_daily_backup_is_scheduled_at_local_time_and_run_by_the_real_worker(
    backup_env, seeded, settings
):
    from django.core.management import call_command

    settings.BACKUP_DAILY_AT = "02:30"
    job = "gigbranch.core.tasks.daily_backup"
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 29, tzinfo=dt.UTC), tick=False):
        assert job not in schedule.enqueue_due(timezone.now())
    with time_machine.travel(dt.datetime(2026, 3, 1, 18, 31, tzinfo=dt.UTC), tick=False):
        assert job in schedule.enqueue_due(timezone.now())
    with time_machine.travel(dt.datetime(2026, 3, 2, 15, 59, tzinfo=dt.UTC), tick=False):
        assert job not in schedule.enqueue_due(timezone.now())  # 23:59, same local day
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    archives = list(settings.BACKUP_DIR.glob("gigbranch-*.tar"))
    assert len(archives) == 1
    event = AuditEvent.objects.get(action="backup.created")
    assert event.changes["trigger"] == "scheduled"
    assert event.changes["by"] == "system"
    assert event.object_id == archives[0].name
    with time_machine.travel(dt.datetime(2026, 3, 2, 18, 31, tzinfo=dt.UTC), tick=False):
        assert job in schedule.enqueue_due(timezone.now())  # the next local day


@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_logs_audits_and_raises_a_notice_until_the_next_success(
    backup_env, seeded, settings, caplog
):
    blocker = backup_env / "not-a-dir"
    blocker.write_text("x")
    settings.BACKUP_DIR = blocker / "backups"
    with pytest.raises(OSError):
        backup.run_backup(trigger="scheduled")
    assert "backup failed" in caplog.text
    failed = AuditEvent.objects.get(action="backup.failed")
    assert failed.changes["by"] == "system"
    assert failed.changes["trigger"] == "scheduled"
    notice = SystemNotice.objects.get(key=backup.NOTICE_KEY)
    assert notice.resolved_at is None
    assert notice.level == "error"
    assert notice.message.startswith("数据备份失败")
    assert "服务器日志" in notice.message
    settings.BACKUP_DIR = backup_env / "backups"
    backup.run_backup(trigger="scheduled")
    notice.refresh_from_db()
    assert notice.resolved_at is not None
