from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gigbranch.core.permissions import require_capability

from . import services
from .forms import OrganizationForm
from .models import Organization, Workplace


@require_capability("org.view")
def tree(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    orgs = Organization.objects.visible_to(request.user).select_related("region", "parent")
    if q:
        orgs = orgs.filter(name__icontains=q)
    orgs = orgs.annotate(workplace_count=Count("workplaces")).order_by("path")
    page = Paginator(orgs, 100).get_page(request.GET.get("page"))
    return render(request, "organizations/tree.html", {"page": page, "q": q})


@require_capability("org.view")
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(
        Organization.objects.visible_to(request.user).select_related("region", "parent"), pk=pk
    )
    return render(
        request, "organizations/detail.html",
        {"org": org, "children": org.children.visible_to(request.user),
         "workplaces": org.workplaces.visible_to(request.user).select_related("region")},
    )


@require_capability("org.change")
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    form = OrganizationForm(request.POST or None, instance=Organization.objects.get(pk=pk),
                            user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_organization(actor=request.user, organization=org, **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("organizations:detail", pk=org.pk)
    return render(request, "organizations/edit.html", {"org": org, "form": form})


@require_capability("org.view")
def workplaces(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = Workplace.objects.visible_to(request.user).select_related("region", "organization")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code=q.upper()))
    qs = qs.annotate(worker_count=Count("workers")).order_by("region__path", "name", "id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "organizations/workplaces.html", {"page": page, "q": q})
