"""Recruitment pages: local rule sets and yearly targets."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gigbranch.accounts.roles import has_capability
from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import add_service_errors
from gigbranch.organizations.models import Region

from .. import policy, services
from ..forms import (
    RuleSetForm,
    TargetForm,
)
from ..models import RuleSet, today


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
                add_service_errors(
                    form if request.POST.get("form") == "rules" else target_form, exc
                )
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
