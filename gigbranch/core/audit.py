"""Writing audit events. Services call `record()` inside their transaction."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

from django.db import models

from .actors import SYSTEM_LABEL, SYSTEM_ROLE, is_system
from .models import AuditEvent


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None


_request_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "gigbranch_audit_request", default=None
)


def set_request_context(ctx: RequestContext | None) -> contextvars.Token:
    return _request_context.set(ctx)


def reset_request_context(token: contextvars.Token) -> None:
    _request_context.reset(token)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def build(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event `record()` writes, not saved yet: for a service that inserts it together
    with the rows it describes (appeals.rows). Saving it is the caller's duty."""
    ctx = _request_context.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    changes = dict(changes or {})
    if is_system(actor):
        # The system, named as such with its reason (core.actors), not an empty actor.
        changes.setdefault("system_reason", actor.reason)
    return AuditEvent(
        actor=user,
        actor_username=getattr(user, "username", "")
        if user
        else (SYSTEM_LABEL if is_system(actor) else ""),
        actor_role=getattr(user, "role", "") if user else (SYSTEM_ROLE if is_system(actor) else ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=_jsonable(changes),
        ip_address=ctx.ip_address if ctx else None,
    )


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    event = build(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        changes=changes,
    )
    event.save(force_insert=True)
    return event


def diff(instance: models.Model, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [old, new] for the values that change; sensitive fields are not included."""
    out: dict[str, list[Any]] = {}
    for name, new in new_values.items():
        old = getattr(instance, name)
        if old != new:
            out[name] = [_jsonable(old), _jsonable(new)]
    return out
