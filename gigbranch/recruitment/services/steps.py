"""Recording the steps of a case (REC-*), with the vote, admission (step 17) and confirmation (step 24)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.core.workcalendar import default_calendar
from gigbranch.members.models import PartyMember

from .. import delays, policy
from ..models import (
    Assessment,
    Case,
    CaseEvent,
    CasePerson,
    CaseStatus,
    PersonRole,
    StepRecord,
    Vote,
    VotePurpose,
    today,
)
from ..policy import deadlines
from .facts import (
    CHANGE,
    _members,
    _person_ref,
    _refresh_position,
    _refuse,
    _require,
    _transition,
    _user,
    effective_rules,
    facts_for,
)

# --- Recording steps --------------------------------------------------------------------


@dataclass
class VoteInput:
    should_attend: int
    present: int
    written: int
    votes_for: int
    against: int
    abstain: int
    voter_ids: Sequence[int] = ()


def _tally(vote: VoteInput) -> tuple[policy.VoteTally, list[PartyMember]]:
    voters = _members(vote.voter_ids, "voters") if vote.voter_ids else []
    probationary = tuple(m.worker.name for m in voters if m.kind != "full")
    tally = policy.VoteTally(
        vote.should_attend,
        vote.present,
        vote.written,
        vote.votes_for,
        vote.against,
        vote.abstain,
        probationary_voters=probationary,
    )
    if voters and len(voters) != vote.present + vote.written:
        raise ValidationError(
            {
                "voters": (
                    f"REC-VOTE：参加表决的党员名单{len(voters)}人，与实到{vote.present}人加书面意见"
                    f"{vote.written}份不一致。"
                )
            }
        )
    return tally, voters


def _notice_days(start: dt.date | None, end: dt.date | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return len(default_calendar().working_days_in(start, end))


@transaction.atomic
def record_step(
    *,
    actor: Any,
    case: Case,
    step: int,
    date: dt.date,
    notes: str = "",
    contact_ids: Sequence[int] = (),
    sponsor_ids: Sequence[int] = (),
    review_conclusion: str = "",
    training_days: float = 0,
    training_hours: float = 0,
    notice_start: dt.date | None = None,
    notice_end: dt.date | None = None,
    special_reason: str = "",
    vote: VoteInput | None = None,
    delay_reason: str = "",
    consent: deadlines.Consent | None = None,
) -> StepRecord:
    """Record step 2..25, refusing with the rule and dates when REC-* says no.

    A step past its latest date is recorded on its real date with `delay_reason` and
    raises a finding; step 17 after 3 (up to 6) months needs the higher organisation's
    `consent` and `special_reason` (docs/adr/0028).
    """
    _require(actor, CHANGE)
    if step == 1:
        raise ValidationError({"step": "第1步在建立档案时记录。"})
    case = Case.objects.select_for_update().select_related("worker__region").get(pk=case.pk)
    rules, ruleset = effective_rules(case.worker.region)
    source = delays.local_source(ruleset)
    facts = facts_for(case)
    contacts = _members(contact_ids, "contacts") if step == 5 else []
    sponsors = _members(sponsor_ids, "sponsors") if step == 9 else []
    tally, voters = _tally(vote) if (step in policy.VOTE_STEPS and vote) else (None, [])
    given = policy.StepInput(
        date=date,
        contacts=[_person_ref(m) for m in contacts],
        sponsors=[_person_ref(m) for m in sponsors],
        review_conclusion=review_conclusion,
        training_days=float(training_days or 0),
        training_hours=float(training_hours or 0),
        notice_start=notice_start,
        notice_end=notice_end,
        notice_working_days=_notice_days(notice_start, notice_end),
        special_reason=special_reason or "",
        tally=tally,
        delay_reason=delay_reason or "",
        consent=consent,
    )
    _refuse(policy.check_step(step, given, facts, rules, today=today(), local_source=source))
    late = deadlines.lateness(step, date, facts, rules, local_source=source)

    data: dict[str, Any] = {}
    if step == 5:
        data["contacts"] = [m.pk for m in contacts]
        CasePerson.objects.bulk_create(
            [
                CasePerson(case=case, member=m, role=PersonRole.CONTACT, assigned_on=date)
                for m in contacts
            ]
        )
    elif step == 7:
        case.candidate_date = date
        if notice_start and notice_end:
            data.update(
                notice_start=notice_start.isoformat(),
                notice_end=notice_end.isoformat(),
                notice_working_days=given.notice_working_days,
            )
    elif step == 9:
        data["sponsors"] = [m.pk for m in sponsors]
        CasePerson.objects.bulk_create(
            [
                CasePerson(case=case, member=m, role=PersonRole.SPONSOR, assigned_on=date)
                for m in sponsors
            ]
        )
    elif step == 10:
        case.review_conclusion = review_conclusion
        data["conclusion"] = review_conclusion
    elif step == 11:
        case.training_days = Decimal(str(training_days or 0))
        case.training_hours = Decimal(str(training_hours or 0))
        data.update(days=float(training_days or 0), hours=float(training_hours or 0))
    elif step == 3:
        case.activist_date = date
    elif step == 6:
        Assessment.objects.create(case=case, date=date, notes=notes, recorded_by=_user(actor))
        case.last_assessment = date
    elif step in policy.VOTE_STEPS:
        assert vote is not None and tally is not None
        v = Vote.objects.create(
            case=case,
            purpose=VotePurpose.ADMISSION if step == 15 else VotePurpose.FULL_MEMBERSHIP,
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
        data["vote"] = v.pk
        if step == 15:
            case.vote_date = date
            case.probation_end = policy.probation_end(date)
    elif step == 17:
        case.approval_date = date
        if special_reason:
            case.special_reason = special_reason
            data["special_reason"] = special_reason
        data["probation"] = [
            case.vote_date.isoformat() if case.vote_date else None,
            case.probation_end.isoformat() if case.probation_end else None,
        ]

    record = StepRecord.objects.create(
        case=case, step=step, date=date, notes=notes, data=data, recorded_by=_user(actor)
    )
    timing = delays.keep(record=record, late=late, given=given)
    CaseEvent.objects.create(
        case=case,
        actor=_user(actor),
        action="step",
        step=step,
        detail=f"{policy.STEPS[step].title} {date}"
        + (f"（超过规定时限{late.days_late}天）" if late and not late.special else "")
        + ("（经上级党组织同意延长审批时间）" if late and late.special else ""),
    )
    if step == 17:
        _admit(actor=actor, case=case)
        _transition(case, CaseStatus.PROBATIONARY, actor=actor, step=17)
    elif step == 24:
        _confirm(actor=actor, case=case, date=date)
        case.full_date = case.probation_end
        _transition(case, CaseStatus.FULL, actor=actor, step=24)
    elif step == 25:
        _transition(case, CaseStatus.ARCHIVED, actor=actor, step=25)
    _refresh_position(case)
    case.save()
    audit.record(
        actor=actor,
        action="recruitment.step_recorded",
        obj=case,
        changes={
            "step": step,
            "date": date.isoformat(),
            **{k: v for k, v in data.items() if k != "special_reason"},
            **timing,
        },
    )
    return record


def _admit(*, actor: Any, case: Case) -> None:
    from gigbranch.members import services as member_services

    admit = getattr(member_services, "admit_probationary_member", None)
    if admit is None:  # the members app has not shipped it yet
        raise ValidationError({"step": "党员管理模块尚未提供接收预备党员功能，暂不能记录审批。"})
    assert case.vote_date is not None
    admit(actor=actor, worker=case.worker, organization=case.organization, vote_date=case.vote_date)


def _confirm(*, actor: Any, case: Case, date: dt.date) -> None:
    from gigbranch.members import services as member_services

    confirm = getattr(member_services, "confirm_full_membership", None)
    if confirm is None:
        raise ValidationError({"step": "党员管理模块尚未提供预备党员转正功能，暂不能记录审批。"})
    member = PartyMember.objects.filter(worker=case.worker).first()
    if member is None:
        # The probationary member's record is made at step 17; without it there is nothing
        # to confirm (removed or never made): a clear refusal instead of an error page.
        raise ValidationError(
            {
                "step": "REC-ORDER：党员名册中没有该同志的预备党员记录（应在第17步批准时建立），"
                "请先在党员管理中补录后再记录转正审批。"
            }
        )
    # Party age counts from the end of probation (REC-PROB).
    confirm(actor=actor, member=member, date=case.probation_end or date)


@transaction.atomic
def record_assessment(*, actor: Any, case: Case, date: dt.date, notes: str = "") -> Assessment:
    """A follow-up education assessment of an activist (every 6 months, step 6)."""
    _require(actor, CHANGE)
    case = Case.objects.select_for_update().get(pk=case.pk)
    facts = facts_for(case)
    if 6 not in facts.done:
        raise ValidationError({"date": "REC-ORDER：请先记录第6步“培养教育考察”。"})
    if date < facts.done[6] or date > today():
        raise ValidationError({"date": f"REC-ORDER：考察日期{date}应在{facts.done[6]}至今天之间。"})
    a = Assessment.objects.create(case=case, date=date, notes=notes, recorded_by=_user(actor))
    case.last_assessment = max(date, case.last_assessment or date)
    case.save(update_fields=["last_assessment", "updated_at"])
    CaseEvent.objects.create(
        case=case, actor=_user(actor), action="assessment", step=6, detail=f"考察 {date}"
    )
    audit.record(
        actor=actor, action="recruitment.assessment", obj=case, changes={"date": date.isoformat()}
    )
    return a
