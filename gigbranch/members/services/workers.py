"""Writes for workers (rules.md ID). Sensitive values are encrypted by the model fields;
history and audit entries never contain them. Consent (PIPL) is written through
`gigbranch.members.consent`, the one consent store (ADR 0026)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.core.validators import normalize_mobile, parse_resident_id

from ..models import Worker, WorkerChange, WorkerStatus

REVEALABLE = {"id_number": "公民身份号码", "mobile": "手机号码"}
SENSITIVE = {"id_number", "mobile"}
UPDATABLE = {
    "name",
    "mobile",
    "occupation",
    "political_status",
    "workplace",
    "region",
    "platform",
    "platform_worker_id",
    "hometown",
    "started_on",
    "union_member",
}


def _history(worker: Worker, *, actor: Any, source: str, changes: dict[str, Any]) -> None:
    safe = {k: (["***", "***"] if k in SENSITIVE else v) for k, v in changes.items()}
    WorkerChange.objects.create(
        worker=worker,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        source=source,
        changes=safe,
    )


@transaction.atomic
def create_worker(
    *, actor: Any, name: str, id_number: str, mobile: str = "", **fields: Any
) -> Worker:
    rid = parse_resident_id(id_number)
    worker = Worker(
        name=name.strip(),
        id_number=rid.number,
        sex=rid.sex,
        birth_date=rid.birth_date,
        mobile=normalize_mobile(mobile) if mobile else "",
        **fields,
    )
    worker.full_clean(exclude=["id_number_hash", "id_last4_hash", "mobile_hash", "platform"])
    worker.save()
    audit.record(
        actor=actor,
        action="worker.created",
        obj=worker,
        changes={"name": worker.name, "workplace": worker.workplace_id},
    )
    return worker


@transaction.atomic
def update_worker(*, actor: Any, worker: Worker, source: str = "manual", **fields: Any) -> Worker:
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValidationError({"__all__": f"不能修改字段：{', '.join(sorted(unknown))}"})
    if fields.get("mobile"):
        fields["mobile"] = normalize_mobile(fields["mobile"])
    changes = audit.diff(worker, fields)
    if not changes:
        return worker
    for key, value in fields.items():
        setattr(worker, key, value)
    worker.full_clean(exclude=["id_number_hash", "id_last4_hash", "mobile_hash", "platform"])
    worker.save()
    _history(worker, actor=actor, source=source, changes=changes)
    audit.record(
        actor=actor,
        action="worker.updated",
        obj=worker,
        changes={k: ("***" if k in SENSITIVE else v) for k, v in changes.items()},
    )
    return worker


@transaction.atomic
def mark_left(*, actor: Any, worker: Worker, on: dt.date, source: str = "manual") -> Worker:
    """A worker who left is marked, never deleted."""
    if worker.status == WorkerStatus.LEFT:
        return worker
    worker.status, worker.left_on = WorkerStatus.LEFT, on
    worker.save(update_fields=["status", "left_on", "updated_at"])
    _history(worker, actor=actor, source=source, changes={"status": ["active", "left"]})
    audit.record(actor=actor, action="worker.marked_left", obj=worker, changes={"on": on})
    return worker


def reveal(*, actor: Any, worker: Worker, field: str) -> str:
    """Return an unmasked value; needs `pii.reveal` and writes an audit event (DESIGN §2)."""
    if field not in REVEALABLE:
        raise PermissionDenied("该字段不可查看。")
    if not has_capability(actor, "pii.reveal"):
        raise PermissionDenied("您的角色无权查看完整的敏感信息。")
    with transaction.atomic():
        audit.record(actor=actor, action="pii.revealed", obj=worker, changes={"field": field})
    return str(getattr(worker, field))
