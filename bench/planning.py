"""Coverage planning (issue 18, PLAN-1): greedy time at city scale and its gap to the optimum.

    .venv/bin/python bench/planning.py
    .venv/bin/python bench/planning.py --pg postgres://postgres@127.0.0.1:5432/postgres

Each backend runs in its own child process with its own database (a temporary SQLite file;
PostgreSQL `gigbranch_bench_planning`, dropped and created). The city is generated
deterministically: 7,500 workplaces (≈ 300,000 workers) around 15 township seats, 600
stations, 1,000 candidate sites; k = 20, radius 1.5 km.

Measured in one run, side by side:
- propose: `planner.propose` end to end as the county admin (scoped reads of demand and
  stations, spatial pre-filter, lazy greedy), exact solver off. Target < 1 s.
- its parts: the demand read (against a plain SQL floor), the grid-join pre-filter
  (`cover_lists`) against the brute
  force haversine over every (candidate, workplace) pair, and the lazy greedy against a
  plain greedy that recomputes every gain at every step.
- exact: HiGHS on the whole city instance (time limit 120 s) and on five township-sized
  instances (200 candidates, k = 5): the greedy's gap to the optimum in %. Target < 5 %.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from _common import run_children

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKPLACES = 7500
STATIONS = 600
CANDIDATES = 1000
K = 20
RADIUS = 1.5
REPEAT = 5
SEATS = 15
CITY = (30.27, 120.15)


def _city(rng: random.Random) -> tuple[list[tuple[float, float]], list[tuple[float, float, int]]]:
    """Township seats, and workplaces (lat, lng, workers) clustered around them."""
    seats = [
        (round(rng.gauss(CITY[0], 0.18), 6), round(rng.gauss(CITY[1], 0.22), 6))
        for _ in range(SEATS)
    ]
    places = []
    for i in range(WORKPLACES):
        lat0, lng0 = seats[i % SEATS] if i % 10 else (CITY[0], CITY[1])
        spread = 0.03 if i % 7 else 0.09
        workers = max(1, int(rng.lognormvariate(3.2, 0.9)))
        places.append(
            (round(rng.gauss(lat0, spread), 6), round(rng.gauss(lng0, spread), 6), workers)
        )
    return seats, places


def plain_greedy(weights, covers, k):  # type: ignore[no-untyped-def]
    """Greedy without lazy evaluation: every gain recomputed at every step."""
    import numpy as np

    covered = np.zeros(len(weights), dtype=bool)
    chosen: list[int] = []
    for _ in range(k):
        best, best_gain = -1, -1.0
        for j, idx in enumerate(covers):
            if j in chosen:
                continue
            g = float(weights[idx][~covered[idx]].sum())
            if g > best_gain:
                best, best_gain = j, g
        chosen.append(best)
        covered[covers[best]] = True
    return chosen


def child(url: str, sizes: list[int]) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from decimal import Decimal

    from gigbranch.accounts.models import User
    from gigbranch.organizations.models import CoverageMode, Region, Workplace
    from gigbranch.planning import maxcover as mc
    from gigbranch.planning import planner, queries
    from gigbranch.stations.models import Station

    rng = random.Random(2026)
    seats, places = _city(rng)
    city = Region.objects.create(name="基准市", code="BENCHCITY", level="city", path="")
    city.path = f"{city.pk:06d}."
    city.save(update_fields=["path"])
    towns = []
    for n, (la, ln) in enumerate(seats):
        t = Region.objects.create(
            name=f"街道{n + 1}",
            code=f"BENCHT{n:02d}",
            level="street",
            parent=city,
            latitude=Decimal(str(la)),
            longitude=Decimal(str(ln)),
        )
        t.path = f"{city.path}{t.pk:06d}."
        t.save(update_fields=["path"])
        towns.append(t)
    modes = [CoverageMode.OWN_BRANCH, CoverageMode.NONE, CoverageMode.NONE, CoverageMode.NONE]
    Workplace.objects.bulk_create(
        [
            Workplace(
                name=f"企业{i}",
                kind="express_outlet",
                region=towns[i % SEATS],
                latitude=Decimal(f"{la:.6f}"),
                longitude=Decimal(f"{ln:.6f}"),
                reported_worker_count=w,
                coverage_mode=modes[i % 4] if i % 3 == 0 else CoverageMode.NONE,
            )
            for i, (la, ln, w) in enumerate(places)
        ],
        batch_size=2000,
    )
    Station.objects.bulk_create(
        [
            Station(
                name=f"驿站{i}",
                kind="warm_heart",
                address="-",
                region=towns[i % SEATS],
                latitude=places[(i * 37) % WORKPLACES][0] + rng.uniform(-0.01, 0.01),
                longitude=places[(i * 37) % WORKPLACES][1] + rng.uniform(-0.01, 0.01),
                qr_token=f"bp{i}",
            )
            for i in range(STATIONS)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    user = User.objects.create(username="bench_city", role="county_admin", scope_region=city)
    cand = [
        {
            "key": f"c{j}",
            "name": f"候选{j}",
            "lat": round(places[(j * 7) % WORKPLACES][0] + rng.uniform(-0.005, 0.005), 6),
            "lng": round(places[(j * 7) % WORKPLACES][1] + rng.uniform(-0.005, 0.005), 6),
        }
        for j in range(CANDIDATES)
    ]

    def propose() -> dict:  # type: ignore[type-arg]
        return planner.propose(
            user,
            region=city,
            kind="station",
            k=K,
            radius_km=RADIUS,
            candidates=cand,
            use_workplaces=False,
            with_exact=False,
        )

    propose()  # warm up
    if os.environ.get("PLANNING_PROFILE"):
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        propose()
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        res = propose()
        times.append(time.perf_counter() - t0)

    def median_time(fn, repeat: int = REPEAT):  # type: ignore[no-untyped-def]
        """(median seconds over `repeat` runs, the last result): one slow run on a shared
        machine does not decide a figure."""
        spent, out = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = fn()
            spent.append(time.perf_counter() - t0)
        return statistics.median(spent), out

    t_read, points = median_time(lambda: queries.demand(user, city))
    table = connection.ops.quote_name(Workplace._meta.db_table)

    def floor_read():  # type: ignore[no-untyped-def]
        with connection.cursor() as cur:  # floor: the same columns, no scope, no join
            cur.execute(
                f"SELECT id, name, latitude, longitude, reported_worker_count, coverage_mode "
                f"FROM {table} WHERE latitude IS NOT NULL"
            )
            return cur.fetchall()

    t_floor, floor_rows = median_time(floor_read)
    assert len(floor_rows) == len(points)
    demand = mc.Points.of([(p.lat, p.lng) for p in points], [float(p.workers) for p in points])
    sites = mc.Points.of([(c["lat"], c["lng"]) for c in cand])
    stations = mc.Points.of([(s.lat, s.lng) for s in queries.existing_sites(user, city, "station")])
    t_band, covers = median_time(lambda: mc.cover_lists(demand, sites, RADIUS))
    t_brute, brute = median_time(lambda: mc.cover_lists_brute(demand, sites, RADIUS), 3)
    assert [a.tolist() for a in covers] == [b.tolist() for b in brute]
    already = mc.served_mask(demand, stations, RADIUS)
    t_lazy, lazy = median_time(lambda: mc.greedy(demand.weight, covers, K, already=already))
    free = demand.weight * ~already
    t_plain, plain = median_time(lambda: plain_greedy(free, covers, K), 3)
    plain_value = float(free[np.unique(np.concatenate([covers[j] for j in plain]))].sum())

    city_exact = mc.exact(demand.weight, covers, K, already=already, time_limit=120.0)
    instances = []
    for n in range(5):  # township-sized: 200 candidates near one seat, k = 5
        seat = seats[n]
        near = sorted(
            range(CANDIDATES),
            key=lambda j: (cand[j]["lat"] - seat[0]) ** 2 + (cand[j]["lng"] - seat[1]) ** 2,
        )[:200]
        sub = [covers[j] for j in near]
        g = mc.greedy(demand.weight, sub, 5, already=already)
        e = mc.exact(demand.weight, sub, 5, already=already, time_limit=60.0)
        instances.append(
            {
                "greedy": g.value,
                "exact": e.value,
                "optimal": e.optimal,
                "gap": mc.gap_percent(g.value, e.value),
                "seconds": e.seconds,
                "greedy_seconds": g.seconds,
            }
        )
    print(
        "RESULT "
        + json.dumps(
            [
                {
                    "backend": connection.vendor,
                    "propose_p50": statistics.median(times),
                    "propose_max": max(times),
                    "read": t_read,
                    "read_floor": t_floor,
                    "band": t_band,
                    "brute": t_brute,
                    "lazy": t_lazy,
                    "plain": t_plain,
                    "lazy_value": lazy.value,
                    "plain_value": plain_value,
                    "after_rate": res["rate_after"],
                    "before_rate": res["rate_before"],
                    "workers": res["workers_total"],
                    "city_exact": {
                        "value": city_exact.value,
                        "optimal": city_exact.optimal,
                        "seconds": city_exact.seconds,
                        "gap": mc.gap_percent(lazy.value, city_exact.value),
                    },
                    "instances": instances,
                }
            ]
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=None)
    parser.add_argument("--child", default=None)
    parser.add_argument("--sizes", default="")
    args = parser.parse_args()
    if args.child:
        child(args.child, [])
        return 0
    rows = run_children(__file__, "gigbranch_bench_planning", args.pg, [WORKPLACES], ROOT)
    if rows is None:
        return 1
    print(
        f"\nCoverage planning at city scale: {WORKPLACES:,} workplaces, {STATIONS} stations, "
        f"{CANDIDATES:,} candidates, k = {K}, radius {RADIUS} km (times in ms, medians of 5 runs; brute force and plain greedy of 3)"
    )
    ok = True
    for r in rows:
        ce = r["city_exact"]
        gaps = [i["gap"] for i in r["instances"] if i["optimal"]]
        good = (
            r["propose_p50"] < 1.0
            and all(g < 5 for g in gaps)
            and (not ce["optimal"] or ce["gap"] < 5)
        )
        ok &= good
        print(
            f"\n[{r['backend']}]  {'ok' if good else 'MISSED'}  (targets: propose < 1 s; gap < 5 %)"
        )
        print(
            f"  propose end to end p50 {r['propose_p50'] * 1000:8.1f}  max {r['propose_max'] * 1000:8.1f}"
            f"   coverage {r['before_rate']}% -> {r['after_rate']}% of {r['workers']:,} workers"
        )
        print(
            f"  propose ÷ floor read   ×{r['propose_p50'] / r['read_floor']:.1f}   (the whole proposal"
            f" in plain-SQL reads of the same 7,500 rows: robust to a loaded machine)"
        )
        print(
            f"  demand read (scoped)   {r['read'] * 1000:8.1f}   floor (plain SQL) "
            f"{r['read_floor'] * 1000:8.1f}   ×{r['read'] / r['read_floor']:.1f}"
        )
        print(
            f"  pre-filter grid join     {r['band'] * 1000:8.1f}   brute force {r['brute'] * 1000:8.1f}"
            f"   ×{r['brute'] / r['band']:.1f} faster, same lists"
        )
        print(
            f"  greedy lazy            {r['lazy'] * 1000:8.1f}   plain greedy {r['plain'] * 1000:8.1f}"
            f"   ×{r['plain'] / r['lazy']:.1f} faster, values {r['lazy_value']:.0f} / {r['plain_value']:.0f}"
        )
        print(
            f"  exact, whole city      {ce['seconds'] * 1000:8.1f}   "
            f"{'optimal' if ce['optimal'] else 'time limit (best found)'}: {ce['value']:.0f}, "
            f"greedy {r['lazy_value']:.0f}, gap {ce['gap']:.3f} %"
        )
        for n, i in enumerate(r["instances"], start=1):
            print(
                f"  township {n} (200 cand., k=5): exact {i['seconds'] * 1000:7.1f} "
                f"{'optimal' if i['optimal'] else 'not proven'} {i['exact']:.0f}, greedy "
                f"{i['greedy']:.0f} in {i['greedy_seconds'] * 1000:.1f}, gap {i['gap']:.3f} %"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
