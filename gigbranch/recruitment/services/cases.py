"""Opening a recruitment case (step 1): by a branch, or by the worker online."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.members.models import Worker
from gigbranch.organizations.models import Organization, OrgKind

from .. import policy
from ..models import (
    Case,
    CaseEvent,
    CaseSource,
    StepRecord,
    today,
)
from .facts import CHANGE, _refresh_position, _refuse, _require, _user, effective_rules

# --- Opening a case (step 1) ------------------------------------------------------------


def organization_for_worker(worker: Worker) -> Organization | None:
    """The organisation that covers the worker's workplace, else their township's committee."""
    if worker.workplace_id and worker.workplace.organization_id:
        return worker.workplace.organization
    return (
        Organization.objects.filter(
            region=worker.region,
            kind__in=[OrgKind.TOWNSHIP_COMMITTEE, OrgKind.STREET_COMMITTEE],
        )
        .order_by("id")
        .first()
    )


@transaction.atomic
def open_case(
    *,
    actor: Any,
    worker: Worker,
    organization: Organization,
    application_date: dt.date,
    source: str = CaseSource.PAPER,
    notes: str = "",
) -> Case:
    """Step 1: the written application (REC-AGE: 18 on that date, from the ID birth date).

    Staff need `recruitment.change`; a worker may only open their own case from the portal.
    """
    if getattr(actor, "role", None) == "worker":
        if source != CaseSource.PORTAL or getattr(actor, "worker_id", None) != worker.pk:
            raise PermissionDenied("只能以本人身份递交入党申请书。")
    else:
        _require(actor, CHANGE)
    if Case.objects.open().filter(worker=worker).exists():
        raise ValidationError({"worker": f"{worker.name}已有正在办理的发展党员档案。"})
    if hasattr(worker, "party_member"):
        raise ValidationError({"worker": f"{worker.name}已是党员，无需递交入党申请书。"})
    rules = effective_rules(worker.region)[0]
    facts = policy.CaseFacts(birth_date=worker.birth_date)
    _refuse(
        policy.check_step(1, policy.StepInput(date=application_date), facts, rules, today=today())
    )
    case = Case.objects.create(
        worker=worker,
        organization=organization,
        source=source,
        application_date=application_date,
    )
    StepRecord.objects.create(
        case=case,
        step=1,
        date=application_date,
        notes=notes,
        data={"source": source},
        recorded_by=_user(actor),
    )
    CaseEvent.objects.create(
        case=case,
        actor=_user(actor),
        action="step",
        step=1,
        to_status=case.status,
        detail=f"递交入党申请书 {application_date}",
    )
    _refresh_position(case)
    case.save()
    audit.record(
        actor=actor,
        action="recruitment.case_opened",
        obj=case,
        changes={
            "worker": worker.pk,
            "organization": organization.pk,
            "application_date": application_date.isoformat(),
            "source": source,
        },
    )
    return case


@transaction.atomic
def apply_online(*, actor: Any, worker: Worker, application_date: dt.date, statement: str) -> Case:
    """A worker applies from the portal; the covering organisation receives it."""
    if getattr(actor, "worker_id", None) != worker.pk:
        raise PermissionDenied("只能以本人身份递交入党申请书。")
    if len(statement.strip()) < 20:
        raise ValidationError({"statement": "入党申请书内容不少于20个字。"})
    organization = organization_for_worker(worker)
    if organization is None:
        raise ValidationError(
            {"__all__": "您所在企业/站点和属地暂无党组织，请联系所在乡镇（街道）党组织。"}
        )
    return open_case(
        actor=actor,
        worker=worker,
        organization=organization,
        application_date=application_date,
        source=CaseSource.PORTAL,
        notes=statement.strip(),
    )
