"""Rate limits per account and per client address (GB/T 22239-2019 8.1.3 intrusion
prevention; OWASP ASVS V2.2 anti-automation).

Fixed windows counted in the cache alias "ratelimit" (Redis in production, so every
process shares the counts; a per-process memory cache in development and tests). Limits
come from settings.RATE_LIMITS as {name: "count/seconds"}; a name set to None or left out
is not limited. Over the limit the caller answers 429 with `Retry-After` and a Chinese
message (`too_many` for pages, the API's handler for JSON).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

MESSAGE = "操作过于频繁，请{wait}后再试。"


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def limit_for(name: str) -> Limit | None:
    spec = getattr(settings, "RATE_LIMITS", {}).get(name)
    if not spec:
        return None
    count, _, seconds = str(spec).partition("/")
    return Limit(int(count), int(seconds))


def hit(name: str, key: str, *, now: float | None = None) -> int:
    """Count one request of `key` against limit `name`; return 0 when allowed, else the
    seconds until the window ends (the Retry-After)."""
    limit = limit_for(name)
    if limit is None or not key:
        return 0
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no raw mobile or IP in keys
    cache_key = f"rl:{name}:{digest}:{window}"
    cache = caches["ratelimit"]
    cache.add(cache_key, 0, timeout=limit.seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=limit.seconds + 1)
        count = 1
    if count <= limit.count:
        return 0
    return max(1, math.ceil((window + 1) * limit.seconds - now))


def client_address(request: HttpRequest) -> str:
    from .middleware import client_ip

    return client_ip(request) or "unknown"


def wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}秒"
    return f"{math.ceil(seconds / 60)}分钟"


def too_many(request: HttpRequest, retry_after: int, *, json: bool = False) -> HttpResponse:
    message = MESSAGE.format(wait=wait_text(retry_after))
    response: HttpResponse
    if json:
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "errors/429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def check(request: HttpRequest, *checks: tuple[str, str]) -> int:
    """Count every (limit name, key) pair; the longest wait of those exceeded, or 0."""
    waits = [hit(name, key) for name, key in checks]
    return max(waits, default=0)


def limited(*names: str, json: bool = False) -> Callable[..., Any]:
    """View decorator: each name is counted per client address for POST requests (names
    ending in ".ip") or per signed-in account (".account")."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                pairs = []
                for name in names:
                    if name.endswith(".ip"):
                        pairs.append((name, client_address(request)))
                    elif request.user.is_authenticated:
                        pairs.append((name, f"user:{request.user.pk}"))
                wait = check(request, *pairs)
                if wait:
                    return too_many(request, wait, json=json)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
