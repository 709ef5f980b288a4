"""Cost of the audit hash chain (ADR 0046): one audited write with and without the chain,
side by side in one run, and the verifier's throughput.

    DATABASE_URL=... .venv/bin/python bench/audit_chain.py [--n 1000] [--rounds 3]

Needs a migrated, disposable database (it writes rows that carry no hash for the
"plain" side, which `audit_verify` would then rightly report). Each write is its own
transaction, as a service's is. Plain = the same INSERT without the head lock and HMAC.
Rounds alternate the two sides; the median round is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, models, transaction

    from gigbranch.core import audit, auditchain

    def chained() -> None:
        with transaction.atomic():
            audit.record(actor=None, action="bench.write", object_id="1", changes={"a": [1, 2]})

    def plain() -> None:
        with transaction.atomic():
            event = audit.build(
                actor=None, action="bench.plain", object_id="1", changes={"a": [1, 2]}
            )
            models.Model.save(event, force_insert=True)

    rounds: dict[str, list[float]] = {"plain": [], "chained": []}
    for _ in range(args.rounds):
        for name, fn in (("plain", plain), ("chained", chained)):
            start = time.perf_counter()
            for _ in range(args.n):
                fn()
            rounds[name].append((time.perf_counter() - start) / args.n * 1e6)
    plain_us = statistics.median(rounds["plain"])
    chained_us = statistics.median(rounds["chained"])
    start = time.perf_counter()
    results = auditchain.verify_database()
    rows = sum(r.rows for r in results)
    verify_s = time.perf_counter() - start
    print(f"database: {connection.vendor}; {args.n} writes x {args.rounds} rounds (median)")
    print(f"plain insert   : {plain_us:8.0f} us per audited write")
    print(f"chained insert : {chained_us:8.0f} us per audited write")
    print(f"ratio chained/plain: {chained_us / plain_us:.2f}")
    print(f"verify: {rows} rows in {verify_s:.2f} s = {rows / verify_s:,.0f} rows/s")


if __name__ == "__main__":
    main()
