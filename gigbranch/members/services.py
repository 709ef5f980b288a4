"""Writes for workers (rules.md ID). Sensitive values are encrypted by the model fields."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.core.validators import normalize_mobile, parse_resident_id

from .models import Worker

REVEALABLE = {"id_number": "公民身份号码", "mobile": "手机号码"}


@transaction.atomic
def create_worker(*, actor: Any, name: str, id_number: str, mobile: str = "", **fields: Any) -> Worker:
    rid = parse_resident_id(id_number)
    worker = Worker(
        name=name.strip(), id_number=rid.number, sex=rid.sex, birth_date=rid.birth_date,
        mobile=normalize_mobile(mobile) if mobile else "", **fields,
    )
    worker.full_clean(exclude=["id_number_hash", "id_last4_hash", "mobile_hash"])
    worker.save()
    audit.record(actor=actor, action="worker.created", obj=worker,
                 changes={"name": worker.name, "workplace": worker.workplace_id})
    return worker


def reveal(*, actor: Any, worker: Worker, field: str) -> str:
    """Return an unmasked value; needs `pii.reveal` and writes an audit event (DESIGN §2)."""
    if field not in REVEALABLE:
        raise PermissionDenied("该字段不可查看。")
    if not has_capability(actor, "pii.reveal"):
        raise PermissionDenied("您的角色无权查看完整的敏感信息。")
    with transaction.atomic():
        audit.record(actor=actor, action="pii.revealed", obj=worker, changes={"field": field})
    return getattr(worker, field)
