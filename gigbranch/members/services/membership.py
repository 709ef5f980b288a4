"""Writes for Party members. Kind and status change only through recorded decisions
(date, reason) kept in MemberEvent (REC-PROB, MOB-2, MOB-4, DUES-6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.core import audit
from gigbranch.organizations.models import BRANCH_KINDS, Organization

from .. import policy
from ..models import (
    MemberEvent,
    MemberKind,
    MemberStatus,
    PartyMember,
    PoliticalStatus,
    Worker,
    WorkerChange,
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(
    member: PartyMember,
    *,
    actor: Any,
    action: str,
    decided_on: dt.date,
    reason: str,
    from_value: str = "",
    to_value: str = "",
    org: Organization | None = None,
) -> MemberEvent:
    return MemberEvent.objects.create(
        member=member,
        action=action,
        from_value=from_value,
        to_value=to_value,
        decided_on=decided_on,
        reason=reason[:300],
        deciding_org=org or member.organization,
        actor=_user(actor),
    )


def _set_political_status(worker: Worker, status: str, *, actor: Any) -> None:
    if worker.political_status != status:
        WorkerChange.objects.create(
            worker=worker,
            actor=_user(actor),
            source="decision",
            changes={"political_status": [worker.political_status, status]},
        )
        worker.political_status = status
        worker.save(update_fields=["political_status", "updated_at"])


def _check_branch(organization: Organization | None) -> None:
    if organization is not None and organization.kind not in BRANCH_KINDS:
        raise ValidationError(
            {"organization": "党员应编入党支部（含联合党支部、流动党员党支部）。"}
        )


@transaction.atomic
def admit_probationary_member(
    *, actor: Any, worker: Worker, organization: Organization, vote_date: dt.date
) -> PartyMember:
    """Record a new probationary member after the branch vote (REC step 15; REC-PROB:
    Party standing counts from the vote date; DUES-5: dues from the vote date).

    Idempotent for the same worker, branch and vote date (a repeated call returns the
    existing record); any other existing membership is refused.
    """
    _check_branch(organization)
    if vote_date > timezone.localdate():
        raise ValidationError({"vote_date": "表决日期不能晚于今天。"})
    existing = PartyMember.objects.select_for_update().filter(worker=worker).first()
    if existing is not None:
        if (
            existing.kind == MemberKind.PROBATIONARY
            and existing.joined_on == vote_date
            and existing.organization_id == organization.pk
        ):
            return existing
        raise ValidationError(
            {
                "worker": f"{worker.name}已有党员记录（{existing.get_kind_display()}，"
                f"{existing.get_status_display()}），不能重复接收。"
            }
        )
    member = PartyMember.objects.create(
        worker=worker,
        organization=organization,
        kind=MemberKind.PROBATIONARY,
        joined_on=vote_date,
        status=MemberStatus.NORMAL,
    )
    _event(
        member,
        actor=actor,
        action="admitted",
        decided_on=vote_date,
        to_value="probationary",
        reason="支部党员大会表决接收为预备党员",
        org=organization,
    )
    _set_political_status(worker, PoliticalStatus.PROBATIONARY, actor=actor)
    audit.record(
        actor=actor,
        action="member.admitted",
        obj=member,
        changes={"organization": organization.pk, "vote_date": vote_date},
    )
    return member


def probation_end(joined_on: dt.date) -> dt.date:
    """REC-PROB: one year from the vote date."""
    try:
        return joined_on.replace(year=joined_on.year + 1)
    except ValueError:  # 29 February
        return dt.date(joined_on.year + 1, 3, 1)


@transaction.atomic
def confirm_full_membership(*, actor: Any, member: PartyMember, date: dt.date) -> PartyMember:
    """A probationary member becomes a full member on `date` (REC steps 23–24, REC-PROB:
    not before one year from the vote). Idempotent for the same date."""
    member = PartyMember.objects.select_for_update().select_related("worker").get(pk=member.pk)
    if member.kind == MemberKind.FULL:
        if member.full_on == date:
            return member
        raise ValidationError({"member": "该党员已是正式党员。"})
    if member.status != MemberStatus.NORMAL:
        raise ValidationError(
            {"member": f"党籍状态为“{member.get_status_display()}”，不能办理转正。"}
        )
    if member.joined_on and date < probation_end(member.joined_on):
        raise ValidationError(
            {
                "date": f"预备期为一年（REC-PROB），最早于"
                f"{probation_end(member.joined_on):%Y-%m-%d}转正。"
            }
        )
    member.kind, member.full_on = MemberKind.FULL, date
    member.save(update_fields=["kind", "full_on", "updated_at"])
    _event(
        member,
        actor=actor,
        action="confirmed_full",
        decided_on=date,
        from_value="probationary",
        to_value="full",
        reason="支部党员大会表决通过按期转为正式党员，经上级党委批准",
    )
    _set_political_status(member.worker, PoliticalStatus.PARTY_MEMBER, actor=actor)
    audit.record(actor=actor, action="member.confirmed_full", obj=member, changes={"date": date})
    return member


@transaction.atomic
def ensure_member(*, actor: Any, worker: Worker, joined_on: dt.date | None = None) -> PartyMember:
    """The member record of a worker whose political status says they are a member
    (e.g. imported from a roster). Refuses workers who are not."""
    existing = PartyMember.objects.filter(worker=worker).first()
    if existing:
        return existing
    if worker.political_status not in (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY):
        raise ValidationError({"worker": "该劳动者的政治面貌不是中共党员或预备党员。"})
    kind = (
        MemberKind.PROBATIONARY
        if worker.political_status == PoliticalStatus.PROBATIONARY
        else MemberKind.FULL
    )
    org = worker.workplace.organization if worker.workplace_id else None
    member = PartyMember.objects.create(
        worker=worker,
        kind=kind,
        joined_on=joined_on,
        organization=org if org is not None and org.kind in BRANCH_KINDS else None,
    )
    audit.record(actor=actor, action="member.registered", obj=member, changes={"kind": kind})
    return member


@transaction.atomic
def decide_status(
    *,
    actor: Any,
    member: PartyMember,
    status: str,
    decided_on: dt.date,
    reason: str,
    lost_contact_since: dt.date | None = None,
) -> PartyMember:
    """Change a member's status by a recorded branch decision (MOB-4, DUES-6). The system
    never changes a status by itself."""
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    if status not in MemberStatus.values:
        raise ValidationError({"status": "未知的党籍状态。"})
    policy.check_move(policy.MEMBER_STATUS_MOVES, member.status, status, what="党籍状态")
    if not reason.strip():
        raise ValidationError({"reason": "请填写支部决定的理由。"})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": "决定日期不能晚于今天。"})
    old = member.status
    member.status = status
    if status == MemberStatus.LOST_CONTACT:
        member.lost_contact_since = lost_contact_since or decided_on
    elif status == MemberStatus.NORMAL:
        member.lost_contact_since = None
    member.save(update_fields=["status", "lost_contact_since", "updated_at"])
    _event(
        member,
        actor=actor,
        action="status_changed",
        decided_on=decided_on,
        from_value=old,
        to_value=status,
        reason=reason.strip(),
    )
    audit.record(
        actor=actor,
        action="member.status_decided",
        obj=member,
        changes={"status": [old, status], "decided_on": decided_on, "reason": reason},
    )
    return member


@transaction.atomic
def record_mobile_member(
    *,
    actor: Any,
    worker: Worker,
    outflow_org_name: str,
    outflow_org_region: str,
    outflow_org_contact: str = "",
    certificate_number: str = "",
    certificate_issuer: str = "",
    certificate_valid_until: dt.date | None = None,
    reported_here: bool = False,
    reported_on: dt.date | None = None,
    inflow_organization: Organization | None = None,
) -> PartyMember:
    """Record a worker as a mobile member whose membership is held elsewhere (MOB-2)."""
    errors: dict[str, str] = {}
    if not outflow_org_name.strip():
        errors["outflow_org_name"] = "请填写流出地党组织名称。"
    if not outflow_org_region.strip():
        errors["outflow_org_region"] = "请填写流出地。"
    if certificate_number and not certificate_valid_until:
        errors["certificate_valid_until"] = "请填写流动党员活动证有效期。"
    if certificate_number and not certificate_issuer.strip():
        errors["certificate_issuer"] = "请填写发证党组织。"
    if reported_here and not reported_on:
        errors["reported_on"] = "请填写报到日期。"
    _check_branch(inflow_organization)
    if errors:
        raise ValidationError(errors)
    member = ensure_member(actor=actor, worker=worker)
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    values = {
        "is_mobile": True,
        "organization": None,
        "outflow_org_name": outflow_org_name.strip(),
        "outflow_org_region": outflow_org_region.strip(),
        "outflow_org_contact": outflow_org_contact.strip(),
        "certificate_number": certificate_number.strip(),
        "certificate_issuer": certificate_issuer.strip(),
        "certificate_valid_until": certificate_valid_until,
        "reported_here": reported_here,
        "reported_on": reported_on if reported_here else None,
        "inflow_organization": inflow_organization,
    }
    changes = audit.diff(member, values)
    for key, value in values.items():
        setattr(member, key, value)
    member.save()
    if changes:
        _event(
            member,
            actor=actor,
            action="mobile_recorded",
            decided_on=timezone.localdate(),
            to_value="mobile",
            reason=f"登记为流动党员，组织关系在{outflow_org_name.strip()}",
            org=inflow_organization,
        )
        audit.record(actor=actor, action="member.mobile_recorded", obj=member, changes=changes)
    return member


@transaction.atomic
def record_away(
    *, actor: Any, member: PartyMember, away_since: dt.date | None, place: str = ""
) -> PartyMember:
    """Record that a member stays away at a fairly fixed place (basis of MOB-1)."""
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    changes = audit.diff(member, {"away_since": away_since, "away_place": place})
    member.away_since, member.away_place = away_since, place if away_since else ""
    member.save(update_fields=["away_since", "away_place", "updated_at"])
    audit.record(actor=actor, action="member.away_recorded", obj=member, changes=changes)
    return member
