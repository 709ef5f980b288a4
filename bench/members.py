"""Roster import and worker search (issue 4).

    .venv/bin/python bench/members.py                  # 100,000-row roster, city-scale search
    .venv/bin/python bench/members.py --rows 20000     # smaller, quicker
    .venv/bin/python bench/members.py --pg postgres://postgres@127.0.0.1:5432/postgres

Each backend runs in its own child process with its own database: a temporary SQLite file,
and PostgreSQL when reachable (DATABASE_URL if it is a postgres URL, else --pg, else the
local default); the PostgreSQL database `gigbranch_bench_members` is dropped and created.

Measured in the same run:
- import: a generated xlsx roster read, validated (ID check character, mobile, duplicates,
  workplace) and upserted through services.roster.run_import, in rows/s;
- floor: a bare bulk insert of the same rows as they end up in the table (ciphertexts and
  blind indexes computed beforehand; COPY on PostgreSQL, one executemany on SQLite — the
  same `bulk_insert` the import uses — in one transaction);
- re-import of the unchanged file, and its speed-up over the first import;
- worker search at city scale (300,000 workers): p50 of the list page query (first 50 rows
  and the count) by name prefix, last 4 ID digits, workplace name and status.
Targets: ≥ 5,000 rows/s on PostgreSQL, re-import ≥ 3× faster, search p50 < 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import fresh_postgres_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏飞浩宇轩然博文斌晨阳"
)
HEADERS = ["骑手姓名", "身份证号", "手机", "骑手ID", "所属站点", "岗位", "入职日期", "政治面貌"]


def make_id(rng: random.Random, i: int) -> str:
    from gigbranch.core.validators import resident_id_check_char

    birth = dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
    first17 = f"{rng.choice(['340121', '410102', '430521', '511321', '360721'])}{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def roster_rows(
    n: int, stations: list[str], seed: int, offset: int = 0, seen: set[str] | None = None
) -> list[list[object]]:
    rng = random.Random(seed)
    rows: list[list[object]] = []
    seen = seen if seen is not None else set()
    i = 0
    while len(rows) < n:
        number = make_id(rng, i)
        i += 1
        if number in seen:
            continue
        seen.add(number)
        k = len(rows) + offset
        rows.append(
            [
                rng.choice(SURNAMES)
                + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))),
                number,
                f"1{rng.choice('3578')}{k:09d}",
                f"MT{k:08d}",
                rng.choice(stations),
                "外卖骑手",
                f"{rng.randrange(2018, 2026)}-{rng.randrange(1, 13):02d}-01",
                "中共党员" if rng.random() < 0.04 else "群众",
            ]
        )
    return rows


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def child(url: str, n_rows: int, city: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["UPLOAD_MAX_BYTES"] = str(200 * 1024 * 1024)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from gigbranch.accounts.models import User
    from gigbranch.core.fields import blind_index
    from gigbranch.members import queries
    from gigbranch.members.models import Platform, Worker
    from gigbranch.members.services import roster as rs
    from gigbranch.organizations.models import Organization, Region, Workplace, path_segment

    county = Region.objects.create(name="基准市", code="BENCHC", level="city")
    county.path = path_segment(county.pk)
    county.save()
    towns = []
    for t in range(15):
        town = Region.objects.create(
            name=f"区县{t}", code=f"BT{t:04d}", level="county", parent=county
        )
        town.path = county.path + path_segment(town.pk)
        town.save()
        towns.append(town)
    root = Organization.objects.create(name="基准党委", kind="industry_committee", region=county)
    root.path = path_segment(root.pk)
    root.save()
    workplaces = Workplace.objects.bulk_create(
        [
            Workplace(
                name=f"美团外卖{towns[i % 15].name}{i}号配送站",
                kind="delivery_station",
                brand="美团外卖",
                region=towns[i % 15],
            )
            for i in range(7500)
        ]
    )
    workplaces = list(Workplace.objects.order_by("id"))
    platform = Platform.objects.create(name="美团外卖")
    platform.workplaces.set(workplaces[:500])
    admin = User.objects.create(username="bench_admin", role="county_admin", scope_region=county)
    stations = [w.name for w in workplaces[:500]]
    t0 = time.perf_counter()
    seen_ids: set[str] = set()
    rows = roster_rows(n_rows, stations, 2026, seen=seen_ids)
    data = xlsx_bytes(rows)
    gen = time.perf_counter() - t0

    # Floor: the same rows, as stored, in one executemany.
    wp_by_name = {w.name: w for w in workplaces[:500]}
    fields = [f for f in Worker._meta.concrete_fields if not f.primary_key]
    now = time.time()
    prepared = []
    from django.utils import timezone

    stamp = timezone.now()
    for r in rows:
        wp = wp_by_name[r[4]]
        w = Worker(
            name=r[0],
            id_number=r[1],
            sex="M",
            birth_date=dt.date(1990, 1, 1),
            mobile=r[2],
            platform=platform,
            platform_worker_id=r[3],
            workplace=wp,
            region_id=wp.region_id,
            occupation="delivery_rider",
            political_status="masses",
            started_on=dt.date(2020, 1, 1),
            created_at=stamp,
            updated_at=stamp,
            roster_fingerprint="f" * 64,
        )
        w.id_number_hash = blind_index(r[1], context="id_number")
        w.id_last4_hash = blind_index(r[1][-4:], context="id_last4")
        w.mobile_hash = blind_index(r[2], context="mobile")
        prepared.append(
            tuple(f.get_db_prep_save(getattr(w, f.attname), connection) for f in fields)
        )
    prep = time.time() - now
    from gigbranch.members.roster import bulk_insert

    t0 = time.perf_counter()
    with transaction.atomic():
        bulk_insert(Worker._meta.db_table, [f.column for f in fields], prepared)
    floor = time.perf_counter() - t0
    Worker.objects.all().delete()

    def import_once() -> tuple[float, object]:
        imp = rs.start_import(actor=admin, platform=platform, filename="bench.xlsx", data=data)
        imp = rs.set_mapping(
            actor=admin, roster_import=imp, mapping=imp.mapping, mark_missing_left=True
        )
        t = time.perf_counter()
        done = rs.run_import(roster_import_id=imp.pk)
        return time.perf_counter() - t, done

    print(f"gen {gen:.1f}s prep {prep:.1f}s floor {floor:.1f}s", file=sys.stderr, flush=True)
    first, imp1 = import_once()
    print(f"first {first:.1f}s", file=sys.stderr, flush=True)
    again, imp2 = import_once()
    assert imp1.created_count == n_rows, (imp1.created_count, imp1.error_rows, imp1.errors[:3])
    assert imp2.unchanged_count == n_rows and imp2.created_count == imp2.updated_count == 0
    t0 = time.perf_counter()
    dry = rs.dry_run(
        actor=admin,
        roster_import=rs.start_import(
            actor=admin, platform=platform, filename="bench.xlsx", data=data
        ),
    )
    dry_s = time.perf_counter() - t0

    # City scale for search: add workers up to `city` (not timed).
    extra = city - n_rows
    from gigbranch.members.roster import CleanRow, insert_new

    other = Platform.objects.create(name="其他平台")
    batch = []
    t0 = time.perf_counter()
    extra_rows = roster_rows(extra, [w.name for w in workplaces], 99, offset=n_rows, seen=seen_ids)
    for k, r in enumerate(extra_rows):
        wp = workplaces[k % len(workplaces)]
        number = str(r[1])
        batch.append(
            CleanRow(
                row=k,
                name=str(r[0]),
                id_number=number,
                id_hash=blind_index(number, context="id_number"),
                sex="M",
                birth_date=dt.date(1990, 1, 1),
                mobile=str(r[2]),
                platform_worker_id=str(r[3]),
                workplace_id=wp.pk,
                region_id=wp.region_id,
                occupation="delivery_rider",
                started_on=None,
                political_status="masses",
                hometown="",
                union_member=False,
                fingerprint="",
            )
        )
        if len(batch) >= 5000:
            with transaction.atomic():
                insert_new(batch, platform=other, now=timezone.now())
            batch = []
    if batch:
        insert_new(batch, platform=other, now=timezone.now())
    Worker.objects.filter(
        platform=other,
        pk__in=Worker.objects.filter(platform=other).order_by("pk").values("pk")[: extra // 20],
    ).update(status="left")
    fill = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    total_workers = Worker.objects.count()
    ids = [r[1] for r in random.Random(3).sample(rows, 50)]
    names = [r[0][:2] for r in random.Random(4).sample(rows, 50)]
    wps = [w.name[-8:] for w in random.Random(5).sample(workplaces, 50)]
    town_admin = User.objects.create(
        username="bench_town", role="township_admin", scope_region=towns[3]
    )

    def timed(user: object, **kw: str) -> float:
        t = time.perf_counter()
        qs = queries.search_workers(user, **kw).select_related("workplace", "region")
        list(qs[:50])
        qs.count()
        return (time.perf_counter() - t) * 1000

    search = {}
    for label, user, kws in [
        ("name prefix (city admin)", admin, [{"q": n} for n in names]),
        ("ID last 4 (city admin)", admin, [{"q": i[-4:]} for i in ids]),
        ("workplace (city admin)", admin, [{"workplace": w} for w in wps]),
        ("status=left (township)", town_admin, [{"status": "left"} for _ in range(50)]),
        ("name prefix (township)", town_admin, [{"q": n} for n in names]),
    ]:
        for kw in kws[:3]:
            timed(user, **kw)  # warm
        search[label] = statistics.median(timed(user, **kw) for kw in kws)
    print(
        json.dumps(
            {
                "backend": connection.vendor,
                "rows": n_rows,
                "gen_s": gen,
                "prep_s": prep,
                "floor_s": floor,
                "first_s": first,
                "again_s": again,
                "dry_s": dry_s,
                "dry_errors": dry.error_rows,
                "fill_s": fill,
                "workers": total_workers,
                "search": search,
            }
        )
    )


def pg_url(arg: str | None) -> str | None:
    return fresh_postgres_database("gigbranch_bench_members", arg)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--city", type=int, default=300_000, help="workers for the search benchmark")
    ap.add_argument("--pg", default=None)
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    city = max(args.city, args.rows)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{tmp}/bench.sqlite3"]
        pg = pg_url(args.pg)
        if pg:
            urls.append(pg)
        for url in urls:
            out = subprocess.run(
                [sys.executable, __file__, "--child", url, str(args.rows), str(city)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "GIGBRANCH_VAR_DIR": tmp},
            )
            if out.returncode != 0:
                print(out.stdout[-2000:], out.stderr[-4000:])
                return 1
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"\nRoster import: {args.rows:,} rows (xlsx), validated and upserted; floor = bare "
        "bulk insert (COPY / executemany) of the same stored rows"
    )
    print(
        f"{'backend':<11}{'import s':>9}{'rows/s':>9}{'floor s':>9}{'floor r/s':>10}{'ratio':>7}"
        f"{'re-import s':>12}{'speed-up':>9}{'dry run s':>10}"
    )
    for r in results:
        n = r["rows"]
        print(
            f"{r['backend']:<11}{r['first_s']:>9.1f}{n / r['first_s']:>9,.0f}{r['floor_s']:>9.1f}"
            f"{n / r['floor_s']:>10,.0f}{r['first_s'] / r['floor_s']:>7.1f}{r['again_s']:>12.1f}"
            f"{r['first_s'] / r['again_s']:>9.1f}{r['dry_s']:>10.1f}"
        )
    print(
        f"\nWorker search p50 (ms) over {results[0]['workers']:,} workers; first page of 50 + count; "
        "target < 100 ms"
    )
    labels = list(results[0]["search"])
    print(f"{'query':<28}" + "".join(f"{r['backend']:>12}" for r in results))
    for label in labels:
        print(f"{label:<28}" + "".join(f"{r['search'][label]:>12.1f}" for r in results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
