"""The database part of a backup: SQLite through the online backup API, PostgreSQL
through pg_dump/pg_restore in custom format; row counts and migration state (ADR 0040)."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from .archive import CHUNK, PG_PART, SQLITE_PART, BackupError


def used_tables() -> tuple[str, ...]:
    """A target "holds data" when the app has been used in it: any account, audit event
    or session. Migrations alone fill only reference tables (content types, categories)."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from ..models import AuditEvent

    return (get_user_model()._meta.db_table, AuditEvent._meta.db_table, Session._meta.db_table)


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
            if conn.is_in_memory_db():  # type: ignore[attr-defined]
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


def migration_state(rows: list[tuple[str, str]]) -> dict[str, Any]:
    latest: dict[str, str] = {}
    for app, name in rows:
        if name > latest.get(app, ""):
            latest[app] = name
    return {"applied": len(rows), "latest": dict(sorted(latest.items()))}


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: db.execute(f"SELECT COUNT(*) FROM {_q(t)}").fetchone()[0] for t in sorted(tables)}  # noqa: S608


def _q(name: str) -> str:
    """An SQLite identifier, quoted (names come from sqlite_master, not from users)."""
    return '"' + name.replace('"', '""') + '"'


def _sqlite_migrations(db: sqlite3.Connection) -> list[tuple[str, str]]:
    try:
        return list(db.execute("SELECT app, name FROM django_migrations"))
    except sqlite3.OperationalError:
        return []


def dump_sqlite(alias: str, work: Path) -> tuple[Path, dict[str, int], dict[str, Any]]:
    """Copy the live database with the online backup API, then count rows in the copy."""
    conn = connections[alias]
    conn.ensure_connection()
    copy = work / "database.sqlite3"
    dst = sqlite3.connect(copy)
    try:
        conn.connection.backup(dst)
        counts = _sqlite_counts(dst)
        migrations = migration_state(_sqlite_migrations(dst))
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


def dump_postgresql(target: DbTarget, work: Path) -> tuple[Path, dict[str, int], dict[str, Any]]:
    """pg_dump in a snapshot exported by a repeatable-read transaction that also counts."""
    part = work / PG_PART
    with target.pg_connect() as pg:
        pg.autocommit = False
        pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with pg.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            # An argument list (no shell); the program comes from settings.
            result = subprocess.run(  # noqa: S603
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
            migrations = migration_state(_pg_migrations(cur))
        pg.rollback()
    return part, counts, migrations


def target_has_data(target: DbTarget) -> bool:
    if target.vendor == "sqlite":
        if target.name == ":memory:" or not Path(target.name).exists():
            return False
        db = sqlite3.connect(target.name)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            return any(
                db.execute(f"SELECT 1 FROM {_q(t)} LIMIT 1").fetchone()  # noqa: S608
                for t in used_tables()
                if t in tables
            )
        finally:
            db.close()
    with target.pg_connect() as pg, pg.cursor() as cur:
        from psycopg import sql

        for t in used_tables():
            cur.execute("SELECT to_regclass(%s)", [t])
            if cur.fetchone()[0] is None:
                continue
            cur.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(t)))
            if cur.fetchone():
                return True
    return False


def restore_sqlite(part: Path, target: DbTarget) -> dict[str, int]:
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


def restore_postgresql(part: Path, target: DbTarget) -> dict[str, int]:
    result = subprocess.run(  # noqa: S603 - an argument list, no shell
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
