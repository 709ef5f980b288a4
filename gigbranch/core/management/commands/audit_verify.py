"""Verify the audit hash chain (ADR 0046): in the database, or in an `audit_export` file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gigbranch.core import auditchain


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式错误：{value!r}，应为 YYYY-MM-DD。") from None


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain day by day and report the first broken link "
        "(row id, date, what is wrong); exits 1 when any link is broken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", help="first local day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last local day, YYYY-MM-DD")
        parser.add_argument("--file", help="verify an audit_export JSON-lines file instead")

    def handle(self, *args: Any, **options: Any) -> None:
        date_from = parse_date(options["date_from"]) if options["date_from"] else None
        date_to = parse_date(options["date_to"]) if options["date_to"] else None
        if options["file"]:
            try:
                with open(options["file"], encoding="utf-8") as fh:
                    results = auditchain.verify_lines(fh)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"无法读取导出文件：{exc}") from exc
            results = [
                r
                for r in results
                if not ((date_from and r.day < date_from) or (date_to and r.day > date_to))
            ]
        else:
            results = auditchain.verify_database(date_from, date_to)
            if not auditchain.triggers_present():
                self.stderr.write("警告：审计表的只追加触发器不存在或已停用。")
        for result in results:
            status = "完整" if result.ok else f"异常：{result.breaks[0]}"
            self.stdout.write(f"{result.day.isoformat()}  {result.rows} 条  {status}")
        broken = auditchain.first_break(results)
        if broken is not None:
            raise CommandError(
                f"审计哈希链断裂，第一处：{broken}（日期 {broken.day.isoformat()}，"
                f"记录编号 {broken.event_id if broken.event_id is not None else '无'}）",
                returncode=1,
            )
        self.stdout.write(f"验证通过：{len(results)} 天，共 {sum(r.rows for r in results)} 条。")
