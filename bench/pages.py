"""Every page fast (issue 17): walk every staff and portal URL as every demo role.

    .venv/bin/python bench/pages.py                          # county SQLite, city SQLite + PostgreSQL
    .venv/bin/python bench/pages.py --runs county-sqlite     # one run
    .venv/bin/python bench/pages.py --runs city-postgres --pg postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/pages.py --only appeals/ --roles county,chengguan

URL patterns come from the URLconf (bench/_pagewalk.py): every list, detail (with a real
object, one the role may see), aggregate and export is requested; a pattern the walk cannot
fill is listed as "unfilled", never dropped. Each run is its own child process on the demo
data (gigbranch/demo/) at the given scale: SQLite from a seeded file cached under
/tmp/gigbranch-bench (copied per run, migrated to the current schema), PostgreSQL in the
database `gb_benchwalk` (seeded once; its comment records what was seeded).

Per URL and role: cold = the first request after emptying the caches and reopening the
database connection; then the queries of one request and their floor (the same SQL replayed
on a bare cursor, every row fetched: what the page would cost with no ORM and no template);
then `--repeats` warm requests (p50, p99). Goal: p50 < 300 ms warm, < 1 s cold at county
scale, and a query count that does not grow with the rows shown (tests per app).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/gigbranch-bench"))
PG_DATABASE = "gb_benchwalk"
RUNS = {
    # name: (scale, backend, warm repeats)
    "county-sqlite": ("county", "sqlite", 7),
    "city-sqlite": ("city", "sqlite", 3),
    "city-postgres": ("city", "postgres", 3),
}
WARM_GOAL_MS, COLD_GOAL_MS = 300.0, 1000.0


def seed_key(scale: str) -> str:
    """What the seeded data depends on: the demo generators (the schema is migrated after)."""
    digest = hashlib.sha256(scale.encode())
    generators = {*(ROOT / "gigbranch").rglob("demo.py"), *(ROOT / "gigbranch/demo").rglob("*.py")}
    for path in sorted(generators):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["GIGBRANCH_PROFILE"] = "development"
    os.environ["DEBUG"] = "0"  # as served: no query log, no debug pages
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)
    logging.getLogger("django.security").setLevel(logging.ERROR)


def _seed(scale: str) -> None:
    from django.core.management import call_command

    from gigbranch import demo
    from gigbranch.organizations.models import Region

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=demo.COUNTY_CODE).exists():
        started = time.monotonic()
        demo.seed(scale=scale)
        print(f"seeded {scale} in {time.monotonic() - started:.0f} s", file=sys.stderr)


def sqlite_copy(scale: str, workdir: Path) -> str:
    """A working copy of the seeded SQLite file for `scale` (seeded once per demo version)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"pages-{scale}-{seed_key(scale)}.sqlite3"
    if not cached.exists():
        partial = cached.with_suffix(".partial")
        for leftover in CACHE.glob(partial.name + "*"):
            leftover.unlink()
        out = subprocess.run(
            [sys.executable, __file__, "--seed-child", f"sqlite:///{partial}", "--scale", scale],
            cwd=ROOT,
        )
        if out.returncode:
            raise SystemExit(f"seeding {scale} failed")
        partial.rename(cached)
    target = workdir / f"{scale}.sqlite3"
    shutil.copyfile(cached, target)
    return f"sqlite:///{target}"


def postgres_database(scale: str, base: str) -> str | None:
    """URL of `gb_benchwalk` holding the demo at `scale` (re-seeded when it holds another)."""
    import psycopg

    want = f"gigbranch demo {scale} {seed_key(scale)}"
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [PG_DATABASE],
            ).fetchone()
            if row is None or row[0] != want:
                conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}"')
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
            fresh = row is None or row[0] != want
    except Exception as exc:
        print(f"PostgreSQL not available ({exc.__class__.__name__}); skipped.")
        return None
    url = f"{base.rsplit('/', 1)[0]}/{PG_DATABASE}"
    if fresh:
        out = subprocess.run(
            [sys.executable, __file__, "--seed-child", url, "--scale", scale], cwd=ROOT
        )
        if out.returncode:
            raise SystemExit(f"seeding {scale} on PostgreSQL failed")
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"COMMENT ON DATABASE \"{PG_DATABASE}\" IS '{want}'")
    return url


