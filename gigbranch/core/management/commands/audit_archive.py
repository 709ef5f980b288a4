"""Archive old audit days: export, verify the export, and only then remove them (ADR 0046).

Without --purge the command only writes and verifies the archive. With --purge it removes
the archived days from the database, never a day younger than AUDIT_RETENTION_DAYS (at
least 183: six months stay online), and only when both the database range and the file
verify. On PostgreSQL the purge switches the append-only trigger off inside its own
transaction, which only the table's owner may do: run it with the owner role's
DATABASE_URL (docs/operations-audit.md); the application's own role cannot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from gigbranch.core import audit, auditchain
from gigbranch.core.models import AuditChain, AuditEvent

from .audit_verify import parse_date


class Command(BaseCommand):
    help = (
        "Export the audit days before --before to --output as verified JSON lines; with "
        "--purge, then remove those days (only older than AUDIT_RETENTION_DAYS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="first day kept, YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="archive file to create (0600)")
        parser.add_argument("--purge", action="store_true", help="remove the archived days")

    def handle(self, *args: Any, **options: Any) -> None:
        before = parse_date(options["before"])
        path = options["output"]
        last = before - dt.timedelta(days=1)
        oldest_kept = timezone.localdate() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
        if options["purge"] and before > oldest_kept:
            raise CommandError(
                f"不能删除 {oldest_kept.isoformat()} 之后的审计记录："
                f"在线保留期为 {settings.AUDIT_RETENTION_DAYS} 天（不少于6个月）。"
            )
        days = [d for d in auditchain.chained_days() if d <= last]
        if not days:
            raise CommandError(f"{before.isoformat()} 之前没有可归档的审计记录。")
        in_db = auditchain.verify_database(days[0], last)
        broken = auditchain.first_break(in_db)
        if broken is not None:
            raise CommandError(f"数据库中的审计链已断裂，未归档：{broken}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"文件已存在：{path}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in auditchain.export_lines(days[0], last):
                fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        with open(path, encoding="utf-8") as fh:
            in_file = auditchain.verify_lines(fh)
        expected = [(r.day, r.rows) for r in in_db]
        if auditchain.first_break(in_file) or [(r.day, r.rows) for r in in_file] != expected:
            raise CommandError(f"归档文件验证未通过，未删除任何记录：{path}")
        rows = sum(r.rows for r in in_db)
        self.stdout.write(
            f"已归档并验证：{days[0].isoformat()} 至 {last.isoformat()}，{len(days)} 天，"
            f"{rows} 条，sha256 {digest.hexdigest()}"
        )
        if options["purge"]:
            self._purge(days[0], last, rows, path, digest.hexdigest())

    def _purge(self, first: dt.date, last: dt.date, rows: int, path: str, sha256: str) -> None:
        table = AuditEvent._meta.db_table
        try:
            with transaction.atomic(), auditchain.erasure(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {auditchain.PG_TRIGGER}")
                cursor.execute(
                    f"DELETE FROM {table} WHERE chain_day >= %s AND chain_day <= %s",  # noqa: S608
                    [first, last],
                )
                removed = cursor.rowcount
                if connection.vendor == "postgresql":
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {auditchain.PG_TRIGGER}")
                if removed != rows:
                    raise CommandError(f"删除行数（{removed}）与归档行数（{rows}）不符，已撤销。")
                AuditChain.objects.filter(day__gte=first, day__lte=last).delete()
                audit.record(
                    actor=None,
                    action="audit.archived",
                    object_type="core.auditevent",
                    changes={
                        "from": first.isoformat(),
                        "to": last.isoformat(),
                        "rows": rows,
                        "file": os.path.basename(path),
                        "sha256": sha256,
                    },
                )
        except DatabaseError as exc:
            raise CommandError(
                f"删除失败（须以审计表属主角色运行，见 docs/operations-audit.md）：{exc}"
            ) from exc
        self.stdout.write(f"已从数据库删除 {rows} 条已归档的审计记录。")
