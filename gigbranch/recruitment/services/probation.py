"""Probation (REC-PROB): extension, cancellation, and stopping a case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.members.models import PartyMember

from .. import policy
from ..models import (
    Case,
    CaseEvent,
    CaseStatus,
    ProbationDecision,
    ProbationDecisionKind,
    Vote,
    VotePurpose,
    today,
)
from .facts import CHANGE, _refresh_position, _refuse, _require, _transition, _user, facts_for
from .steps import VoteInput, _tally

# --- Probation (REC-PROB) ---------------------------------------------------------------


def _decision_vote(case: Case, purpose: str, date: dt.date, vote: VoteInput, actor: Any) -> Vote:
    tally, voters = _tally(vote)
    _refuse(policy.vote_outcome_problems(tally, claims_pass=True))
    return Vote.objects.create(
        case=case,
        purpose=purpose,
        date=date,
        should_attend=vote.should_attend,
        present=vote.present,
        written=vote.written,
        votes_for=vote.votes_for,
        against=vote.against,
        abstain=vote.abstain,
        voter_ids=[m.pk for m in voters],
        passed=tally.passed,
        recorded_by=_user(actor),
    )


@transaction.atomic
def extend_probation(
    *,
    actor: Any,
    case: Case,
    vote_date: dt.date,
    vote: VoteInput,
    approved_on: dt.date,
    months: int,
    reason: str = "",
) -> ProbationDecision:
    """REC-PROB: extend once, by 6 to 12 months, by branch vote with higher approval."""
    _require(actor, CHANGE)
    case = Case.objects.select_for_update().select_related("worker").get(pk=case.pk)
    previous = case.probation_decisions.filter(kind=ProbationDecisionKind.EXTEND).count()
    _refuse(
        policy.check_extension(
            months=months,
            previous_extensions=previous,
            vote_date=vote_date,
            approved_on=approved_on,
            facts=facts_for(case),
            today=today(),
        )
    )
    v = _decision_vote(case, VotePurpose.EXTENSION, vote_date, vote, actor)
    decision = ProbationDecision.objects.create(
        case=case,
        kind=ProbationDecisionKind.EXTEND,
        vote=v,
        approved_on=approved_on,
        months=months,
        reason=reason,
        recorded_by=_user(actor),
    )
    assert case.vote_date is not None
    case.extension_months = months
    case.probation_end = policy.probation_end(case.vote_date, months)
    case.save(update_fields=["extension_months", "probation_end", "updated_at"])
    CaseEvent.objects.create(
        case=case,
        actor=_user(actor),
        action="extension",
        detail=f"延长预备期{months}个月，至{case.probation_end}",
    )
    audit.record(
        actor=actor,
        action="recruitment.probation_extended",
        obj=case,
        changes={"months": months, "probation_end": case.probation_end.isoformat()},
    )
    return decision


@transaction.atomic
def cancel_probation(
    *,
    actor: Any,
    case: Case,
    vote_date: dt.date,
    vote: VoteInput,
    approved_on: dt.date,
    reason: str,
) -> ProbationDecision:
    """REC-PROB: cancel probationary status by branch vote with higher approval."""
    _require(actor, CHANGE)
    case = Case.objects.select_for_update().select_related("worker").get(pk=case.pk)
    if not reason.strip():
        raise ValidationError({"reason": "请填写取消预备党员资格的原因。"})
    _refuse(
        policy.check_cancellation(
            vote_date=vote_date, approved_on=approved_on, facts=facts_for(case), today=today()
        )
    )
    v = _decision_vote(case, VotePurpose.CANCELLATION, vote_date, vote, actor)
    decision = ProbationDecision.objects.create(
        case=case,
        kind=ProbationDecisionKind.CANCEL,
        vote=v,
        approved_on=approved_on,
        reason=reason,
        recorded_by=_user(actor),
    )
    _transition(case, CaseStatus.CANCELLED, actor=actor, detail=reason)
    _refresh_position(case)
    case.save()
    _end_membership(actor=actor, case=case, decided_on=approved_on, reason=reason)
    audit.record(
        actor=actor,
        action="recruitment.probation_cancelled",
        obj=case,
        changes={"approved_on": approved_on.isoformat()},
    )
    return decision


def _end_membership(*, actor: Any, case: Case, decided_on: dt.date, reason: str) -> None:
    """The member record of a cancelled probationary member: the members app's own service
    for it when there is one, else its status decision (status "left", with the reason)."""
    from gigbranch.members import services as member_services
    from gigbranch.members.models import MemberStatus

    member = PartyMember.objects.filter(worker=case.worker).first()
    if member is None:
        return
    cancel = getattr(member_services, "cancel_probationary_membership", None)
    if cancel is not None:
        cancel(actor=actor, member=member, date=decided_on, reason=reason)
        return
    member_services.decide_status(
        actor=actor,
        member=member,
        status=MemberStatus.LEFT,
        decided_on=decided_on,
        reason=f"取消预备党员资格（REC-PROB）：{reason}",
    )


@transaction.atomic
def stop_case(*, actor: Any, case: Case, reason: str) -> Case:
    """End the procedure before admission (the applicant withdraws or no longer qualifies)."""
    _require(actor, CHANGE)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not reason.strip():
        raise ValidationError({"reason": "请填写终止培养的原因。"})
    _transition(case, CaseStatus.STOPPED, actor=actor, detail=reason)
    _refresh_position(case)
    case.save()
    audit.record(
        actor=actor, action="recruitment.case_stopped", obj=case, changes={"reason": reason}
    )
    return case
