"""Fail when a Python module of the product passes the size limit (DESIGN §3 layout).

A module past about 500 lines is split into a package by sub-domain or page group
(ADR 0051). Tests and migrations are not counted. Run by `make lint`:

    python tools/module_sizes.py            # exit 1 and list the modules over the limit
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 500
SOURCES = ("gigbranch", "config", "tools")  # bench/ is measurement, like tests

# Modules being split right now on other branches of the same restructuring (issue 19).
# Each entry goes when its split is merged; nothing else may be added here.
ALLOWED: dict[str, str] = {}


def is_counted(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" not in parts and "migrations" not in parts and not path.name.startswith("test_")


def oversized() -> list[tuple[str, int]]:
    out = []
    for source in SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            if not is_counted(path):
                continue
            with path.open(encoding="utf-8") as fh:
                lines = sum(1 for _ in fh)
            if lines > LIMIT:
                out.append((path.relative_to(ROOT).as_posix(), lines))
    return out


def main() -> int:
    over = oversized()
    failing = [(name, n) for name, n in over if name not in ALLOWED]
    for name, n in over:
        mark = "allowed for now" if name in ALLOWED else "over the limit"
        print(f"{name}: {n} lines ({mark})", file=sys.stderr if name not in ALLOWED else sys.stdout)
    stale = sorted(set(ALLOWED) - {name for name, _ in over})
    for name in stale:
        print(f"{name}: within the limit now; remove it from ALLOWED", file=sys.stderr)
    if failing or stale:
        print(f"Modules over {LIMIT} lines must be split (ADR 0051).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
