from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from gigbranch.core.i18n_catalogue import load_catalogue


class Command(BaseCommand):
    help = "Compile the .po translation catalogues to .mo (pure Python; no gettext tools needed)."

    def handle(self, *args, **options):
        for base in settings.LOCALE_PATHS:
            for po_path in Path(base).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                load_catalogue(po_path).save_as_mofile(str(mo_path))  # duplicates merged
                self.stdout.write(f"compiled {mo_path.relative_to(settings.BASE_DIR)}")
