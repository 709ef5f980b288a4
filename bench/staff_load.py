"""Staff-side load on PostgreSQL at city scale: intake, the appeal list, the fixed cost.

    .venv/bin/python bench/staff_load.py [--pg URL] [--appeals 75000] [--seconds 20]

Creates its own PostgreSQL database (default .../gigbranch_bench_staff, dropped and
re-created), loads `--appeals` appeals over 20 townships and runs ANALYZE (the planner
needs statistics: without them the list query took 302 ms instead of a few), then starts
gunicorn with the production settings (config/gunicorn.py) and `--workers` (4) processes on
127.0.0.1 and drives it with closed-loop clients (threads + http.client; each sends its
next request when the previous answer arrives, no pauses: what the server can do with that
many requests always in flight). Latency is per request, as the client sees it.

In one run, each figure beside what it is compared with:

1. fixed cost per request: GET /bench/floor (a view that returns a constant) through our
   middleware, and through Django's default middleware on a second server started the
   same way (bench/_default_stack_settings.py). They alternate in `--rounds` rounds.
   Goal: our stack serves at least 1/1.2 of the default stack's requests per second.
2. intake: `--intake-clients` (50) clients POST /api/v1/appeals (a fresh Idempotency-Key
   each), on the production gunicorn settings and, for comparison, with the keep-alive and
   connection limit used before (1,000 connections a process, keep-alive 30 s) and on the
   sync worker, alternating round by round.
   Goal: p99 < 300 ms on the former.
   The floor at the same concurrency is shown as the ratio's denominator.
3. the staff list: `--list-clients` (20) clients signed in as the county administrator
   GET /appeals/?page=N, N uniform over the first 40 pages, at `--appeals` appeals.
   Goal: p50 < 100 ms.

The exit status is non-zero when a goal is missed or a request failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
PY = sys.executable

import appeals_load as load  # noqa: E402

LOAD = r"""
import datetime as dt, json, random, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from importlib import import_module
from gigbranch.accounts.models import User
from gigbranch.appeals.models import Appeal, Category, Channel
from gigbranch.appeals.rules import Status
from gigbranch.organizations.models import Department, Region, path_segment
n = int(sys.argv[1])
county = Region.objects.get(code="990000")
towns = [Region.objects.get(code="99000001")]
for i in range(2, 21):
    t = Region.objects.create(name=f"压测{i}镇", code=f"990000{i:02d}", level="township", parent=county)
    t.path = county.path + path_segment(t.pk); t.save()
    towns.append(t)
depts = list(Department.objects.all()) + [
    Department.objects.create(name=f"县第{i}部门", region=county) for i in range(7)
]
cats = list(Category.objects.all())
statuses = [s for s, _ in Status.CHOICES]
rng = random.Random(17)
now = dt.datetime.now(dt.timezone.utc)
batch = []
for i in range(n):
    received = now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
    batch.append(Appeal(
        tracking_no=f"B{i:011d}", category=rng.choice(cats), description=f"压测诉求 {i}：站点拖欠工资",
        channel=rng.choice([c for c, _ in Channel.choices]), region=rng.choice(towns),
        department=rng.choice(depts + [None]), status=rng.choice(statuses),
        received_at=received, accept_due_at=received + dt.timedelta(hours=2),
        clock_started_at=received, reply_due_at=received + dt.timedelta(days=7),
    ))
    if len(batch) == 5000:
        Appeal.objects.bulk_create(batch); batch = []
Appeal.objects.bulk_create(batch)
with connection.cursor() as c:
    c.execute("ANALYZE")
user = User.objects.get(username="platform")
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
roots = Region.objects.filter(parent__isnull=True).count()
print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}",
                  "appeals": Appeal.objects.count(), "roots": roots}))
