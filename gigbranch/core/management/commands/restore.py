from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from gigbranch.core import actors, audit, backup


class Command(BaseCommand):
    help = (
        "Restore an archive made by `backup` into an empty database and MEDIA_ROOT, after "
        "verifying every part's sha256; report row counts against the manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument("--media-root", type=Path, default=None)
        parser.add_argument(
            "--replace-existing-data",
            action="store_true",
            help="overwrite a database or media folder that already holds data",
        )

    def handle(self, *args, archive, database, media_root, replace_existing_data, **options):
        media_root = Path(media_root or settings.MEDIA_ROOT)
        try:
            target = backup.DbTarget.from_alias(database)
            connections[database].close()
            report = backup.restore(
                archive,
                target=target,
                media_root=media_root,
                replace_existing=replace_existing_data,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = report.manifest
        self.stdout.write(
            f"已恢复：{archive.name}（备份时间 {manifest['created_at']}，"
            f"{manifest['database']['vendor']}，应用版本 {manifest['app']['version']}）"
        )
        self.stdout.write(
            f"上传文件：{report.media_files} 个（清单 {manifest['media']['files']} 个）"
        )
        configured = set(backup.key_ids()["field_encryption_key_ids"])
        missing = [k for k in manifest["keys"]["field_encryption_key_ids"] if k not in configured]
        if missing:
            self.stderr.write(
                f"警告：本机未配置密钥 {', '.join(missing)}，用这些密钥加密的字段将无法解密。"
            )
        mismatches = report.mismatches
        self.stdout.write(f"{'表':<40} {'清单行数':>10} {'恢复行数':>10}")
        for table, expected in sorted(manifest["row_counts"].items()):
            got = report.restored_counts.get(table)
            flag = "" if got == expected else "  ← 不一致"
            self.stdout.write(
                f"{table:<40} {expected:>10} {got if got is not None else '-':>10}{flag}"
            )
        audit.record(
            actor=actors.OPERATOR,
            action="backup.restored",
            object_type="backup",
            object_id=archive.name,
            changes={
                "by": "system",
                "archive": str(archive),
                "created_at": manifest["created_at"],
                "mismatches": {t: list(v) for t, v in mismatches.items()},
            },
        )
        if mismatches:
            raise CommandError(f"恢复后的行数与备份清单不一致：{', '.join(mismatches)}")
        self.stdout.write(self.style.SUCCESS("行数与备份清单一致。"))
