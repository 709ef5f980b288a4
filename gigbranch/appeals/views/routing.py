"""Routing rules: county administrators map category × region → department."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gigbranch.core.permissions import require_capability
from gigbranch.organizations.models import Department, Region

from .. import actions, forms, services
from ..models import RoutingRule


def route_departments(user: Any) -> Any:
    """Departments a county administrator may route to: those in their region subtree."""
    return Department.objects.filter(actions.route_filter(user))


def _visible_rules(user: Any) -> Any:
    """County-wide rules plus rules for regions inside the user's scope."""
    return RoutingRule.objects.filter(Q(region__isnull=True) | actions.route_filter(user))


@require_capability("appeals.route")
def routing_rules(request: HttpRequest) -> HttpResponse:
    """County administrators create and change routing rules (category × region → department)."""
    user: Any = request.user
    regions = (
        Region.objects.visible_to(user).filter(parent__isnull=False)
        if user.scope_region_id
        else Region.objects.none()
    )
    departments = route_departments(user)
    initial: dict[str, Any] = {}
    if request.method == "GET" and request.GET.get("edit"):
        edit = request.GET["edit"].strip()
        if not edit.isdecimal():
            raise Http404
        rule = get_object_or_404(_visible_rules(user), pk=int(edit))
        initial = {"category": rule.category, "region": rule.region, "department": rule.department}
    form = forms.RoutingRuleForm(request.POST or None, initial=initial)
    form.fields["region"].queryset = regions  # type: ignore[attr-defined]
    form.fields["department"].queryset = departments  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.set_routing_rule(
                actor=user, category=d["category"], region=d["region"], department=d["department"]
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            scope = d["region"].name if d["region"] else "全县"
            messages.success(
                request, f"已保存：{d['category'].name} × {scope} → {d['department'].name}。"
            )
            return redirect("appeals:routing")
    rules_qs = (
        _visible_rules(user)
        .select_related("category", "region", "department")
        .order_by("category__position", "category__id", "region__path")
    )
    return render(request, "appeals/routing.html", {"form": form, "rules": rules_qs})