"""


class Result:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        self.seconds = 0.0

    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return load.pct(self.latencies, q)


def closed_loop(port: int, clients: int, seconds: float, request) -> Result:  # type: ignore[no-untyped-def]
    """`clients` threads, each sending `request(conn, rng)` again as soon as it returns
    (True for a good answer), for `seconds`."""
    res = Result()
    stop = time.perf_counter() + seconds
    start = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        rng = random.Random(i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start.wait()
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                ok = request(conn, rng)
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            dt = time.perf_counter() - t0
            with res.lock:
                if ok:
                    res.latencies.append(dt)
                else:
                    res.errors += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    res.seconds = time.perf_counter() - t0
    return res


def get(path: str, headers: dict[str, str] | None = None, expect: bytes = b""):  # type: ignore[no-untyped-def]
    def request(conn: http.client.HTTPConnection, rng: random.Random) -> bool:
        p = path.replace("{page}", str(rng.randint(1, 40)))
        conn.request("GET", p, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status == 200 and expect in body

    return request


def post_appeal(token: str, region: str):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def request(conn: http.client.HTTPConnection, rng: random.Random) -> bool:
        key = uuid.uuid4().hex
        body = json.dumps(
            {
                "category": rng.choice(["wages", "traffic", "legal", "housing"]),
                "description": f"压测诉求 {key[:8]}：站点拖欠工资",
                "region_code": region,
                "contact_mobile": "13900000000",
            }
        )
        conn.request(
            "POST", "/api/v1/appeals", body=body, headers={**headers, "Idempotency-Key": key}
        )
        r = conn.getresponse()
        r.read()
        return r.status in (200, 201)

    return request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn with config/gunicorn.py (the production settings) plus `extra` options."""

    def __init__(self, env: dict[str, str], workers: int, extra: list[str]) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "config.wsgi:application",
                "-c",
                str(ROOT / "config" / "gunicorn.py"),
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "--log-level",
                "warning",
                "--access-logfile",
                "/dev/null",
                "--max-requests",
                "0",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        load.PORT = self.port
        load.wait_port(self.port)
        load.warm_up()

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def line(label: str, r: Result, base: Result | None = None) -> str:
    cells = f"{label:<44}{len(r.latencies):>7}{r.errors:>5}{r.rps():>8.1f}"
    cells += f"{r.pct(0.5):>8.1f}{r.pct(0.9):>8.1f}{r.pct(0.99):>8.1f}"
    if base is not None and base.rps():
        cells += f"{r.rps() / base.rps():>9.2f}{r.pct(0.99) / base.pct(0.99):>9.2f}"
    return cells


HEADER = (
    f"{'':<44}{'ok':>7}{'err':>5}{'req/s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}"
    f"{'req/s ×':>9}{'p99 ×':>9}"
)


