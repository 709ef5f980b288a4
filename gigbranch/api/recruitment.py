"""/api/v1/recruitment: every recruitment step (REC-*) over the API; services do the work."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from gigbranch.accounts.roles import has_capability
from gigbranch.api.pagination import PersonalDataPagination
from gigbranch.members.models import Worker
from gigbranch.organizations.models import Organization, Region
from gigbranch.recruitment import docs, policy, queries, services
from gigbranch.recruitment.models import Case, CaseSource, StepDelay, Vote, today
from gigbranch.recruitment.policy.deadlines import Consent

router = Router(tags=["发展党员"])


def _can(request: Any, capability: str) -> None:
    if not has_capability(request.auth, capability):
        raise PermissionDenied("您的角色无权办理发展党员业务。")


def _case(request: Any, case_id: int) -> Case:
    _can(request, "recruitment.view")
    return get_object_or_404(
        Case.objects.visible_to(request.auth).select_related("worker__region", "organization"),
        pk=case_id,
    )


class StepDefOut(Schema):
    number: int
    stage: int
    stage_title: str
    title: str
    actor: str
    requires: list[int]
    time_rule: str


class StepOut(Schema):
    step: int
    title: str
    date: dt.date
    notes: str
    data: dict[str, Any]
    late: dict[str, Any] | None = None  # past its latest date: deadline, days, reason


class NextOut(Schema):
    step: int
    title: str
    earliest: dt.date | None
    latest: dt.date | None
    latest_special: dt.date | None
    needs: list[str]


class CaseFields(Schema):
    id: int
    worker_id: int
    worker_name: str
    organization_id: int
    organization_name: str
    source: str
    status: str
    status_label: str
    stage: int
    stage_label: str
    last_step: int
    next_step: int | None
    application_date: dt.date
    activist_date: dt.date | None
    candidate_date: dt.date | None
    vote_date: dt.date | None
    approval_date: dt.date | None
    probation_end: dt.date | None
    extension_months: int


class CaseOut(CaseFields):
    @staticmethod
    def resolve_worker_name(obj: Case) -> str:
        return obj.worker.name

    @staticmethod
    def resolve_organization_name(obj: Case) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_status_label(obj: Case) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_stage_label(obj: Case) -> str:
        return obj.stage_label


class CaseDetailOut(CaseFields):
    steps: list[StepOut]
    next: list[NextOut]
    problems: list[str]


class CaseIn(Schema):
    worker_id: int
    organization_id: int | None = None
    application_date: dt.date
    notes: str = ""


class VoteIn(Schema):
    should_attend: int = Field(ge=0, le=100000)
    present: int = Field(ge=0, le=100000)
    written: int = Field(0, ge=0, le=100000)
    votes_for: int = Field(ge=0, le=100000)
    against: int = Field(0, ge=0, le=100000)
    abstain: int = Field(0, ge=0, le=100000)
    voter_ids: list[int] = []

    def to_input(self) -> services.VoteInput:
        return services.VoteInput(**self.dict())


class ConsentIn(Schema):
    organization: str = Field("", max_length=100)
    approver: str = Field("", max_length=60)
    date: dt.date | None = None
    document: str = Field("", max_length=60)


class StepIn(Schema):
    step: int = Field(ge=2, le=25)
    date: dt.date
    notes: str = ""
    contact_ids: list[int] = []
    sponsor_ids: list[int] = []
    review_conclusion: str = ""
    training_days: float = Field(0, ge=0, le=1000)
    training_hours: float = Field(0, ge=0, le=10000)
    notice_start: dt.date | None = None
    notice_end: dt.date | None = None
    special_reason: str = Field("", max_length=200)
    vote: VoteIn | None = None
    # REC-ORDER: a step past its latest date needs the reason for the delay; step 17
    # between 3 and 6 months after the vote needs the higher organisation's consent.
    delay_reason: str = Field("", max_length=1000)
    consent: ConsentIn | None = None


class AssessmentIn(Schema):
    date: dt.date
    notes: str = ""


class DecisionIn(Schema):
    vote_date: dt.date
    vote: VoteIn
    approved_on: dt.date
    months: int = Field(0, ge=0, le=60)
    reason: str = ""


class StopIn(Schema):
    reason: str


class AttachmentOut(Schema):
    id: int
    title: str
    step: int | None
    content_type: str
    size: int
    sha256: str


class RulesOut(Schema):
    region_id: int | None
    source: str
    values: dict[str, int]


class RulesIn(Schema):
    name: str = ""
    basis: str = ""
    values: dict[str, int]


def _detail(case: Case) -> dict[str, Any]:
    facts = services.facts_for(case)
    rules = services.case_rules(case)
    out: dict[str, Any] = CaseOut.from_orm(case).dict()  # resolvers fill the labels
    late = {
        d.step: {
            "deadline": d.deadline,
            "days_late": d.days_late,
            "reason": d.reason,
            "rule": f"{d.rule_source}：{d.rule_name}",
            "reviewed": d.reviewed_at is not None,
        }
        for d in StepDelay.objects.filter(case=case)
    }
    out["steps"] = [
        {
            "step": r.step,
            "title": policy.STEPS[r.step].title,
            "date": r.date,
            "notes": r.notes,
            "data": r.data,
            "late": late.get(r.step),
        }
        for r in case.steps.all()
    ]
    nxt = []
    if not case.is_closed:
        for step in policy.open_steps(facts):
            w = policy.window(step, facts, rules)
            nxt.append(
                {
                    "step": step,
                    "title": policy.STEPS[step].title,
                    "earliest": w.earliest,
                    "latest": w.latest,
                    "latest_special": w.latest_special,
                    "needs": list(w.notes),
                }
            )
    out["next"] = nxt
    out["problems"] = [p.message for p in policy.overdue_problems(facts, rules, today=today())]
    return out


@router.get("/steps", response=list[StepDefOut])
def list_steps(request: Any) -> list[dict[str, Any]]:
    return [
        {
            "number": s.number,
            "stage": s.stage,
            "stage_title": policy.STAGES[s.stage],
            "title": s.title,
            "actor": s.actor,
            "requires": list(s.requires),
            "time_rule": s.time_rule,
        }
        for s in policy.STEPS.values()
    ]


@router.get("/cases", response=list[CaseOut])
@paginate(PersonalDataPagination)
def list_cases(
    request: Any, stage: int | None = None, next_step: int | None = None, status: str | None = None
) -> Any:
    _can(request, "recruitment.view")
    qs = (
        Case.objects.visible_to(request.auth)
        .select_related("worker", "organization")
        .order_by("id")
    )
    if stage is not None:
        qs = qs.filter(stage=stage)
    if next_step is not None:
        qs = qs.filter(next_step=next_step)
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post("/cases", response={201: CaseDetailOut})
def create_case(request: Any, payload: CaseIn) -> Status:
    _can(request, "recruitment.change")
    worker = get_object_or_404(Worker.objects.visible_to(request.auth), pk=payload.worker_id)
    if payload.organization_id is not None:
        org = get_object_or_404(
            Organization.objects.visible_to(request.auth), pk=payload.organization_id
        )
    else:
        found = services.organization_for_worker(worker)
        if found is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"organization_id": "请指定接收申请的党组织。"})
        org = found
    case = services.open_case(
        actor=request.auth,
        worker=worker,
        organization=org,
        application_date=payload.application_date,
        source=CaseSource.API,
        notes=payload.notes,
    )
    return Status(201, _detail(case))


@router.get("/cases/{case_id}", response=CaseDetailOut)
def get_case(request: Any, case_id: int) -> dict[str, Any]:
    return _detail(_case(request, case_id))


@router.post("/cases/{case_id}/steps", response={201: CaseDetailOut})
def record_step(request: Any, case_id: int, payload: StepIn) -> Status:
    _can(request, "recruitment.change")
    case = _case(request, case_id)
    services.record_step(
        actor=request.auth,
        case=case,
        step=payload.step,
        date=payload.date,
        notes=payload.notes,
        contact_ids=payload.contact_ids,
        sponsor_ids=payload.sponsor_ids,
        review_conclusion=payload.review_conclusion,
        training_days=payload.training_days,
        training_hours=payload.training_hours,
        notice_start=payload.notice_start,
        notice_end=payload.notice_end,
        special_reason=payload.special_reason,
        vote=payload.vote.to_input() if payload.vote else None,
        delay_reason=payload.delay_reason,
        consent=Consent(**payload.consent.dict()) if payload.consent else None,
    )
    case.refresh_from_db()
    return Status(201, _detail(case))


@router.post("/cases/{case_id}/assessments", response={201: CaseDetailOut})
def record_assessment(request: Any, case_id: int, payload: AssessmentIn) -> Status:
    _can(request, "recruitment.change")
    case = _case(request, case_id)
    services.record_assessment(
        actor=request.auth, case=case, date=payload.date, notes=payload.notes
    )
    case.refresh_from_db()
    return Status(201, _detail(case))


@router.post("/cases/{case_id}/probation/extend", response={201: CaseDetailOut})
def extend(request: Any, case_id: int, payload: DecisionIn) -> Status:
    _can(request, "recruitment.change")
    case = _case(request, case_id)
    services.extend_probation(
        actor=request.auth,
        case=case,
        vote_date=payload.vote_date,
        vote=payload.vote.to_input(),
        approved_on=payload.approved_on,
        months=payload.months,
        reason=payload.reason,
    )
    case.refresh_from_db()
    return Status(201, _detail(case))


@router.post("/cases/{case_id}/probation/cancel", response={201: CaseDetailOut})
def cancel(request: Any, case_id: int, payload: DecisionIn) -> Status:
    _can(request, "recruitment.change")
    case = _case(request, case_id)
    services.cancel_probation(
        actor=request.auth,
        case=case,
        vote_date=payload.vote_date,
        vote=payload.vote.to_input(),
        approved_on=payload.approved_on,
        reason=payload.reason,
    )
    case.refresh_from_db()
    return Status(201, _detail(case))


@router.post("/cases/{case_id}/stop", response=CaseDetailOut)
def stop(request: Any, case_id: int, payload: StopIn) -> dict[str, Any]:
    _can(request, "recruitment.change")
    case = _case(request, case_id)
    services.stop_case(actor=request.auth, case=case, reason=payload.reason)
    case.refresh_from_db()
    return _detail(case)


@router.post("/cases/{case_id}/attachments", response={201: AttachmentOut})
def upload(
    request: Any,
    case_id: int,
    title: Form[str],
    file: File[UploadedFile],
    step: Form[int | None] = None,
) -> Status:
    _can(request, "recruitment.change")
    case = _case(request, case_id)
    return Status(
        201,
        services.attach_scan(actor=request.auth, case=case, title=title, uploaded=file, step=step),
    )


@router.get("/cases/{case_id}/documents/{kind}")
def document(request: Any, case_id: int, kind: str, vote_id: int | None = None) -> HttpResponse:
    case = _case(request, case_id)
    from gigbranch.recruitment.views import DOCX

    if kind == "candidate_review":
        content = docs.candidate_review(case)
    elif kind == "vote_record":
        qs = Vote.objects.filter(case=case)
        vote = get_object_or_404(qs, pk=vote_id) if vote_id else qs.last()
        if vote is None:
            from django.http import Http404

            raise Http404
        content = docs.vote_record(vote)
    else:
        from django.http import Http404

        raise Http404
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{kind}-{case.pk}.docx"'
    return response


@router.get("/overview")
def overview(request: Any) -> dict[str, Any]:
    _can(request, "recruitment.view")
    data = queries.overview(request.auth)
    return {
        "per_stage": [
            {"stage": n, "label": label, "count": c} for n, label, c in data["per_stage"]
        ],
        "per_step": [{"step": s, "title": t, "count": c} for s, t, c in data["per_step"]],
        "funnel": data["funnel"],
        "year": data["year"],
        "new_this_year": data["new_this_year"],
        "target": data["target"],
        "overdue": [
            {"case_id": r["pk"], "name": r["name"], "message": r["message"]}
            for r in data["overdue"]
        ],
        "reminders": [
            {"case_id": r["pk"], "name": r["name"], "message": r["message"]}
            for r in data["reminders"]
        ],
    }


@router.get("/rules", response=RulesOut)
def effective_rules(request: Any, region_id: int) -> dict[str, Any]:
    _can(request, "recruitment.view")
    region = get_object_or_404(Region.objects.visible_to(request.auth), pk=region_id)
    rules, source = services.effective_rules(region)
    return {
        "region_id": source.region_id if source else None,
        "source": source.name if source else "默认规则",
        "values": rules.as_dict(),
    }


@router.put("/rules/{region_id}", response=RulesOut)
def save_rules(request: Any, region_id: int, payload: RulesIn) -> dict[str, Any]:
    _can(request, "recruitment.rules")
    region = get_object_or_404(Region.objects.visible_to(request.auth), pk=region_id)
    rs = services.save_ruleset(
        actor=request.auth,
        region=region,
        name=payload.name,
        values=payload.values,
        basis=payload.basis,
    )
    return {"region_id": rs.region_id, "source": rs.name, "values": rs.rules.as_dict()}
