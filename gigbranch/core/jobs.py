"""Background tasks addressed by their dotted path (DESIGN §3, ADR 0049).

An app's `tasks.py` is the layer above its services: a task calls a service. A service
that starts a task names it, as the scheduler does (core.schedule), instead of importing
the tasks module back, so no app has a services ↔ tasks import cycle.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string


@lru_cache(maxsize=64)
def task(path: str) -> Any:
    """The task object at `path` (e.g. "gigbranch.appeals.tasks.deliver_notifications")."""
    return import_string(path)


def enqueue_on_commit(path: str, *args: Any) -> None:
    """Enqueue the task at `path` with `args` once the current transaction commits."""
    transaction.on_commit(lambda: task(path).enqueue(*args))