def merge(results: list[Result]) -> Result:
    out = Result()
    for r in results:
        out.latencies += r.latencies
        out.errors += r.errors
        out.seconds += r.seconds
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "BENCH_STAFF_PG", "postgres://postgres@127.0.0.1:5432/gigbranch_bench_staff"
        ),
    )
    ap.add_argument("--appeals", type=int, default=75_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20, help="length of each measured phase")
    ap.add_argument("--rounds", type=int, default=3, help="alternations of the two floors")
    ap.add_argument("--intake-clients", type=int, default=50)
    ap.add_argument("--list-clients", type=int, default=20)
    ap.add_argument("--floor-clients", type=int, default=20)
    ap.add_argument(
        "--skip-gthread", action="store_true", help="skip the comparison gunicorn settings"
    )
    args = ap.parse_args()
    try:
        load.recreate_db(args.pg)
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc}); this benchmark needs PostgreSQL.")
        return 1
    env = load.env_for(args.pg)
    # The benchmark measures the pages and the intake themselves: the rate limits (which
    # answer 429 to many clients from one address or account) are off here.
    env["RATE_LIMITS_OFF"] = "1"
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    def child(code: str, *argv: str) -> dict[str, object]:
        out = subprocess.run(
            [PY, "-c", code, *argv], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    setup = child(load.SETUP)
    t0 = time.perf_counter()
    data = child(LOAD, str(args.appeals))
    print(
        f"loaded {data['appeals']} appeals in {time.perf_counter() - t0:.0f} s "
        f"({data['roots']} root region), ANALYZE done",
        flush=True,
    )
    token, region, cookie = str(setup["token"]), str(setup["region"]), str(data["cookie"])
    floor = get("/bench/floor", expect=b"ok")
    listing = get("/appeals/?page={page}", {"Cookie": cookie}, expect="诉求办理".encode())

    ours_floor: list[Result] = []
    default_floor: list[Result] = []
    intake_rounds: list[Result] = []
    gthread_rounds: list[Result] = []
    sync_rounds: list[Result] = []
    rounds = max(1, args.rounds)
    servers = {
        "ours": Server(env, args.workers, []),
        "default": Server(
            {**env, "DJANGO_SETTINGS_MODULE": "_default_stack_settings"}, args.workers, []
        ),
    }
    if not args.skip_gthread:
        # Before: the threaded worker with gunicorn's default keep-alive and connections.
        servers["gthread"] = Server(
            env, args.workers, ["--worker-connections", "1000", "--keep-alive", "30"]
        )
        servers["sync"] = Server(env, args.workers, ["-k", "sync", "--threads", "1"])
    submit = post_appeal(token, region)
    try:
        # Each comparison alternates its two servers round by round (new connections each
        # round), so a neighbour's burst on the shared cores spoils a round, not one side.
        for _ in range(rounds):
            for name, into in (("ours", ours_floor), ("default", default_floor)):
                into.append(
                    closed_loop(
                        servers[name].port, args.floor_clients, args.seconds / rounds, floor
                    )
                )
        port = servers["ours"].port
        intake_floor = closed_loop(port, args.intake_clients, args.seconds / 2, floor)
        for _ in range(rounds):
            intake_rounds.append(
                closed_loop(port, args.intake_clients, args.seconds / rounds, submit)
            )
            if "sync" in servers:
                sync_rounds.append(
                    closed_loop(
                        servers["sync"].port,
                        args.intake_clients,
                        args.seconds / rounds,
                        submit,
                    )
                )
            if "gthread" in servers:
                gthread_rounds.append(
                    closed_loop(
                        servers["gthread"].port, args.intake_clients, args.seconds / rounds, submit
                    )
                )
        listing_res = closed_loop(port, args.list_clients, args.seconds, listing)
        list_floor = closed_loop(port, args.list_clients, args.seconds / 2, floor)
    finally:
        for s in servers.values():
            s.stop()
    intake = merge(intake_rounds)
    gthread = merge(gthread_rounds) if gthread_rounds else None

    cfg = subprocess.run(
        [
            PY,
            "-c",
            "import runpy; c = runpy.run_path('config/gunicorn.py'); print(c['worker_class'])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"\nstaff load: PostgreSQL, {data['appeals']} appeals, gunicorn {args.workers} processes "
        f"({cfg} worker, config/gunicorn.py), closed loop, {os.cpu_count()} CPUs shared with "
        f"the load generator and PostgreSQL (load average {os.getloadavg()[0]:.2f})"
    )
    ours, default = merge(ours_floor), merge(default_floor)
    print(f"\n1. fixed cost: GET /bench/floor, {args.floor_clients} clients, {args.rounds} rounds")
    print(HEADER)
    print(line("default Django middleware (baseline)", default))
    print(line("our middleware", ours, default))
    per_round = ", ".join(
        f"{o.rps() / d.rps():.2f}" for o, d in zip(ours_floor, default_floor, strict=True)
    )
    fixed_ratio = ours.rps() / default.rps() if default.rps() else 0.0
    fixed_ok = fixed_ratio >= 1 / 1.2
    print(
        f"   our stack serves {fixed_ratio:.2f}× the default stack's requests/s (per round: "
        f"{per_round}); goal ≥ {1 / 1.2:.2f}× (cost ≤ 1.2×): {'met' if fixed_ok else 'NOT met'}"
    )
    print(f"\n2. intake: POST /api/v1/appeals, {args.intake_clients} clients")
    print(HEADER)
    print(line("floor GET /bench/floor (same clients)", intake_floor))
    print(line("appeals, config/gunicorn.py (production)", intake, intake_floor))
    if gthread is not None:
        print(line("appeals, keep-alive, 1000 connections (before)", gthread, intake_floor))
        sync = merge(sync_rounds)
        print(line("appeals, sync worker (1 thread)", sync, intake_floor))
        print(
            f"   p99/p50 per round, sync: "
            f"{', '.join(f'{r.pct(0.99) / r.pct(0.5):.1f}' for r in sync_rounds)}"
        )
        print(
            f"   production / before: p99 {intake.pct(0.99) / gthread.pct(0.99):.2f}, "
            f"req/s {intake.rps() / gthread.rps():.2f}; p99/p50 per round, production: "
            f"{', '.join(f'{r.pct(0.99) / r.pct(0.5):.1f}' for r in intake_rounds)}; "
            f"before: {', '.join(f'{r.pct(0.99) / r.pct(0.5):.1f}' for r in gthread_rounds)}"
        )
    intake_ok = intake.pct(0.99) < 300 and not intake.errors
    print(f"   p99 {intake.pct(0.99):.0f} ms, goal < 300 ms: {'met' if intake_ok else 'NOT met'}")
    print(
        f"\n3. staff list: GET /appeals/?page=1..40 as the county administrator, {args.list_clients} clients"
    )
    print(HEADER)
    print(line("floor GET /bench/floor (same clients)", list_floor))
    print(line(f"appeal list, {data['appeals']} appeals", listing_res, list_floor))
    list_ok = listing_res.pct(0.5) < 100 and not listing_res.errors
    print(f"   p50 {listing_res.pct(0.5):.0f} ms, goal < 100 ms: {'met' if list_ok else 'NOT met'}")
    print(
        f"   mean latency × throughput = {statistics.fmean(listing_res.latencies) * listing_res.rps():.1f} "
        f"requests in flight (closed loop: {args.list_clients})"
        if listing_res.latencies
        else ""
    )
    return 0 if fixed_ok and intake_ok and list_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
