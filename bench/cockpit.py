"""Benchmark (issue 14): the cockpit (the whole home page, and its figures alone) and the
upward statistics API, at county scale (SQLite) and city scale (SQLite and PostgreSQL),
each next to the hand-written SQL floor of the same figures, measured in the same run.

    .venv/bin/python bench/cockpit.py                      # county SQLite, city SQLite + PostgreSQL
    .venv/bin/python bench/cockpit.py --only county        # county scale only
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/cockpit.py

Data: the organisations benchmark's generator (regions, organisations, workplaces with
coverage, Party members with their worker records) plus service stations and appeals
spread over the last twelve months: county 500 workplaces / 800 members / 40 stations /
5,000 appeals; city 7,500 / 12,000 / 600 / 75,000 (DESIGN §5). Workers who are not
members are not generated (encrypting 300,000 ID numbers would dominate the run), so 在岗
劳动者 counts the member workers. Goal: the cockpit under 300 ms (county) and 1 s (city),
within 2× of the floors summed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

COUNTY = 500 / 7500  # the organisations generator's scale 1.0 is the city

# The floor: every figure of the cockpit with the best hand-written SQL for a user whose
# region is the top of the tree (`p` = its path prefix), folding figures that share a
# table into one query.
FLOOR_SQL = [
    # 党组织, 党支部
    """SELECT SUM(CASE WHEN o.kind <> 'party_group' THEN 1 ELSE 0 END),
              SUM(CASE WHEN o.kind IN ('branch', 'joint_branch', 'mobile_branch') THEN 1 ELSE 0 END)
       FROM organizations_organization o JOIN organizations_region r ON r.id = o.region_id
       WHERE r.path LIKE %(p)s""",
    # 企业/站点 and the three coverage figures
    """SELECT COUNT(*),
              SUM(CASE WHEN w.coverage_mode IN ('own_branch', 'joint_branch') THEN 1 ELSE 0 END),
              SUM(CASE WHEN w.coverage_mode IN ('own_branch', 'joint_branch', 'instructor') THEN 1 ELSE 0 END),
              SUM(CASE WHEN w.coverage_mode = 'none' THEN 1 ELSE 0 END)
       FROM organizations_workplace w JOIN organizations_region r ON r.id = w.region_id
       WHERE r.path LIKE %(p)s""",
    # 在岗劳动者
    """SELECT COUNT(*) FROM members_worker k JOIN organizations_region r ON r.id = k.region_id
       WHERE r.path LIKE %(p)s AND k.status = 'active'""",
    # 正式党员, 预备党员, 流入流动党员
    """SELECT SUM(CASE WHEN pm.kind = 'full' AND pm.organization_id IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN pm.kind = 'probationary' AND pm.organization_id IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN pm.is_mobile AND pm.organization_id IS NULL THEN 1 ELSE 0 END)
       FROM members_partymember pm JOIN members_worker k ON k.id = pm.worker_id
       JOIN organizations_region r ON r.id = k.region_id
       WHERE r.path LIKE %(p)s AND pm.status IN ('normal', 'lost_contact')""",
    # 启用的服务驿站
    """SELECT COUNT(*) FROM stations_station s JOIN organizations_region r ON r.id = s.region_id
       WHERE r.path LIKE %(p)s AND s.is_active""",
    # 未办结诉求, 超期未答复诉求
    """SELECT COUNT(*), SUM(CASE WHEN a.reply_due_at < %(now)s THEN 1 ELSE 0 END)
       FROM appeals_appeal a JOIN organizations_region r ON r.id = a.region_id
       WHERE r.path LIKE %(p)s AND a.status IN ('submitted', 'accepted', 'returned', 'reopened')""",
    # coverage per child region and kind (chart, drill-down table) and the child regions
    """SELECT SUBSTR(r.path, 1, %(n)s), w.kind, w.coverage_mode, COUNT(*), SUM(w.reported_worker_count)
       FROM organizations_workplace w JOIN organizations_region r ON r.id = w.region_id
       WHERE r.path LIKE %(p)s GROUP BY 1, 2, 3""",
    """SELECT id, name, path FROM organizations_region WHERE parent_id = %(id)s ORDER BY code""",
    # appeals: the KPI counts per department and month (三率 trend), top categories
    """SELECT a.department_id, {month}, COUNT(*),
              SUM(CASE WHEN a.accepted_at IS NOT NULL AND a.accepted_at <= a.accept_due_at THEN 1 ELSE 0 END),
              SUM(CASE WHEN a.resolved IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN a.resolved THEN 1 ELSE 0 END),
              SUM(CASE WHEN a.satisfaction IN ('satisfied', 'basically') THEN 1 ELSE 0 END)
       FROM appeals_appeal a JOIN organizations_region r ON r.id = a.region_id
       WHERE r.path LIKE %(p)s AND a.received_at >= %(since)s GROUP BY 1, 2""",
    """SELECT a.category_id, COUNT(*) FROM appeals_appeal a JOIN organizations_region r ON r.id = a.region_id
       WHERE r.path LIKE %(p)s AND a.received_at >= %(year)s GROUP BY 1 ORDER BY 2 DESC LIMIT 8""",
    # open findings by rule, station check-ins by hour, recruitment by stage
    """SELECT f.rule_id, COUNT(*) FROM core_finding f LEFT JOIN organizations_region r ON r.id = f.region_id
       WHERE f.resolved_at IS NULL GROUP BY 1 ORDER BY 1""",
    """SELECT c.station_id, COUNT(*) FROM stations_checkin c WHERE c.created_at >= %(month)s GROUP BY 1""",
    """SELECT stage, COUNT(*) FROM recruitment_case GROUP BY 1""",
]


def add_services(data: dict, scale: float) -> None:  # type: ignore[type-arg]
    import datetime as dt
    import random

    from django.utils import timezone

    from gigbranch.appeals.models import Appeal, Category
    from gigbranch.organizations.models import Region
    from gigbranch.stations.models import Station

    rng = random.Random(11)
    towns = list(Region.objects.filter(level="township").values_list("pk", flat=True))
    n_stations, n_appeals = max(40, int(600 * scale)), int(75000 * scale)
    Station.objects.bulk_create(
        [
            Station(
                name=f"驿站{i}",
                kind="warm_heart",
                address="某路",
                region_id=towns[i % len(towns)],
                latitude=29.8 + rng.random() / 5,
                longitude=120.3 + rng.random() / 5,
            )
            for i in range(n_stations)
        ],
        batch_size=1000,
    )
    categories = list(Category.objects.values_list("pk", flat=True))
    now = timezone.now()
    rows = []
    for i in range(n_appeals):
        received = now - dt.timedelta(days=rng.randrange(0, 365), hours=rng.randrange(0, 24))
        done = rng.random() < 0.8
        rows.append(
            Appeal(
                tracking_no=f"B{i:09d}",
                category_id=categories[i % len(categories)],
                description="诉求",
                status="closed" if done else rng.choice(["submitted", "accepted"]),
                channel="hotline",
                region_id=towns[i % len(towns)],
                received_at=received,
                accept_due_at=received + dt.timedelta(days=1),
                accepted_at=received + dt.timedelta(hours=rng.randrange(1, 40)) if done else None,
                clock_started_at=received,
                reply_due_at=received + dt.timedelta(days=7),
                replied_at=received + dt.timedelta(days=rng.randrange(1, 9)) if done else None,
                resolved=(rng.random() < 0.85) if done else None,
                satisfaction=rng.choice(["satisfied", "basically", "dissatisfied"]) if done else "",
            )
        )
    Appeal.objects.bulk_create(rows, batch_size=2000)
    data["stations"], data["appeals"] = n_stations, n_appeals


def interleaved(measured, floor, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    import statistics

    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        t = time.perf_counter()
        measured()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        floor()
        b.append(time.perf_counter() - t)
    return statistics.median(a) * 1000, statistics.median(b) * 1000


def run_one(label: str, scale: float, runs: int) -> list[list[object]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["GIGBRANCH_PROFILE"] = "development"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    call_command("migrate", verbosity=0)
    import organizations as org_bench

    t0 = time.perf_counter()
    data = org_bench.generate(scale)
    add_services(data, scale)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    gen_s = time.perf_counter() - t0

    from gigbranch.accounts.models import User
    from gigbranch.accounts.services import issue_api_token
    from gigbranch.cockpit import queries, services
    from gigbranch.core.services import recompute_findings

    recompute_findings()
    admin = data["admin"]
    city = data["city"]
    client = Client()
    client.force_login(admin)
    system = User.objects.create_user(
        username="city_system", password="x-Bench2026", role="api_client"
    )
    services.grant_stats_access(actor=None, user=system, region=city)
    _, token = issue_api_token(actor=None, user=system, name="bench")
    api = Client(headers={"Authorization": f"Bearer {token}"})

    now = timezone.now()
    local = timezone.localtime(now)
    month = (
        "TO_CHAR(a.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
        if connection.vendor == "postgresql"
        else "STRFTIME('%%Y-%%m', a.received_at, '+8 hours')"
    )
    params = {
        "p": city.path + "%",
        "n": len(city.path) + 7,
        "id": city.pk,
        "now": now,
        "since": now - dt.timedelta(days=366),
        "year": local.replace(month=1, day=1, hour=0, minute=0, second=0),
        "month": now - dt.timedelta(days=30),
    }
    sqls = [sql.replace("{month}", month) for sql in FLOOR_SQL]

    def floor() -> None:
        with connection.cursor() as cur:
            for sql in sqls:
                cur.execute(sql, params)
                cur.fetchall()

    def page() -> None:
        response = client.get("/")
        assert response.status_code == 200, response.status_code

    def figures() -> None:
        user = User.objects.select_related("scope_region").get(pk=admin.pk)
        queries.picture(user, None)

    def overview() -> None:
        response = api.get("/api/v1/stats/overview?period=2026Q3")
        assert response.status_code == 200, response.content

    def baseline() -> None:
        response = client.get("/org/instructors/")
        assert response.status_code == 200

    page(), figures(), overview(), floor()
    import statistics

    fixed = statistics.median([timed_once(baseline) for _ in range(runs)])
    rows = [
        ["cockpit page (GET /)", *interleaved(page, floor, runs)],
        ["cockpit figures (queries.picture)", *interleaved(figures, floor, runs)],
        ["stats overview API", *interleaved(overview, floor, runs)],
    ]
    print(
        f"\n[{label}] {data['workplaces']} workplaces, {data['orgs']} organisations, "
        f"{data['members']} members, {data['stations']} stations, {data['appeals']} appeals; "
        f"generated in {gen_s:.1f}s"
    )
    print(f"{'measure':36} {'p50 ms':>9} {'floor ms':>9} {'ratio':>6}")
    for name, measured, fl in rows:
        print(f"{name:36} {measured:9.1f} {fl:9.1f} {measured / fl:6.2f}")
    print(f"(fixed cost of an empty console page: {fixed:.1f} ms)")
    sys.stdout.flush()
    return [[label, *row] for row in rows]


def timed_once(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--only", choices=["county", "city"], default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        rows = run_one(args.child, args.scale, args.runs)
        print("RESULT " + json.dumps(rows))
        return
    from _common import fresh_postgres_database

    tmp = tempfile.mkdtemp(prefix="gb-bench-cockpit-")
    targets = []
    if args.only in (None, "county"):
        targets.append(("county SQLite", COUNTY, f"sqlite:///{tmp}/county.sqlite3"))
    if args.only in (None, "city"):
        targets.append(("city SQLite", 1.0, f"sqlite:///{tmp}/city.sqlite3"))
        pg = fresh_postgres_database("gigbranch_bench_cockpit", os.environ.get("BENCH_PG_URL"))
        if pg:
            targets.append(("city PostgreSQL", 1.0, pg))
    failures = 0
    for label, scale, url in targets:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                label,
                "--scale",
                str(scale),
                "--runs",
                str(args.runs),
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
        )
        print("\n".join(x for x in out.stdout.splitlines() if not x.startswith("RESULT ")))
        if out.returncode:
            print(out.stderr[-3000:])
            failures += 1
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
