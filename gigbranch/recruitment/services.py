"""Writes for recruitment (REC-*). Each is keyword-only, atomic, validated and audited.

Validation is the pure `policy` module; this module gathers the facts from the database,
turns `policy.Problem`s into a `ValidationError` keyed by form field (messages in Chinese
with the rule ID and the dates), saves, appends a `CaseEvent` and an audit event.
Membership itself belongs to the members app: step 17 calls
`members.services.admit_probationary_member`, step 24 `confirm_full_membership`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.core.workcalendar import default_calendar
from gigbranch.members.models import PartyMember, Worker
from gigbranch.organizations.models import Organization, OrgKind, Region

from . import deadlines, delays, policy
from .models import (
    CASE_TRANSITIONS,
    Assessment,
    Attachment,
    Case,
    CaseEvent,
    CasePerson,
    CaseSource,
    CaseStatus,
    PersonRole,
    ProbationDecision,
    ProbationDecisionKind,
    RuleSet,
    StepRecord,
    Vote,
    VotePurpose,
    YearTarget,
    today,
)

CHANGE = "recruitment.change"
RULES = "recruitment.rules"


def _require(actor: Any, capability: str) -> None:
    """System callers pass actor=None (demo seeding, tasks); people need the capability."""
    if actor is not None and not has_capability(actor, capability):
        raise PermissionDenied("您的角色无权办理发展党员业务。")


def _refuse(problems: Sequence[policy.Problem]) -> None:
    if problems:
        errors: dict[str, list[str]] = {}
        for p in problems:
            errors.setdefault(p.field, []).append(p.message)
        raise ValidationError(errors)


# --- Rules and facts --------------------------------------------------------------------


def effective_rules(region: Region | None) -> tuple[policy.LocalRules, RuleSet | None]:
    """The nearest rule set up the region tree; the national defaults when there is none."""
    if region is None:
        return policy.LocalRules(), None
    ids = [int(part) for part in region.path.split(".") if part]
    sets = {rs.region_id: rs for rs in RuleSet.objects.filter(region_id__in=ids)}
    for region_id in reversed(ids):
        if region_id in sets:
            return sets[region_id].rules, sets[region_id]
    return policy.LocalRules(), None


def case_rules(case: Case) -> policy.LocalRules:
    return effective_rules(case.worker.region)[0]


def facts_for(case: Case, steps: Iterable[StepRecord] | None = None) -> policy.CaseFacts:
    records = list(steps) if steps is not None else list(case.steps.all())
    return policy.CaseFacts(
        birth_date=case.worker.birth_date,
        done={r.step: r.date for r in records},
        review_conclusion=case.review_conclusion,
        training_days=float(case.training_days),
        training_hours=float(case.training_hours),
        probation_end=case.probation_end,
        special_reason=case.special_reason,
        closed=case.is_closed,
        last_assessment=case.last_assessment,
    )


def _person_ref(member: PartyMember) -> policy.PersonRef:
    return policy.PersonRef(name=member.worker.name, kind=member.kind, status=member.status)


def _members(ids: Iterable[int], field: str) -> list[PartyMember]:
    ids = [int(i) for i in ids]
    found = {m.pk: m for m in PartyMember.objects.select_related("worker").filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({field: f"找不到党员记录：{missing}。"})
    if len(set(ids)) != len(ids):
        raise ValidationError({field: "同一名党员不能重复填写。"})
    return [found[i] for i in ids]


def _transition(
    case: Case, to: str, *, actor: Any, step: int | None = None, detail: str = ""
) -> None:
    if to not in CASE_TRANSITIONS[case.status]:
        raise ValidationError(
            {"step": f"档案状态“{case.get_status_display()}”不能变为“{CaseStatus(to).label}”。"}
        )
    label = f"状态：{CaseStatus(case.status).label} → {CaseStatus(to).label}"
    CaseEvent.objects.create(
        case=case,
        actor=_user(actor),
        action="status",
        step=step,
        from_status=case.status,
        to_status=to,
        detail=(f"{label}（{detail}）" if detail else label)[:300],
    )
    case.status = to


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _refresh_position(case: Case) -> None:
    facts = facts_for(case)
    case.last_step = max(facts.done, default=0)
    nxt = policy.next_step(facts)
    case.next_step = None if case.is_closed else nxt
    if case.status in (CaseStatus.PROBATIONARY, CaseStatus.FULL, CaseStatus.ARCHIVED):
        case.stage = 5
    else:
        case.stage = policy.stage_of(nxt) if nxt else 5


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


# --- Scans ------------------------------------------------------------------------------

MAGIC = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    """Content type and extension from the magic bytes (the file name is not trusted)."""
    for magic, content_type, ext in MAGIC:
        if head.startswith(magic):
            return content_type, ext
    return None


@transaction.atomic
def attach_scan(
    *, actor: Any, case: Case, title: str, uploaded: Any, step: int | None = None
) -> Attachment:
    """Attach a scan: PDF, JPEG or PNG by content, at most settings.UPLOAD_MAX_BYTES."""
    _require(actor, CHANGE)
    if step is not None and step not in policy.STEPS:
        raise ValidationError({"step": f"没有第{step}步。"})
    size = int(getattr(uploaded, "size", 0) or 0)
    if size <= 0:
        raise ValidationError({"file": "文件为空。"})
    if size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            {"file": f"文件大小{size}字节，超过上限{settings.UPLOAD_MAX_BYTES}字节。"}
        )
    uploaded.seek(0)
    content = uploaded.read()
    kind = sniff(content[:16])
    if kind is None:
        raise ValidationError(
            {"file": "只能上传PDF、JPEG或PNG格式的扫描件（按文件内容识别，而非文件名）。"}
        )
    content_type, ext = kind
    att = Attachment(
        case=case,
        step=step,
        title=(title or getattr(uploaded, "name", "扫描件"))[:100],
        token=secrets.token_hex(16),
        extension=ext,
        content_type=content_type,
        original_name=str(getattr(uploaded, "name", ""))[:200],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=_user(actor),
    )
    att.file.save(f"{att.token}{ext}", ContentFile(content), save=False)
    att.save()
    audit.record(
        actor=actor,
        action="recruitment.scan_attached",
        obj=case,
        changes={
            "attachment": att.pk,
            "step": step,
            "content_type": content_type,
            "size": att.size,
        },
    )
    return att


# --- Rule sets and targets --------------------------------------------------------------


@transaction.atomic
def save_ruleset(
    *, actor: Any, region: Region, name: str, values: dict[str, int], basis: str = ""
) -> RuleSet:
    """Create or replace a jurisdiction's local rules; national rules cannot be relaxed."""
    _require(actor, RULES)
    try:
        rules = policy.LocalRules.from_mapping(values)
    except (TypeError, ValueError):
        raise ValidationError({"values": "规则取值应为整数。"}) from None
    errors = policy.validate_local_rules(rules)
    if errors:
        raise ValidationError(errors)
    rs, created = RuleSet.objects.update_or_create(
        region=region,
        defaults={
            "name": name or f"{region.name}发展党员规则",
            "values": rules.as_dict(),
            "basis": basis,
        },
    )
    audit.record(
        actor=actor,
        action="recruitment.rules_saved",
        obj=rs,
        changes={"region": region.pk, "values": rules.as_dict(), "created": created},
    )
    return rs


@transaction.atomic
def set_year_target(*, actor: Any, region: Region, year: int, target: int) -> YearTarget:
    _require(actor, RULES)
    if target < 0 or not 2000 <= year <= 2100:
        raise ValidationError({"target": "年度或目标人数无效。"})
    yt, _ = YearTarget.objects.update_or_create(
        region=region, year=year, defaults={"target": target}
    )
    audit.record(
        actor=actor,
        action="recruitment.target_set",
        obj=yt,
        changes={"region": region.pk, "year": year, "target": target},
    )
    return yt
