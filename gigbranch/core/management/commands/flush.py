"""`flush` empties every table, the audit log included (ADR 0046).

On PostgreSQL Django flushes with TRUNCATE, which the row triggers do not see; on SQLite
it deletes rows, which the audit table's trigger refuses except inside
`auditchain.erasure()`. Test runs flush between transactional tests; in production the
application's database user has no TRUNCATE right on the audit table (docs/operations-audit.md).
"""

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlushCommand

from gigbranch.core.auditchain import erasure


class Command(DjangoFlushCommand):
    def handle(self, **options: Any) -> None:
        with erasure():
            super().handle(**options)
