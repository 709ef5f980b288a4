"""Benchmark (issue 3): the coverage page and the ORG findings computation at city scale,
on SQLite and PostgreSQL, each next to a hand-written SQL floor measured in the same run.

    .venv/bin/python bench/organizations.py                # SQLite, plus PostgreSQL if reachable
    .venv/bin/python bench/organizations.py --scale 2      # twice the city
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/organizations.py

City scale (DESIGN §5): 7,500 workplaces, ~1,000 organisations, 12,000 Party members
(each with a worker record). Coverage weights use reported headcounts, so the 300,000
workers without membership are not generated. Goal: p50 < 150 ms and ≤ 1.5× the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def generate(scale: float) -> dict[str, object]:
    import datetime as dt
    import random
    from decimal import Decimal

    from gigbranch.accounts.models import User
    from gigbranch.demo import make_resident_id, make_uscc
    from gigbranch.members.models import MemberKind, Occupation, PartyMember, Worker
    from gigbranch.organizations.models import (
        CoverageMode,
        Organization,
        OrgKind,
        Region,
        Workplace,
        WorkplaceKind,
        path_segment,
    )

    rng = random.Random(7)
    n_towns, n_workplaces, n_members = int(180 * scale), int(7500 * scale), int(12000 * scale)
    city = Region.objects.create(
        name="云溪市",
        code="330000",
        level="city",
        latitude=Decimal("29.87"),
        longitude=Decimal("120.35"),
    )
    city.path = path_segment(city.pk)
    city.save()
    counties = []
    for c in range(15):
        r = Region.objects.create(name=f"县{c}", code=f"3390{c:02d}", level="county", parent=city)
        r.path = city.path + path_segment(r.pk)
        r.save()
        counties.append(r)
    towns = Region.objects.bulk_create(
        [
            Region(
                name=f"镇{i}",
                code=f"39{i:06d}",
                level="township",
                parent=counties[i % 15],
                latitude=Decimal("29.8") + Decimal(rng.randrange(0, 2000)) / 10000,
                longitude=Decimal("120.3") + Decimal(rng.randrange(0, 2000)) / 10000,
            )
            for i in range(n_towns)
        ]
    )
    for t in towns:
        t.path = t.parent.path + path_segment(t.pk)
    Region.objects.bulk_update(towns, ["path"])

    def orgs(objs: list[Organization]) -> list[Organization]:
        Organization.objects.bulk_create(objs, batch_size=500)
        for o in objs:
            o.path = (o.parent.path if o.parent_id else "") + path_segment(o.pk)
        Organization.objects.bulk_update(objs, ["path"], batch_size=500)
        return objs

    [root] = orgs([Organization(name="市委组织部", kind=OrgKind.ORG_DEPARTMENT, region=city)])
    [industry] = orgs(
        [
            Organization(
                name="行业党委",
                kind=OrgKind.INDUSTRY_COMMITTEE,
                region=city,
                parent=root,
                term_start=dt.date(2024, 1, 1),
                secretary_name="周",
            )
        ]
    )
    town_orgs = orgs(
        [
            Organization(
                name=f"{t.name}党委",
                kind=OrgKind.TOWNSHIP_COMMITTEE,
                region=t,
                parent=root,
                term_start=dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(0, 900)),
                secretary_name="书记",
            )
            for t in towns
        ]
    )
    kinds = list(WorkplaceKind.values)
    workplaces = Workplace.objects.bulk_create(
        [
            Workplace(
                name=f"站点{i}",
                credit_code=make_uscc(rng) if i % 3 else None,
                kind=rng.choice(kinds),
                region=towns[i % n_towns],
                reported_worker_count=rng.randrange(5, 80),
                latitude=Decimal("29.8") + Decimal(rng.randrange(0, 2000)) / 10000,
                longitude=Decimal("120.3") + Decimal(rng.randrange(0, 2000)) / 10000,
            )
            for i in range(n_workplaces)
        ],
        batch_size=1000,
    )
    n_branch = int(600 * scale)
    branches = orgs(
        [
            Organization(
                name=f"支部{i}",
                kind=OrgKind.BRANCH if i % 3 else OrgKind.JOINT_BRANCH,
                parent=industry if i % 2 else town_orgs[i % n_towns],
                region=towns[i % n_towns],
                term_start=dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 900)),
                secretary_name="" if i % 40 == 0 else "书记",
            )
            for i in range(n_branch)
        ]
    )
    for i, wp in enumerate(workplaces):
        roll = i % 10
        if roll < 2:
            wp.organization, wp.coverage_mode = branches[i % n_branch], CoverageMode.OWN_BRANCH
        elif roll < 4:
            wp.organization, wp.coverage_mode = branches[i % n_branch], CoverageMode.JOINT_BRANCH
        elif roll < 8:
            wp.organization, wp.coverage_mode = town_orgs[i % n_towns], CoverageMode.INSTRUCTOR
    Workplace.objects.bulk_update(workplaces, ["organization", "coverage_mode"], batch_size=1000)
    seen: set[str] = set()
    workers = []
    for i in range(n_members):
        wp = workplaces[rng.randrange(n_workplaces)]
        number = make_resident_id(
            rng, "330102", dt.date(1990, 1, 1) + dt.timedelta(days=i % 5000), "M"
        )
        while number in seen:
            number = make_resident_id(
                rng, "330102", dt.date(1980, 1, 1) + dt.timedelta(days=rng.randrange(9000)), "M"
            )
        seen.add(number)
        workers.append(
            Worker(
                name=f"党员{i}",
                id_number=number,
                sex="M",
                birth_date=dt.date(1990, 1, 1),
                occupation=Occupation.COURIER,
                workplace=wp,
                region_id=wp.region_id,
            )
        )
    Worker.objects.bulk_create(workers, batch_size=2000)
    PartyMember.objects.bulk_create(
        [
            PartyMember(
                worker=w,
                kind=MemberKind.FULL if i % 7 else MemberKind.PROBATIONARY,
                organization_id=w.workplace.organization_id
                if w.workplace.coverage_mode in ("own_branch", "joint_branch")
                else None,
            )
            for i, w in enumerate(workers)
        ],
        batch_size=2000,
    )
    admin = User.objects.create_user(
        username="bench", password="Bench@pass2026x", role="county_admin", scope_region=city
    )
    return {
        "admin": admin,
        "city": city,
        "orgs": Organization.objects.count(),
        "workplaces": n_workplaces,
        "members": n_members,
    }


# The floor computes exactly what the coverage page shows, with the best hand-written SQL:
# the page's region, one GROUP BY (child-region prefix, kind, mode) from which overall,
# per-region and per-kind rates and the uncovered count are all folded, the child regions'
# names, the top-N uncovered workplaces and the breadcrumb.
COVERAGE_FLOOR_SQL = [
    """SELECT id, name, path, latitude, longitude FROM organizations_region WHERE id = %(id)s""",
    """SELECT SUBSTR(r.path, 1, %(n)s), w.kind, w.coverage_mode, COUNT(*), SUM(w.reported_worker_count)
       FROM organizations_workplace w JOIN organizations_region r ON r.id = w.region_id
       WHERE r.path LIKE %(p)s GROUP BY 1, 2, 3""",
    """SELECT id, name, path FROM organizations_region WHERE parent_id = %(id)s ORDER BY code""",
    """SELECT w.id, w.name, w.kind, w.reported_worker_count, r.name FROM organizations_workplace w
       JOIN organizations_region r ON r.id = w.region_id WHERE r.path LIKE %(p)s AND w.coverage_mode = 'none'
       ORDER BY w.reported_worker_count DESC, w.name, w.id LIMIT %(top)s""",
    """SELECT id, name FROM organizations_region WHERE path IN (%(root)s) ORDER BY path""",
]
# Map points (served by /org/coverage/points/, fetched by the page's script).
POINTS_FLOOR_SQL = """SELECT CAST(w.latitude AS {real}), CAST(w.longitude AS {real}), w.coverage_mode, w.name
       FROM organizations_workplace w JOIN organizations_region r ON r.id = w.region_id
       WHERE r.path LIKE %(p)s AND w.latitude IS NOT NULL AND w.longitude IS NOT NULL"""

# The recompute's reads: the same aggregates the ORG checkers need, plus the existing
# findings it reconciles with. (The recompute also writes last_seen_at; the floor does not.)
FINDINGS_FLOOR_SQL = [
    """SELECT w.id, w.region_id, w.organization_id, w.coverage_mode, r.path, COUNT(pm.id)
       FROM organizations_workplace w JOIN organizations_region r ON r.id = w.region_id
       JOIN members_worker k ON k.workplace_id = w.id
       JOIN members_partymember pm ON pm.worker_id = k.id AND pm.kind = 'full' AND pm.status = 'normal'
       WHERE w.coverage_mode <> 'own_branch' GROUP BY w.id, w.region_id, w.organization_id,
       w.coverage_mode, r.path HAVING COUNT(pm.id) >= 3""",
    """SELECT o.id, COUNT(w.id) FROM organizations_organization o JOIN organizations_workplace w
       ON w.organization_id = o.id AND w.coverage_mode = 'joint_branch' WHERE o.kind = 'joint_branch'
       GROUP BY o.id HAVING COUNT(w.id) > 5""",
    """SELECT o.id, o.name, o.secretary_name, o.region_id,
       (SELECT COUNT(*) FROM members_partymember pm WHERE pm.organization_id = o.id
        AND pm.status IN ('normal', 'lost_contact')),
       (SELECT COUNT(*) FROM members_partymember pm WHERE pm.organization_id = o.id
        AND pm.kind = 'full' AND pm.status = 'normal'),
       (SELECT COUNT(*) FROM organizations_committeemember c WHERE c.organization_id = o.id)
       FROM organizations_organization o WHERE o.kind IN ('branch', 'joint_branch', 'mobile_branch')""",
    """SELECT id, name, kind, term_start, term_years, region_id FROM organizations_organization
       WHERE kind IN ('industry_committee', 'township_committee', 'street_committee', 'committee',
                      'general_branch', 'branch', 'joint_branch', 'mobile_branch')""",
    """SELECT w.id, COUNT(pm.id) FROM organizations_workplace w JOIN members_worker k ON k.workplace_id = w.id
       JOIN members_partymember pm ON pm.worker_id = k.id AND pm.organization_id IS NULL
       AND pm.status IN ('normal', 'lost_contact') GROUP BY w.id HAVING COUNT(pm.id) >= 8""",
    """SELECT id, rule_id, object_type, object_id, severity, summary, facts, resolved_at
       FROM core_finding WHERE rule_id LIKE 'ORG-%'""",
]


def interleaved(measured, floor, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """p50 of both, alternating one run of each so machine load hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a += timed(measured, 1)
        b += timed(floor, 1)
    return p50(a), p50(b)


