"""Shared set-up for the benchmarks (not a benchmark itself: bench/run.py skips `_` files)."""

from __future__ import annotations

import os


def fresh_postgres_database(name: str, url: str | None = None) -> str | None:
    """Drop and create database `name` next to `url` (or DATABASE_URL, or the local
    server) and return its URL; None, with a message, when PostgreSQL is not reachable."""
    env = os.environ.get("DATABASE_URL", "")
    base = url or (
        env if env.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"
    )
    try:
        import psycopg

        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"PostgreSQL not available ({exc.__class__.__name__}); SQLite only.")
        return None
    return f"{base.rsplit('/', 1)[0]}/{name}"


def run_children(
    script: str, database: str, pg: str | None, sizes: list[int], root: object
) -> list[dict[str, object]] | None:
    """Run `script --child URL --sizes ...` once on a temporary SQLite file and once on a
    fresh PostgreSQL database `database` (when reachable); return the rows each child
    printed after "RESULT ", or None (with the child's output) when one failed."""
    import json
    import subprocess
    import sys
    import tempfile

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{tmp}/bench.sqlite3"]
        url = fresh_postgres_database(database, pg)
        if url:
            urls.append(url)
        for url in urls:
            out = subprocess.run(
                [sys.executable, script, "--child", url, "--sizes", ",".join(map(str, sizes))],
                cwd=root,
                capture_output=True,
                text=True,
                env={**os.environ, "DATABASE_URL": url},
            )
            line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
            if out.returncode or not line:
                print(out.stdout, out.stderr)
                return None
            rows += json.loads(line[0][7:])
    return rows
