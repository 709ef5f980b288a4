"""In-process cost of one appeal submission (issue 6): queries and CPU per request.

    .venv/bin/python bench/appeals_profile.py [--n 300] [--pg URL] [--profile]

Creates its own PostgreSQL database (default .../gigbranch_bench_appeals_prof, dropped and
re-created), then drives POST /api/v1/appeals and the floor (/bench/floor) through the
Django test Client in this process (no network, no gunicorn). Prints the query count of one
submission and the CPU time per request (process time, so the database server's own time
is not counted), against the floor, and optionally a pyinstrument/cProfile listing. The
two alternate in `--rounds` rounds and the median round is shown (shared cores are noisy).
The PostgreSQL backend's own CPU per submission is read from /proc when the server runs on
this machine (it shares the cores with gunicorn under load).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5, help="alternate floor/appeals; median")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "BENCH_APPEALS_PG", "postgres://postgres@127.0.0.1:5432/gigbranch_bench_appeals_prof"
        ),
    )
    args = ap.parse_args()
    import appeals_load as load

    try:
        load.recreate_db(args.pg)
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc}); this benchmark needs PostgreSQL.")
        return 1
    env = load.env_for(args.pg)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = json.loads(
        subprocess.run(
            [sys.executable, "-c", load.SETUP],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {setup['token']}"}

    def submit() -> int:
        body = json.dumps(
            {
                "category": "wages",
                "description": "压测诉求：站点拖欠工资",
                "region_code": setup["region"],
                "contact_mobile": "13900000000",
            }
        )
        r = client.post(
            "/api/v1/appeals",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            **auth,
        )
        assert r.status_code == 201, r.content
        return r.status_code

    def floor() -> None:
        client.get("/bench/floor")

    for _ in range(20):  # warm caches, connection, URL resolver
        submit()
        floor()
    with CaptureQueriesContext(connection) as ctx:
        submit()
    queries = [q["sql"] for q in ctx.captured_queries]

    def backend() -> tuple[int, float | None]:
        """The PostgreSQL backend serving this process, and its CPU seconds so far (the
        server shares the cores with gunicorn under load)."""
        with connection.cursor() as c:
            c.execute("SELECT pg_backend_pid()")
            pid = c.fetchone()[0]
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a server on another machine
            return pid, None
        return pid, (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")

    def cpu(fn, n):  # type: ignore[no-untyped-def]
        pid0, pg0 = backend()
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            fn()
        c1, w1 = time.process_time(), time.perf_counter()
        pid1, pg1 = backend()
        pg = (pg1 - pg0) / n * 1000 if pid0 == pid1 and pg0 is not None and pg1 else float("nan")
        return (c1 - c0) / n * 1000, (w1 - w0) / n * 1000, pg

    # Alternate the two in rounds and keep the median round of each: on shared cores a
    # neighbour's burst then spoils one round, not the comparison.
    rounds = max(1, args.rounds)
    f_runs, a_runs = [], []
    for _ in range(rounds):
        f_runs.append(cpu(floor, max(1, args.n * 3 // rounds)))
        a_runs.append(cpu(submit, max(1, args.n // rounds)))
    f_cpu, f_wall, _ = (statistics.median(x) for x in zip(*f_runs, strict=True))
    a_cpu, a_wall, a_pg = (statistics.median(x) for x in zip(*a_runs, strict=True))
    print(f"\none submission: {len(queries)} queries")
    for q in queries:
        print("   ", q[:150])
    print(f"\n{'request':<26}{'CPU ms/req':>12}{'wall ms/req':>13}{'PG CPU ms/req':>15}")
    print(f"{'floor GET /bench/floor':<26}{f_cpu:>12.2f}{f_wall:>13.2f}{'-':>15}")
    print(f"{'POST /api/v1/appeals':<26}{a_cpu:>12.2f}{a_wall:>13.2f}{a_pg:>15.2f}")
    print(f"{'ratio':<26}{a_cpu / f_cpu:>12.2f}{a_wall / f_wall:>13.2f}")
    spread = ", ".join(f"{c:.2f}" for c, _, _ in a_runs)
    print(f"(median of {rounds} rounds; appeals CPU ms per round: {spread})")
    if args.profile:
        try:
            if os.environ.get("BENCH_CPROFILE"):
                raise ImportError
            from pyinstrument import Profiler

            prof = Profiler(interval=0.0005)
            prof.start()
            for _ in range(100):
                submit()
            prof.stop()
            print(prof.output_text(unicode=True, color=False, show_all=False))
        except ImportError:
            import cProfile
            import pstats
            import time as _time

            pr = cProfile.Profile(_time.process_time)  # CPU time: waits on the server excluded
            pr.enable()
            for _ in range(100):
                submit()
            pr.disable()
            if os.environ.get("BENCH_PROFILE_OUT"):
                pr.dump_stats(os.environ["BENCH_PROFILE_OUT"])
            pstats.Stats(pr).sort_stats("cumulative").print_stats(45)
            pstats.Stats(pr).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
