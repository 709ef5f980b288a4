from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gigbranch.accounts.roles import has_capability
from gigbranch.core.permissions import require_capability
from gigbranch.members.models import Worker
from gigbranch.organizations.models import Organization, Region

from . import delays, docs, policy, queries, services
from .forms import (
    DEADLINE_STEPS,
    ApplicationForm,
    AttachmentForm,
    PortalApplyForm,
    ProbationDecisionForm,
    RuleSetForm,
    TargetForm,
    consent_from,
    make_step_form,
)
from .models import Attachment, Case, CaseSource, RuleSet, StepDelay, Vote, today


def _case(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "worker__region", "worker__workplace", "organization"
        ),
        pk=pk,
    )


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _apply_errors(form: Any, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, msgs in exc.message_dict.items():
        target = field if field in form.fields else None
        for m in msgs:
            form.add_error(target, m)


@require_capability("recruitment.view")
def overview(request: HttpRequest) -> HttpResponse:
    data = queries.overview(request.user)
    return render(request, "recruitment/overview.html", {"o": data, "funnel": data["funnel"]})


def _is_id(value: str) -> bool:
    """Number check for ids: `.isdecimal()` (not `.isdigit()`, which lets "²" through to
    int() and a 500) and short enough for int() and the database."""
    return value.isdecimal() and len(value) <= 9


@require_capability("recruitment.view")
def case_list(request: HttpRequest) -> HttpResponse:
    qs = Case.objects.visible_to(request.user).select_related("worker", "organization")
    stage, step, q = (
        request.GET.get("stage", ""),
        request.GET.get("step", ""),
        request.GET.get("q", "").strip(),
    )
    if _is_id(stage):
        qs = qs.filter(stage=int(stage), status__in=["in_progress", "probationary"])
    if _is_id(step):
        qs = qs.filter(next_step=int(step), status__in=["in_progress", "probationary"])
    if q:
        qs = qs.filter(worker__name__icontains=q)
    page = Paginator(qs.order_by("-application_date", "id"), 50).get_page(request.GET.get("page"))
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("q", q), ("stage", stage), ("step", step)) if v})
    return render(
        request,
        "recruitment/case_list.html",
        {
            "page": page,
            "query": query,
            "q": q,
            "stage": stage,
            "step": step,
            "stages": policy.STAGE_SHORT,
            "steps": policy.STEPS,
        },
    )


@require_capability("recruitment.change")
def case_new(request: HttpRequest) -> HttpResponse:
    """A branch records a paper application (step 1), with an optional scan."""
    q = request.GET.get("q", "").strip()
    worker = None
    worker_id = request.GET.get("worker") or request.POST.get("worker")
    if worker_id and _is_id(str(worker_id)):
        worker = get_object_or_404(
            Worker.objects.visible_to(request.user).select_related(
                "workplace__organization", "region"
            ),
            pk=int(worker_id),
        )
    matches = []
    if q and worker is None:
        matches = list(
            Worker.objects.visible_to(request.user)
            .active()
            .filter(name__icontains=q)
            .select_related("workplace")[:30]
        )
    orgs = Organization.objects.visible_to(request.user).order_by("path")
    form = None
    if worker is not None:
        default_org = services.organization_for_worker(worker)
        initial = {
            "organization": default_org.pk if default_org else None,
            "application_date": today(),
        }
        form = ApplicationForm(
            request.POST or None, request.FILES or None, organizations=orgs, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    case = services.open_case(
                        actor=request.user,
                        worker=worker,
                        organization=form.cleaned_data["organization"],
                        application_date=form.cleaned_data["application_date"],
                        source=CaseSource.PAPER,
                        notes=form.cleaned_data["notes"],
                    )
                    if form.cleaned_data.get("scan"):
                        services.attach_scan(
                            actor=request.user,
                            case=case,
                            step=1,
                            title="入党申请书",
                            uploaded=form.cleaned_data["scan"],
                        )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"已建立{worker.name}的发展党员档案。")
                return redirect("recruitment:case_detail", pk=case.pk)
    return render(
        request,
        "recruitment/case_new.html",
        {"q": q, "matches": matches, "worker": worker, "form": form},
    )


def _detail_context(
    request: HttpRequest,
    case: Case,
    forms_by_step: dict[int, Any] | None = None,
    refusal: list[str] | None = None,
) -> dict[str, Any]:
    tl = queries.timeline(case)
    forms_by_step = forms_by_step or {}
    step_forms = []
    if has_capability(request.user, "recruitment.change"):
        for step in tl["open_steps"]:
            form = forms_by_step.get(step) or make_step_form(step, organization=case.organization)
            step_forms.append((policy.STEPS[step], form))
    return {
        "case": case,
        "tl": tl,
        "step_forms": step_forms,
        "refusal": refusal or [],
        "can_change": has_capability(request.user, "recruitment.change"),
        "attach_form": AttachmentForm(),
        "decision_form": ProbationDecisionForm(),
        "doc_kinds": docs.DOC_KINDS,
        "delays": [(d, delays.can_review(request.user, d)) for d in tl["delays"]],
        "today": today(),
        "deadline_steps": DEADLINE_STEPS,
    }


