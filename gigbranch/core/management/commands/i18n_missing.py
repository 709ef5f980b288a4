"""List the message ids in use that have no English, as file:line for each use.

    manage.py i18n_missing          # exit status 1 when something is missing or wrong

Also reports catalogue entries whose placeholders differ from their message id and
message ids entered twice (both break the English page).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gigbranch.core import i18n_catalogue


class Command(BaseCommand):
    help = "List message ids (templates and Python) without an English translation."

    def handle(self, *args, **options):
        base = Path(settings.BASE_DIR)
        missing = i18n_catalogue.missing_messages()
        lines = []
        for msgid, uses in missing.items():
            for use in uses:
                path = Path(use.path)
                shown = path.relative_to(base) if path.is_relative_to(base) else path
                lines.append((str(shown), use.line, msgid))
        for where, line, msgid in sorted(lines):
            self.stdout.write(f"{where}:{line}: {msgid}")
        mismatched = i18n_catalogue.placeholder_mismatches()
        for msgid in mismatched:
            self.stdout.write(f"placeholders differ: {msgid}")
        duplicates = i18n_catalogue.duplicate_ids()
        for msgid in duplicates:
            self.stdout.write(f"entered twice: {msgid}")
        if missing or mismatched or duplicates:
            raise CommandError(
                f"{len(missing)} message ids without English, {len(mismatched)} with "
                f"placeholders that differ, {len(duplicates)} entered twice "
                f"({i18n_catalogue.ENGLISH_PO.relative_to(base)})"
            )
        self.stdout.write("Every message id in use has English.")