def run_one(label: str, scale: float, runs: int) -> list[tuple[str, float, float]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["GIGBRANCH_PROFILE"] = "development"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    data = generate(scale)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # what autovacuum / a production database would have done
    gen_s = time.perf_counter() - t0
    from gigbranch.core.services import recompute_findings
    from gigbranch.organizations.coverage import UNCOVERED_TOP

    client = Client()
    client.force_login(data["admin"])
    city = data["city"]
    url = "/org/coverage/"
    params = {
        "p": city.path + "%",
        "n": len(city.path) + 7,
        "id": city.pk,
        "top": UNCOVERED_TOP,
        "root": city.path,
    }

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def points() -> None:
        response = client.get(f"/org/coverage/points/?region={city.pk}")
        assert response.status_code == 200, response.status_code

    real = "DOUBLE PRECISION" if connection.vendor == "postgresql" else "REAL"
    points_sql = POINTS_FLOOR_SQL.format(real=real)

    def floor_points() -> None:
        with connection.cursor() as cur:
            cur.execute(points_sql, params)
            cur.fetchall()

    def floor_coverage() -> None:
        with connection.cursor() as cur:
            for sql in COVERAGE_FLOOR_SQL:
                cur.execute(sql, params)
                cur.fetchall()

    def findings() -> None:
        recompute_findings(rule_ids=[f"ORG-{n}" for n in range(1, 9)])

    def floor_findings() -> None:
        with connection.cursor() as cur:
            for sql in FINDINGS_FLOOR_SQL:
                cur.execute(sql)
                cur.fetchall()

    page()
    floor_coverage()
    points()
    first = timed(findings, 1)[0] * 1000
    from gigbranch.core.models import Finding

    n_findings = Finding.objects.open().count()

    def baseline() -> None:
        # The fixed cost of any console page (session, auth, middleware, layout, navigation):
        # the instructors list, empty in this data set (one trivial query).
        response = client.get("/org/instructors/")
        assert response.status_code == 200, response.status_code

    fixed = p50(timed(baseline, runs))
    rows = [
        ("coverage page (GET /org/coverage/)", *interleaved(page, floor_coverage, runs)),
        ("map points (GET /org/coverage/points/)", *interleaved(points, floor_points, runs)),
        (
            "ORG findings recompute (steady)",
            *interleaved(findings, floor_findings, max(3, runs // 3)),
        ),
    ]
    print(
        f"\n[{label}] {data['workplaces']} workplaces, {data['orgs']} organisations, "
        f"{data['members']} members; generated in {gen_s:.1f}s; "
        f"first findings run {first:.0f} ms, {n_findings} open findings"
    )
    print(f"{'measure':40} {'p50 ms':>9} {'floor ms':>9} {'ratio':>6}")
    for name, measured, floor in rows:
        print(f"{name:40} {measured:9.1f} {floor:9.1f} {measured / floor:6.2f}")
    print(
        f"(fixed cost of an empty console page: {fixed:.1f} ms; coverage page minus it: "
        f"{rows[0][1] - fixed:.1f} ms = {(rows[0][1] - fixed) / rows[0][2]:.2f}x the floor)"
    )
    sys.stdout.flush()
    return [*rows, ("(fixed cost: empty console page)", fixed, 0.0)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="multiples of the city scale")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        rows = run_one(args.child, args.scale, args.runs)
        if args.out:
            Path(args.out).write_text(json.dumps(rows))
        return
    targets = []
    tmp = tempfile.mkdtemp(prefix="gb-bench-")
    if args.only in (None, "sqlite"):
        targets.append(("SQLite", f"sqlite:///{tmp}/bench.sqlite3"))
    if args.only in (None, "postgres"):
        base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        name = "gigbranch_bench_orgs"
        try:
            import psycopg

            with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
            targets.append(("PostgreSQL", base.rsplit("/", 1)[0] + "/" + name))
        except Exception as exc:
            print(f"PostgreSQL skipped: {exc}")
    results: dict[str, list[list[object]]] = {}
    for label, url in targets:
        out = f"{tmp}/{label}.json"
        env = dict(os.environ, DATABASE_URL=url)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                label,
                "--scale",
                str(args.scale),
                "--runs",
                str(args.runs),
                "--out",
                out,
            ],
            env=env,
            check=True,
            cwd=ROOT,
        )
        results[label] = json.loads(Path(out).read_text())
    print(
        f"\nSummary (scale {args.scale}, p50 of {args.runs} interleaved runs; goal: page < 150 ms, ratio <= 1.5)"
    )
    print(f"{'measure':40} {'database':>10} {'p50 ms':>9} {'floor ms':>9} {'ratio':>6}")
    for label, rows in results.items():
        for name, measured, floor in rows:
            assert isinstance(measured, float) and isinstance(floor, float)
            ratio = f"{measured / floor:6.2f}" if floor else "     -"
            print(f"{name!s:40} {label:>10} {measured:9.1f} {floor:9.1f} {ratio}")


if __name__ == "__main__":
    main()
