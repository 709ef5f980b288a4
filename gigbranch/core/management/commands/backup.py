from django.core.management.base import BaseCommand, CommandError

from gigbranch.core import backup


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into one archive in BACKUP_DIR "
        "(keys are never included; see docs/operations-backup.md) and apply the retention."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep", type=int, default=None, help="archives to keep (default BACKUP_KEEP)"
        )

    def handle(self, *args, keep=None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep 至少为 1。")
        try:
            result = backup.run_backup(trigger="command", keep=keep)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(result.manifest["row_counts"].values())
        self.stdout.write(
            f"备份完成：{result.path}（{result.size} 字节，"
            f"{len(result.manifest['row_counts'])} 张表共 {rows} 行，"
            f"上传文件 {result.manifest['media']['files']} 个）"
        )
        for path in result.pruned:
            self.stdout.write(f"按保留策略删除：{path.name}")
