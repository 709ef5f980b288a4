"""Recruitment pages: recording steps, delays, assessments, probation decisions, stopping a case, scans."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import add_service_errors

from .. import delays, policy, services
from ..forms import (
    AttachmentForm,
    ProbationDecisionForm,
    consent_from,
    make_step_form,
)
from ..models import Attachment, Case, StepDelay
from .cases import _case, _detail_context, _errors


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
            add_service_errors(form, exc)
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