def child(url: str, scale: str, repeats: int, roles: list[str], only: str, out: str) -> None:
    _django(url)
    _seed(scale)  # migrates a cached copy to the current schema; seeds only when empty
    import _pagewalk as pw
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    pw.complete_data()
    started = time.monotonic()
    rows: list = []
    unfilled: list = []
    for role in roles:  # results written after each role: a long run keeps what it measured
        more, missing, skipped = pw.walk(
            [role],
            repeats,
            only=lambda p: p.route.startswith(only),
            log=lambda s: print(s, file=sys.stderr, flush=True),
        )
        rows += more
        unfilled += missing
        Path(out).write_text(
            json.dumps(
                {
                    "rows": [r.__dict__ for r in rows],
                    "unfilled": unfilled,
                    "skipped": skipped,
                    "seconds": time.monotonic() - started,
                    "vendor": connection.vendor,
                }
            )
        )


def first_request(url: str, wsgi: bool) -> dict[str, float]:
    """In a fresh process: the first request it serves (as county) and the same request
    warm. wsgi=True starts as a server does (config.wsgi), else Django is only set up."""
    _django(url)
    if wsgi:
        import config.wsgi  # noqa: F401
    from django.test import Client

    from gigbranch.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="county"))
    timings = {}
    for label in ("first", "warm"):
        started = time.perf_counter()
        client.get("/appeals/kpi/")
        timings[label] = (time.perf_counter() - started) * 1000
    return timings


