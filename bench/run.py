"""Run every benchmark under bench/ in turn (`make bench`). Each prints its own table.

Benchmarks measure a figure and, in the same run, its floor (hand-written SQL, a bare
bulk insert, brute force ...) and report the ratio: these machines are shared, so a ratio
measured side by side is evidence and an absolute time alone is not.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = set(sys.argv[1:])
    failures = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name in {"run.py", "__init__.py"} or script.name.startswith("_"):
            continue
        if only and script.stem not in only:
            continue
        print(f"\n=== {script.stem} ===", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
