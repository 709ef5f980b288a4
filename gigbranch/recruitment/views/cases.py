"""Recruitment pages: the overview, the list of cases, a new case and a case's page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gigbranch.accounts.roles import has_capability
from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import add_service_errors
from gigbranch.members.models import Worker
from gigbranch.organizations.models import Organization

from .. import delays, docs, policy, queries, services
from ..forms import (
    DEADLINE_STEPS,
    ApplicationForm,
    AttachmentForm,
    ProbationDecisionForm,
    make_step_form,
)
from ..models import Case, CaseSource, today


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
                add_service_errors(form, exc)
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