def _first_requests(url: str) -> str:
    out = []
    for wsgi in (False, True):
        result = subprocess.run(
            [sys.executable, __file__, "--first-child", url] + (["--wsgi"] if wsgi else []),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        line = [x for x in result.stdout.splitlines() if x.startswith("RESULT ")]
        if not line:
            return f"first request: failed {result.stderr[-500:]}"
        t = json.loads(line[0][7:])
        how = "process started as config.wsgi" if wsgi else "URLconf imported lazily"
        out.append(
            f"First request after start (/appeals/kpi/, county), {how}: {t['first']:.0f} ms; "
            f"same request warm {t['warm']:.0f} ms; ratio {t['first'] / t['warm']:.1f}x"
        )
    return "\n".join(out)


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def table(name: str, data: dict, cold_goal: float | None, warm_goal: float | None) -> str:
    rows = data["rows"]
    lines = [
        f"## {name} ({data['vendor']}), {len(rows)} requests in {data['seconds']:.0f} s",
        "",
        f"{'URL pattern':<56} {'role':<11} {'status':>6} {'cold':>6} {'p50':>6} {'p99':>6} "
        f"{'sql':>6} {'q':>4}  ratio",
    ]
    for r in rows:
        r["route"] = r["route"] or "/"  # the home page's route is empty
    for r in sorted(rows, key=lambda r: (r["route"], r["role"], r["url"])):
        if r["kind"] != "page":
            flag = "" if r["kind"] != "ERROR" else "  ERROR"
            lines.append(
                f"{r['route']:<56} {r['role']:<11} {r['status']:>6} {r['kind']:>27} "
                f"{r['queries']:>4}{flag}"
            )
            continue
        over = []
        if warm_goal and r["p50_ms"] > warm_goal:
            over.append("WARM>goal")
        if cold_goal and r["cold_ms"] > cold_goal:
            over.append("COLD>goal")
        ratio = r["p50_ms"] / r["sql_ms"] if r["sql_ms"] else 0
        lines.append(
            f"{r['route']:<56} {r['role']:<11} {r['status']:>6} {_ms(r['cold_ms']):>6} "
            f"{_ms(r['p50_ms']):>6} {_ms(r['p99_ms']):>6} {_ms(r['sql_ms']):>6} "
            f"{r['queries']:>4}  {ratio:5.1f}x {' '.join(over)}"
        )
    pages = [r for r in rows if r["kind"] == "page"]
    errors = [r for r in rows if r["kind"] == "ERROR"]
    lines += ["", "Slowest pages (warm p50, worst role per pattern):"]
    worst: dict[str, dict] = {}
    for r in pages:
        if r["route"] not in worst or r["p50_ms"] > worst[r["route"]]["p50_ms"]:
            worst[r["route"]] = r
    for r in sorted(worst.values(), key=lambda r: -r["p50_ms"])[:15]:
        lines.append(
            f"  {r['route']:<56} {r['role']:<11} cold {_ms(r['cold_ms']):>6}  "
            f"p50 {_ms(r['p50_ms']):>6}  sql floor {_ms(r['sql_ms']):>5}  q {r['queries']}"
        )
    if warm_goal:
        over_warm = sorted({r["route"] for r in pages if r["p50_ms"] > warm_goal})
        over_cold = sorted({r["route"] for r in pages if r["cold_ms"] > cold_goal})
        lines.append(f"Over the warm goal ({warm_goal:.0f} ms): {len(over_warm)} patterns")
        lines += [f"  {x}" for x in over_warm]
        lines.append(f"Over the cold goal ({cold_goal:.0f} ms): {len(over_cold)} patterns")
        lines += [f"  {x}" for x in over_cold]
    lines.append(f"Errors (5xx, or 404 on an object in scope): {len(errors)}")
    lines += [f"  {r['status']} {r['role']} {r['url']}" for r in errors]
    unfilled = sorted({(u[0], u[2]) for u in data["unfilled"]})
    lines.append(f"Unfilled patterns (listed, not walked): {len(unfilled)}")
    lines += [f"  {route}  — {why}" for route, why in unfilled]
    skipped = sorted(set(map(tuple, data["skipped"])))
    lines.append(f"Not pages (excluded with a reason): {len(skipped)}")
    lines += [f"  {route}  — {why}" for route, why in skipped]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", default=",".join(RUNS))
    parser.add_argument("--repeats", type=int, default=0, help="warm requests (0: per run)")
    parser.add_argument("--roles", default="")
    parser.add_argument("--only", default="", help="only URL patterns starting with this")
    parser.add_argument("--pg", default="")
    parser.add_argument("--save", default="", help="also write the tables to this file")
    parser.add_argument("--child", default="")
    parser.add_argument("--seed-child", default="")
    parser.add_argument("--scale", default="county")
    parser.add_argument("--out", default="")
    parser.add_argument("--first-child", default="")
    parser.add_argument("--wsgi", action="store_true")
    args = parser.parse_args()
    if args.first_child:
        print("RESULT " + json.dumps(first_request(args.first_child, args.wsgi)))
        return 0
    if args.seed_child:
        _django(args.seed_child)
        _seed(args.scale)
        from django.db import connection

        if connection.vendor == "sqlite":
            with connection.cursor() as cur:
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return 0
    import _pagewalk as pw

    roles = args.roles.split(",") if args.roles else [r for r, _ in pw.ROLES]
    if args.child:
        child(args.child, args.scale, args.repeats, roles, args.only, args.out)
        return 0
    env = os.environ.get("DATABASE_URL", "")
    pg_base = args.pg or (
        env if env.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"
    )
    report: list[str] = [f"bench/pages.py — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.runs.split(","):
            scale, backend, repeats = RUNS[name]
            url = (
                sqlite_copy(scale, Path(tmp))
                if backend == "sqlite"
                else postgres_database(scale, pg_base)
            )
            if url is None:
                continue
            first = _first_requests(url)
            print(first, flush=True)
            report.append(f"## {name}\n{first}")
            out = Path(tmp) / f"{name}.json"
            result = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    url,
                    "--scale",
                    scale,
                    "--repeats",
                    str(args.repeats or repeats),
                    "--roles",
                    ",".join(roles),
                    "--only",
                    args.only,
                    "--out",
                    str(out),
                ],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": url},
            )
            if result.returncode:
                print(f"{name}: the walk failed; the roles walked so far follow")
                failed = True
            if not out.exists():
                continue
            data = json.loads(out.read_text())
            goal = scale == "county"
            text = table(name, data, COLD_GOAL_MS if goal else None, WARM_GOAL_MS if goal else None)
            print("\n" + text, flush=True)
            report.append(text)
            failed |= any(r["kind"] == "ERROR" for r in data["rows"])
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save).write_text("\n\n".join(report) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
