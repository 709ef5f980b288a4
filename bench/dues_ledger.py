"""The dues ledger page (党费台账) at county scale (issue 17).

    .venv/bin/python bench/dues_ledger.py               # SQLite, plus PostgreSQL if reachable
    .venv/bin/python bench/dues_ledger.py --runs 30
    BENCH_PG_DB=other_name .venv/bin/python bench/dues_ledger.py

Each backend runs in its own child process with its own database: a temporary SQLite file,
and PostgreSQL when reachable (DATABASE_URL if it is a postgres URL, else --pg, else the
local default); the PostgreSQL database `gigbranch_bench_dues` (or BENCH_PG_DB) is dropped
and created. Both are seeded with the county demo (`gigbranch.demo.seed("county")`: 800
Party members, a year of assessments and payments).

Measured in the same run, warm (the first request is not counted):
- page: p50 of GET /people/dues/?year=2026 as the county administrator (the first page of
  100 rows, rendered), through the test client;
- export: p50 of the same ledger as an Excel file (every member);
- floor: p50 of one hand-written SQL query that returns the numbers of the page's 100 rows
  (member, worker name, organisation, monthly amount, sum paid this year) — what the page
  cannot do with less.
Measured side by side on the same shared machine (p50, county demo, 10 runs each), the
ledger as it was (every member's row computed, two queries per member, amounts summed
by the database) against the ledger now (only the page's 100 rows, a constant number of
queries, only the columns shown, amounts summed as Decimal):

    db          page before   page now   floor     before/floor  now/floor   export before/now
    sqlite        5824 ms      205 ms    16–22 ms     260×          12×       6833 / 1140 ms
    postgresql    4618 ms      169 ms     9–14 ms     341×          18×       5336 /  808 ms

The page is about 28× faster on both databases; the floor is what is left for the
rendering of 100 rows and the page's other queries (count, branch list, session).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

from _common import run_children

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLOOR_SQL = """
SELECT m.id, w.name, o.name, a.monthly_amount, COALESCE(p.paid, 0)
FROM members_partymember m
JOIN members_worker w ON w.id = m.worker_id
LEFT JOIN organizations_organization o ON o.id = m.organization_id
LEFT JOIN members_duesassessment a ON a.member_id = m.id AND a.year = %s
LEFT JOIN (
    SELECT member_id, SUM(amount) AS paid FROM members_duespayment
    WHERE month >= %s AND month <= %s GROUP BY member_id
) p ON p.member_id = m.id
ORDER BY m.organization_id, m.id
LIMIT 100
"""


def p50(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out) * 1000


def child(url: str, runs: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import datetime as dt

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from gigbranch import demo
    from gigbranch.accounts.models import User
    from gigbranch.members.models import DuesPayment, PartyMember

    t0 = time.perf_counter()
    demo.seed(scale="county", seed_value=2026)
    seeded = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    client = Client()
    client.force_login(User.objects.get(username="county"))
    url_page = "/people/dues/"

    unrounded = []

    def page() -> None:
        r = client.get(url_page, {"year": 2026})
        assert r.status_code == 200, r.status_code
        # Money to the fen: no amount with more than two decimals.
        unrounded.append(bool(re.search(rb"<td>\d+\.\d{3,}</td>", r.content)))

    def export() -> None:
        r = client.get(url_page, {"year": 2026, "format": "xlsx"})
        assert r.status_code == 200, r.status_code

    def floor() -> None:
        with connection.cursor() as cur:
            cur.execute(FLOOR_SQL, [2026, dt.date(2026, 1, 1), dt.date(2026, 12, 1)])
            assert len(cur.fetchall()) == 100

    row = {
        "db": connection.vendor,
        "members": PartyMember.objects.count(),
        "payments": DuesPayment.objects.count(),
        "seed_s": round(seeded, 1),
        "page_ms": round(p50(page, runs), 1),
        "export_ms": round(p50(export, max(3, runs // 4)), 1),
        "floor_ms": round(p50(floor, runs), 2),
        "to_the_fen": not any(unrounded),
    }
    row["page_over_floor"] = round(row["page_ms"] / row["floor_ms"], 1)
    print("RESULT " + json.dumps([row]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--sizes", default="")  # run_children passes it; unused
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg")
    args = parser.parse_args()
    if args.child:
        child(args.child, int(os.environ.get("BENCH_RUNS", args.runs)))
        return 0
    os.environ["BENCH_RUNS"] = str(args.runs)
    rows = run_children(
        str(Path(__file__).resolve()),
        os.environ.get("BENCH_PG_DB", "gigbranch_bench_dues"),
        args.pg,
        [],
        ROOT,
    )
    if rows is None:
        return 1
    print(
        f"{'db':<11}{'members':>8}{'payments':>9}{'page p50':>11}{'export p50':>12}"
        f"{'floor p50':>11}{'page/floor':>11}  to the fen"
    )
    for r in rows:
        print(
            f"{r['db']:<11}{r['members']:>8}{r['payments']:>9}{r['page_ms']:>9.1f}ms"
            f"{r['export_ms']:>10.1f}ms{r['floor_ms']:>9.2f}ms{r['page_over_floor']:>10.1f}×"
            f"  {'yes' if r['to_the_fen'] else 'NO'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
