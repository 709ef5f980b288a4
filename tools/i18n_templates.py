#!/usr/bin/env python
"""Wrap the Chinese text of the Django templates for translation.

    .venv/bin/python tools/i18n_templates.py            # rewrite all the templates in place
    .venv/bin/python tools/i18n_templates.py --check    # exit 1 and list files it would change
    .venv/bin/python tools/i18n_templates.py some/dir some/file.html

Deterministic and idempotent: running it again changes nothing. After wrapping, list the
message ids without an English entry with ``manage.py i18n_missing``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gigbranch.core.i18n_templates import template_files, wrap_template  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args(argv)
    roots = args.paths or [
        ROOT / "gigbranch" / "templates",
        *sorted(ROOT.glob("gigbranch/*/templates")),
    ]
    changed = []
    for path in template_files(roots):
        source = path.read_text(encoding="utf-8")
        new = wrap_template(source)
        if new != source:
            changed.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    for path in changed:
        print(("would wrap " if args.check else "wrapped ") + str(path))
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
