"""Fixed cost per request: a minimal view through our middleware against Django's default.

    .venv/bin/python bench/middleware.py [--n 2000] [--rounds 5]

A view that returns a constant response (/bench/floor) is served by Django's WSGI handler
in this process (no network, no server), anonymous, with a browser's Accept-Language:

- through Django's default middleware (the `startproject` list): the baseline;
- through our MIDDLEWARE (config/settings.py);
- through our MIDDLEWARE with Django's LocaleMiddleware in place of LanguageMiddleware
  (the stack before it was replaced);
- through our list cut after each entry (first 1, first 2, ...), so each line's increase is
  what that middleware adds to every request.

Every configuration runs in each of `--rounds` rounds, one after the other (a neighbour's
burst on the shared cores then spoils one round, not the comparison); the median round is
shown, as CPU microseconds per request (process time) and as requests per second relative
to the default stack. The goal: our stack costs at most 1.2× the default one.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

DEFAULT_STACK = [  # django-admin startproject, Django 5.2
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
GOAL = 1.2


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="requests per configuration and round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "_appeals_settings",
            "DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        }
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    ours = list(settings.MIDDLEWARE)

    def handler(stack: list[str]) -> WSGIHandler:
        with override_settings(MIDDLEWARE=stack):
            return WSGIHandler()

    def environ() -> dict[str, object]:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/bench/floor",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8300",
            "HTTP_HOST": "127.0.0.1:8300",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.8",
            "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) bench",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
        }

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"/bench/floor answered {status}")

    def cost(h: WSGIHandler, n: int) -> float:
        t0 = time.process_time()
        for _ in range(n):
            response = h(environ(), start_response)
            b"".join(response)
            response.close()
        return (time.process_time() - t0) / n * 1e6

    before = [
        "django.middleware.locale.LocaleMiddleware"
        if path == "gigbranch.core.middleware.LanguageMiddleware"
        else path
        for path in ours
    ]
    configs = [("default Django stack (baseline)", DEFAULT_STACK), ("our stack", ours)]
    if before != ours:
        configs.append(("our stack with LocaleMiddleware", before))
    configs += [(f"  + {path.rsplit('.', 1)[1]}", ours[: i + 1]) for i, path in enumerate(ours)]
    handlers = [(label, handler(stack)) for label, stack in configs]
    for _, h in handlers:  # warm: URL resolver, translations, lazy settings
        cost(h, 200)
    runs: dict[str, list[float]] = {label: [] for label, _ in handlers}
    for _ in range(max(1, args.rounds)):
        for label, h in handlers:
            runs[label].append(cost(h, args.n))
    med = {label: statistics.median(v) for label, v in runs.items()}
    base = med[configs[0][0]]
    print(
        f"\nminimal view, anonymous, in-process WSGI: median of {args.rounds} rounds × "
        f"{args.n} requests (load average {os.getloadavg()[0]:.2f})"
    )
    print(f"{'middleware':<40}{'CPU µs/req':>12}{'added µs':>10}{'cost ×':>9}{'req/s ×':>9}")
    previous = 0.0
    for label, _ in configs:
        us = med[label]
        added = f"{us - previous:>10.1f}" if label.startswith("  +") else f"{'':>10}"
        if label.startswith("  +"):
            previous = us
        print(f"{label:<40}{us:>12.1f}{added}{us / base:>9.2f}{base / us:>9.2f}")
    ratio = med["our stack"] / base
    spread = ", ".join(
        f"{o / d:.2f}" for o, d in zip(runs["our stack"], runs[configs[0][0]], strict=True)
    )
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(
        f"our stack costs {ratio:.2f}× the default stack per request (per round: {spread}); "
        f"goal ≤ {GOAL}×: {verdict}"
    )
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
