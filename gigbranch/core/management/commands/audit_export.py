"""Export a range of the audit log as JSON lines for a separate log server (ADR 0046)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gigbranch.core import auditchain

from .audit_verify import parse_date


class Command(BaseCommand):
    help = (
        "Write the audit events of local days FROM..TO as JSON lines (each row's content, "
        "key id and hash, then each day's chain head) to --output or standard output. "
        "The receiver verifies with `audit_verify --file` and the audit key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--output", help="file to write (mode 0600); default stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        date_from = parse_date(options["date_from"])
        date_to = parse_date(options["date_to"])
        if date_from > date_to:
            raise CommandError("--from 不能晚于 --to。")
        lines = auditchain.export_lines(date_from, date_to)
        path = options["output"]
        if not path:
            for line in lines:
                sys.stdout.write(line)
            return
        written = 0
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"文件已存在：{path}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line)
                written += 1
        self.stdout.write(f"已导出 {written} 行至 {path}")
