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
