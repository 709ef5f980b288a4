"""Bearer-token authentication for /api/v1/ with a short per-process cache.

Looking a token up costs a query joining the account and its scope (the widest query of
an API call: about a quarter of the CPU time of an appeal submission). A process keeps
what it looked up for API_TOKEN_CACHE_SECONDS (default 10 s), so a client sending many
requests pays the lookup once per interval, not once per request.

What the cache may delay, and by how much:
- in the process that makes the change, nothing: revoking a token and saving an account
  (deactivation, role or scope change) drop that process's entries at once;
- in other processes, at most API_TOKEN_CACHE_SECONDS. 0 turns the cache off.
Each request gets its own copy of the account, never a shared instance (`_private_copy`:
the account and the related objects loaded with it, each copied; a deep copy cost more
than the rest of the lookup).
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from .models import User

MAX_ENTRIES = 5000


@dataclass
class _Entry:
    expires: float
    token_pk: int
    user: User
    last_used_at: dt.datetime | None
    token_expires_at: dt.datetime


class TokenExpired(Exception):
    """The token is known but past its expiry (or its rotation grace period)."""


_cache: dict[str, _Entry] = {}
_lock = threading.Lock()
# Bumped by every forget(): a lookup that raced with a revocation (read before it, stored
# after it) is not cached.
_generation = 0
clock = time.monotonic  # replaced in tests


def _ttl() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 10))


def user_for_token(raw: str) -> User | None:
    """The active account holding the unrevoked token `raw`, or None; TokenExpired when
    the token is past its end (expiry, or the grace period after a rotation)."""
    from gigbranch.core.fields import blind_index

    from .models import ApiToken

    key = blind_index(raw, context="api_token")
    ttl = _ttl()
    entry = _cache.get(key) if ttl > 0 else None
    if entry is None or entry.expires <= clock():
        generation = _generation
        token = (
            # The scope and department come along: every scoped query and the audit
            # label read them, and an API call should not pay a query for each.
            ApiToken.objects.select_related(
                "user", "user__scope_region", "user__scope_organization", "user__department"
            )
            .filter(token_hash=key, revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            with _lock:  # no generation bump: unknown tokens must not stall caching
                _cache.pop(key, None)
            return None
        entry = _Entry(clock() + ttl, token.pk, token.user, token.last_used_at, token.expires_at)
        if ttl > 0:
            with _lock:
                if generation == _generation:
                    if len(_cache) >= MAX_ENTRIES:
                        _cache.clear()
                    _cache[key] = entry
    now = timezone.now()
    if entry.token_expires_at <= now:
        raise TokenExpired
    # Record use at most once a minute: a write (and a commit) per API call would be the
    # costliest part of authentication under load.
    if entry.last_used_at is None or now - entry.last_used_at >= dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=entry.token_pk).update(last_used_at=now)
        entry.last_used_at = now
    return _private_copy(entry.user)


# Values that cannot be changed in place: shared between copies as they are.
_IMMUTABLE = (str, int, float, bool, type(None), bytes, Decimal, dt.date, dt.time, uuid.UUID)


def _private_copy(instance: Any) -> Any:
    """What copy.deepcopy(instance) gives for a model instance with related objects in its
    cache: a new instance, new related instances, and copies of any mutable value."""
    clone = copy.copy(instance)  # Model.__reduce__: own __dict__, own _state + fields_cache
    for name, value in clone.__dict__.items():
        if name != "_state" and not isinstance(value, _IMMUTABLE):
            clone.__dict__[name] = copy.deepcopy(value)
    cache = clone._state.fields_cache
    for name, related in cache.items():
        cache[name] = _private_copy(related) if isinstance(related, Model) else related
    return clone


def forget(*, token_hash: str | None = None, user_pk: int | None = None) -> None:
    """Drop this process's cached lookups of a token or of every token of an account."""
    global _generation
    with _lock:
        _generation += 1
        if token_hash is not None:
            _cache.pop(token_hash, None)
        if user_pk is not None:
            for key in [k for k, e in _cache.items() if e.user.pk == user_pk]:
                del _cache[key]


def forget_after_commit(**kwargs: Any) -> None:
    """Forget now and again after the transaction commits (a lookup made in between, in
    this process, must not keep the old state alive)."""
    forget(**kwargs)
    transaction.on_commit(lambda: forget(**kwargs))


def _user_saved(sender: Any, instance: User, **_: Any) -> None:
    forget_after_commit(user_pk=instance.pk)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_user_saved, sender=User, dispatch_uid="tokenauth-user-saved")
    post_delete.connect(_user_saved, sender=User, dispatch_uid="tokenauth-user-deleted")
