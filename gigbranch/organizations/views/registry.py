"""Network pages: the workplace registry, instructors, a workplace's page, phone reveal."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from gigbranch.core.figures import chosen, counted, narrowed
from gigbranch.core.models import AuditEvent, Finding
from gigbranch.core.permissions import can, require_capability
from gigbranch.core.viewhelpers import is_pk

from .. import forms, queries, services
from ..models import (
    PHONE_FIELDS,
    CommitteeMember,
    CoverageMode,
    Instructor,
    Organization,
    Workplace,
    WorkplaceKind,
)


@require_capability("org.view")
def workplaces(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    mode = request.GET.get("coverage", "")
    kind = request.GET.get("kind", "")
    figure = chosen(queries.WORKPLACE_FIGURES, request.GET.get("figure"))
    base = figure.rows(request.user) if figure else Workplace.objects.visible_to(request.user)
    within = queries.drill_region(request.user, request.GET.get("within"))
    qs = narrowed(base, within.path if within else None)
    qs = qs.select_related("region", "organization", "instructor")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code=q.upper()))
    if mode in CoverageMode.values:
        qs = qs.filter(coverage_mode=mode)
    if kind in WorkplaceKind.values:
        qs = qs.filter(kind=kind)
    region_id = request.GET.get("region", "")
    region = None
    if is_pk(region_id):
        region = get_object_or_404(queries.visible_regions(request.user), pk=int(region_id))
        qs = qs.filter(region__path__startswith=region.path)
    page = Paginator(qs.order_by("region__path", "name", "id"), 50).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    queries.add_worker_counts(page.object_list)
    query = "&".join(
        f"{k}={v}"
        for k, v in (
            ("figure", figure.key if figure else ""),
            ("q", q),
            ("coverage", mode),
            ("kind", kind),
            ("region", region_id),
            ("within", within.pk if within else ""),
        )
        if v
    )
    return render(
        request,
        "organizations/workplaces.html",
        {
            "within": within,
            "figure": figure,
            "figure_links": counted(queries.WORKPLACE_FIGURES.values(), request.user),
            "page": page,
            "q": q,
            "mode": mode,
            "kind": kind,
            "query": query,
            "region": region,
            "can_change": can(request.user, "organizations.change"),
            "modes": CoverageMode.choices,
            "kinds": WorkplaceKind.choices,
        },
    )


@require_capability("org.view")
def instructors(request: HttpRequest) -> HttpResponse:
    qs = (
        Instructor.objects.visible_to(request.user)
        .select_related("region", "organization")
        .annotate(n_workplaces=Count("workplaces"))
        .order_by("region__path", "name")
    )
    return render(
        request,
        "organizations/instructors.html",
        {"instructors": qs, "can_change": can(request.user, "organizations.change")},
    )


_REVEAL_MODELS: dict[str, Any] = {
    "organization": Organization,
    "committeemember": CommitteeMember,
    "instructor": Instructor,
    "workplace": Workplace,
}


@require_POST
@require_capability("pii.reveal")
def phone_reveal(request: HttpRequest, model: str, pk: int, field: str) -> HttpResponse:
    """One unmasked phone number for a `pii.reveal` holder, audited ("pii.revealed")."""
    if model not in _REVEAL_MODELS or field not in PHONE_FIELDS.get(model, ()):
        raise Http404
    obj = get_object_or_404(_REVEAL_MODELS[model].objects.visible_to(request.user), pk=pk)
    value = services.reveal_phone(actor=request.user, obj=obj, field=field)
    return render(request, "organizations/_revealed.html", {"value": value})


@require_capability("org.view")
def workplace_detail(request: HttpRequest, pk: int) -> HttpResponse:
    wp = get_object_or_404(
        Workplace.objects.visible_to(request.user).select_related(
            "region", "organization", "instructor"
        ),
        pk=pk,
    )
    full = queries.full_members_by_workplace([wp.pk]).get(wp.pk, 0)
    history = AuditEvent.objects.filter(
        object_type="organizations.workplace", object_id=str(wp.pk)
    )[:30]
    findings_qs = (
        Finding.objects.visible_to(request.user)
        .open()
        .filter(object_type="organizations.workplace", object_id=str(wp.pk))
    )
    return render(
        request,
        "organizations/workplace_detail.html",
        {
            "wp": wp,
            "full": full,
            "workers": wp.workers.count(),
            "history": history,
            "assign_form": forms.AssignInstructorForm(
                initial={"instructor": wp.instructor_id}, user=request.user
            )
            if can(request.user, "organizations.change")
            else None,
            "findings": findings_qs,
            "can_reveal": can(request.user, "organizations.reveal"),
        },
    )