@require_capability("recruitment.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, "recruitment/case_detail.html", _detail_context(request, case))


@require_capability("recruitment.change")
@require_POST
def record_step(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    case = _case(request, pk)
    if step not in policy.STEPS:
        raise Http404("没有该步骤。")
    form = make_step_form(
        step, organization=case.organization, data=request.POST, files=request.FILES
    )
    refusal: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        vote = None
        if step in policy.VOTE_STEPS:
            vote = services.VoteInput(
                **{
                    k: data[k]
                    for k in (
                        "should_attend",
                        "present",
                        "written",
                        "votes_for",
                        "against",
                        "abstain",
                    )
                }
            )
        try:
            with transaction.atomic():
                services.record_step(
                    actor=request.user,
                    case=case,
                    step=step,
                    date=data["date"],
                    notes=data["notes"],
                    contact_ids=[m.pk for m in data.get("contacts") or []],
                    sponsor_ids=[m.pk for m in data.get("sponsors") or []],
                    review_conclusion=data.get("review_conclusion", ""),
                    training_days=float(data.get("training_days") or 0),
                    training_hours=float(data.get("training_hours") or 0),
                    notice_start=data.get("notice_start"),
                    notice_end=data.get("notice_end"),
                    special_reason=data.get("special_reason", ""),
                    vote=vote,
                    delay_reason=data.get("delay_reason", ""),
                    consent=consent_from(data),
                )
                if data.get("scan"):
                    services.attach_scan(
                        actor=request.user,
                        case=case,
                        step=step,
                        title=policy.STEPS[step].title,
                        uploaded=data["scan"],
                    )
        except ValidationError as exc:
            refusal = _errors(exc)
            _apply_errors(form, exc)
        else:
            messages.success(request, f"已记录第{step}步“{policy.STEPS[step].title}”。")
            return redirect("recruitment:case_detail", pk=case.pk)
    case.refresh_from_db()
    ctx = _detail_context(request, case, {step: form}, refusal=refusal)
    ctx["refused_step"] = step
    return render(request, "recruitment/case_detail.html", ctx, status=422)


@require_capability("recruitment.review")
@require_POST
def review_delay(request: HttpRequest, pk: int, delay_pk: int) -> HttpResponse:
    """The higher committee reviews a step recorded late (REC-ORDER); the finding closes."""
    case = _case(request, pk)
    delay = get_object_or_404(StepDelay.objects.filter(case=case), pk=delay_pk)
    try:
        delays.review_delay(actor=request.user, delay=delay, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        msgs = _errors(exc) if isinstance(exc, ValidationError) else [str(exc)]
        for m in msgs:
            messages.error(request, m)
    else:
        messages.success(request, f"已审查第{delay.step}步的逾期情况。")
    return redirect("recruitment:case_detail", pk=case.pk)


@require_capability("recruitment.change")
@require_POST
def record_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    from django.utils.dateparse import parse_date

    day = parse_date(request.POST.get("date", "") or "")
    try:
        if day is None:
            raise ValidationError({"date": "请填写考察日期。"})
        services.record_assessment(
            actor=request.user, case=case, date=day, notes=request.POST.get("notes", "")
        )
        messages.success(request, "已记录考察。")
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("recruitment:case_detail", pk=case.pk)


@require_capability("recruitment.change")
@require_POST
def probation_decision(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    case = _case(request, pk)
    form = ProbationDecisionForm(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            for e in errs:
                messages.error(
                    request, f"{form.fields[field].label if field in form.fields else ''}：{e}"
                )
        return redirect("recruitment:case_detail", pk=case.pk)
    d = form.cleaned_data
    vote = services.VoteInput(
        **{
            k: d[k]
            for k in ("should_attend", "present", "written", "votes_for", "against", "abstain")
        }
    )
    try:
        if kind == "extend":
            services.extend_probation(
                actor=request.user,
                case=case,
                vote_date=d["vote_date"],
                vote=vote,
                approved_on=d["approved_on"],
                months=d["months"] or 0,
                reason=d["reason"],
            )
            messages.success(request, "已记录延长预备期。")
        elif kind == "cancel":
            services.cancel_probation(
                actor=request.user,
                case=case,
                vote_date=d["vote_date"],
                vote=vote,
                approved_on=d["approved_on"],
                reason=d["reason"],
            )
            messages.success(request, "已记录取消预备党员资格。")
        else:
            raise Http404
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("recruitment:case_detail", pk=case.pk)


@require_capability("recruitment.change")
@require_POST
def stop_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    try:
        services.stop_case(actor=request.user, case=case, reason=request.POST.get("reason", ""))
        messages.success(request, "已终止培养。")
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("recruitment:case_detail", pk=case.pk)


@require_capability("recruitment.change")
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_scan(
                actor=request.user,
                case=case,
                title=form.cleaned_data["title"],
                uploaded=form.cleaned_data["file"],
                step=form.cleaned_data["step"],
            )
            messages.success(request, "已上传扫描件。")
        except ValidationError as exc:
            for m in _errors(exc):
                messages.error(request, m)
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
    return redirect("recruitment:case_detail", pk=case.pk)


@require_capability("recruitment.view")
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    att = get_object_or_404(Attachment, pk=pk, case__in=Case.objects.visible_to(request.user))
    response = FileResponse(
        att.file.open("rb"),
        content_type=att.content_type,
        as_attachment=True,
        filename=f"{att.title}{att.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_capability("recruitment.view")
def case_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    case = _case(request, pk)
    if kind == "candidate_review":
        return _docx(docs.candidate_review(case), f"发展对象审查表-{case.worker.name}.docx")
    if kind == "vote_record":
        vote_id = request.GET.get("vote", "")
        qs = Vote.objects.filter(case=case)
        vote = get_object_or_404(qs, pk=int(vote_id)) if _is_id(vote_id) else qs.last()
        if vote is None:
            raise Http404("尚无表决记录。")
        return _docx(
            docs.vote_record(vote), f"支部党员大会表决情况记录-{case.worker.name}-{vote.date}.docx"
        )
    raise Http404


@require_capability("recruitment.view")
def register_document(request: HttpRequest, kind: str) -> HttpResponse:
    qs = (
        Case.objects.visible_to(request.user)
        .select_related("worker__workplace", "organization")
        .prefetch_related("steps", "people__member__worker")
        .order_by("application_date", "id")
    )
    label = request.user.scope_label
    if kind == "application_register":
        return _docx(
            docs.application_register(qs.filter(stage=1, status="in_progress"), scope_label=label),
            "入党申请人登记表.docx",
        )
    if kind == "activist_register":
        return _docx(
            docs.activist_register(qs.filter(stage=2, status="in_progress"), scope_label=label),
            "入党积极分子登记表.docx",
        )
    raise Http404


@require_capability("recruitment.view")
def rules(request: HttpRequest) -> HttpResponse:
    user = request.user
    region = user.scope_region or (
        user.scope_organization.region if user.scope_organization_id else None
    )
    effective, source = services.effective_rules(region)
    can_edit = has_capability(user, "recruitment.rules") and user.scope_region_id is not None
    form = target_form = None
    if can_edit and region is not None:
        initial = {
            "name": source.name
            if source and source.region_id == region.pk
            else f"{region.name}发展党员规则",
            **effective.as_dict(),
        }
        form = RuleSetForm(
            request.POST if request.POST.get("form") == "rules" else None, initial=initial
        )
        target_form = TargetForm(
            request.POST if request.POST.get("form") == "target" else None,
            initial={"year": today().year},
        )
        if request.method == "POST":
            try:
                if request.POST.get("form") == "rules" and form.is_valid():
                    values = {k: form.cleaned_data[k] for k in policy.LOCAL_RULE_LABELS}
                    services.save_ruleset(
                        actor=user,
                        region=region,
                        name=form.cleaned_data["name"],
                        values=values,
                        basis=form.cleaned_data["basis"],
                    )
                    messages.success(request, "已保存本地规则。")
                    return redirect("recruitment:rules")
                if request.POST.get("form") == "target" and target_form.is_valid():
                    services.set_year_target(actor=user, region=region, **target_form.cleaned_data)
                    messages.success(request, "已保存年度发展目标。")
                    return redirect("recruitment:rules")
            except ValidationError as exc:
                _apply_errors(form if request.POST.get("form") == "rules" else target_form, exc)
    elif request.method == "POST":
        raise PermissionDenied("您的角色无权修改发展党员规则。")
    rows = [(policy.LOCAL_RULE_LABELS[k], v) for k, v in effective.as_dict().items()]
    sets = (
        RuleSet.objects.select_related("region").filter(region__in=Region.objects.visible_to(user))
        if region
        else RuleSet.objects.none()
    )
    return render(
        request,
        "recruitment/rules.html",
        {
            "rows": rows,
            "source": source,
            "region": region,
            "form": form,
            "target_form": target_form,
            "sets": sets,
        },
    )


@require_capability("portal.use")
def portal_apply(request: HttpRequest) -> HttpResponse:
    """A worker applies to join the Party online (step 1, source portal)."""
    worker = request.user.worker
    if worker is None:
        raise PermissionDenied("您的账号未关联劳动者信息。")
    existing = Case.objects.visible_to(request.user).filter(worker=worker).open().first()
    form = PortalApplyForm(request.POST or None)
    if existing is None and request.method == "POST" and form.is_valid():
        try:
            existing = services.apply_online(
                actor=request.user,
                worker=worker,
                application_date=today(),
                statement=form.cleaned_data["statement"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "入党申请书已递交，党组织将在一个月内与您谈话。")
            return redirect(reverse("recruitment:portal_apply"))
    step = policy.STEPS[existing.next_step] if existing and existing.next_step else None
    return render(
        request, "recruitment/portal_apply.html", {"form": form, "case": existing, "next": step}
    )
