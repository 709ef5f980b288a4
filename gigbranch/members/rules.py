"""Rule checkers for the shared findings list (core/findings.py): MOB-1, MOB-3 (stalled
transfers), MOB-4 and DUES-6. The system flags; people decide (a branch decision through
services.decide_status); nothing here changes a member."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils import timezone

from gigbranch.core.findings import Candidate, Severity, checker

from . import policy
from .models import MemberStatus, PartyMember, Transfer, TransferStatus


def _today() -> dt.date:
    return timezone.localdate()


def _member_candidate(
    member: PartyMember,
    *,
    rule_id: str,
    severity: str,
    summary: str,
    advice: str,
    facts: dict[str, Any],
) -> Candidate:
    return Candidate(
        rule_id=rule_id,
        severity=severity,
        obj=member,
        summary=summary,
        advice=advice,
        facts=facts,
        region_id=member.worker.region_id,
        organization_id=member.organization_id or member.inflow_organization_id,
    )


@checker("MOB-1", title="外出6个月以上未转接组织关系")
def mobile_members_who_should_transfer() -> Iterator[Candidate]:
    today = _today()
    cutoff = policy.add_months(today, -policy.MOB1_MONTHS)
    members = (
        PartyMember.objects.filter(
            away_since__isnull=False, away_since__lte=today, status__in=[MemberStatus.NORMAL]
        )
        .exclude(
            transfers__status__in=[
                TransferStatus.REQUESTED,
                TransferStatus.APPROVED,
                TransferStatus.ACCEPTED,
            ]
        )
        .select_related("worker")
    )
    for m in members:
        assert m.away_since is not None
        done = m.transfers.filter(
            status=TransferStatus.COMPLETED, completed_on__gte=m.away_since
        ).exists()
        if not policy.mob1_due(away_since=m.away_since, today=today, transfer_open_or_done=done):
            continue
        months = policy.months_elapsed(m.away_since, today)
        yield _member_candidate(
            m,
            rule_id="MOB-1",
            severity=Severity.WARNING,
            summary=f"{m.worker.name}自{m.away_since:%Y年%m月%d日}起在{m.away_place or '外地'}"
            f"相对固定地点工作生活已{months}个月，未转接组织关系。",
            advice="按MOB-1提醒本人转接组织关系；暂不具备转接条件的，开具流动党员活动证（MOB-2）。",
            facts={
                "away_since": m.away_since.isoformat(),
                "months": months,
                "cutoff": cutoff.isoformat(),
            },
        )


@checker("MOB-4", title="失去联系6个月以上")
def members_lost_contact() -> Iterator[Candidate]:
    today = _today()
    members = PartyMember.objects.filter(
        status__in=[MemberStatus.LOST_CONTACT, MemberStatus.SUSPENDED],
        lost_contact_since__isnull=False,
    ).select_related("worker")
    for m in members:
        assert m.lost_contact_since is not None
        stage = policy.mob4_stage(lost_contact_since=m.lost_contact_since, today=today)
        if not stage or (stage == "suspend" and m.status == MemberStatus.SUSPENDED):
            continue
        months = policy.months_elapsed(m.lost_contact_since, today)
        if stage == "suspend":
            summary = (
                f"{m.worker.name}自{m.lost_contact_since:%Y年%m月%d日}起失去联系已{months}个月。"
            )
            advice = "按MOB-4由支部研究是否停止党籍，作出决定后在系统中登记（含日期和理由）。"
            severity = Severity.WARNING
        else:
            summary = f"{m.worker.name}失去联系已满2年（{months}个月）。"
            advice = "按MOB-4仍无法取得联系的，由支部研究按自行脱党处理，作出决定后登记。"
            severity = Severity.VIOLATION
        yield _member_candidate(
            m,
            rule_id="MOB-4",
            severity=severity,
            summary=summary,
            advice=advice,
            facts={"months": months, "stage": stage},
        )


@checker("DUES-6", title="连续6个月未交纳党费")
def members_not_paying_dues() -> Iterator[Candidate]:
    from .services.dues import consecutive_unpaid

    today = _today()
    last_month = policy.add_months(policy.month_start(today), -1)  # the last complete month
    members = (
        PartyMember.objects.filter(
            status=MemberStatus.NORMAL, dues_assessments__year__lte=today.year
        )
        .distinct()
        .select_related("worker")
        .prefetch_related("dues_assessments", "dues_payments")
    )
    for m in members:
        run = consecutive_unpaid(m, until=last_month)
        if run >= policy.DUES6_MONTHS:
            yield _member_candidate(
                m,
                rule_id="DUES-6",
                severity=Severity.WARNING,
                summary=f"{m.worker.name}已连续{run}个月未交纳党费（截至{last_month:%Y年%m月}）。",
                advice="按DUES-6由支部了解原因；无正当理由的，由支部研究是否按自行脱党处理并登记决定。",
                facts={"consecutive_months": run, "until": last_month.isoformat()},
            )


@checker("MOB-3", title="组织关系转接停滞")
def stalled_transfers() -> Iterator[Candidate]:
    today = _today()
    stall = today - dt.timedelta(days=policy.TRANSFER_STALL_DAYS)
    transfers = (
        Transfer.objects.open()
        .filter(Q(status_changed_on__lte=stall) | Q(letter_valid_until__lt=today))
        .select_related("member__worker", "from_org", "to_org")
    )
    for t in transfers:
        days = (today - t.status_changed_on).days
        expired = bool(
            t.letter_valid_until
            and t.letter_valid_until < today
            and t.status == TransferStatus.APPROVED
        )
        waiting = (
            "转出党委审批"
            if t.status == TransferStatus.REQUESTED
            else ("接收党组织接收" if t.status == TransferStatus.APPROVED else "办结")
        )
        summary = (
            f"{t.member.worker.name}的组织关系转接（{t.from_label}→{t.to_label}）"
            f"已{days}天停在“{t.get_status_display()}”，等待{waiting}。"
        )
        if expired:
            summary += f"介绍信已于{t.letter_valid_until:%Y-%m-%d}过期。"
        org = (
            t.to_org
            if t.status == TransferStatus.APPROVED and t.to_org_id
            else t.from_org or t.to_org
        )
        yield Candidate(
            rule_id="MOB-3",
            severity=Severity.WARNING,
            obj=t,
            summary=summary,
            advice="按MOB-3，接收前转出方仍负管理责任，双方不得无故拒绝；请尽快办理或说明理由退回。",
            facts={"days": days, "status": t.status, "letter_expired": expired},
            region_id=org.region_id if org else t.member.worker.region_id,
            organization_id=org.pk if org else None,
        )
