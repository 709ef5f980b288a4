"""People pages: point rules (积分规则, BURDEN-2)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import message_errors, message_form_errors

from .. import forms, services
from ..models import (
    PointRule,
)
from ..models.points import editable_regions

# --- point rules (积分规则, BURDEN-2) -------------------------------------------------------


@require_capability("people.view")
def point_rules(request: HttpRequest) -> HttpResponse:
    rules = (
        PointRule.objects.applying_to(request.user)
        .select_related("region")
        .order_by("region__path", "event_kind")
    )
    editable = set(editable_regions(request.user).values_list("pk", flat=True))
    return render(
        request,
        "members/point_rules.html",
        {
            "rules": rules,
            "editable": editable,
            "can_set": bool(editable),
        },
    )


@require_capability("points.rules")
def point_rule_create(request: HttpRequest) -> HttpResponse:
    regions = editable_regions(request.user)
    form = forms.PointRuleForm(request.POST or None, regions=regions)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            if PointRule.objects.filter(region=d["region"], event_kind=d["event_kind"]).exists():
                messages.error(request, "该区域已有此事项的积分规则，请在列表中修改。")
            else:
                try:
                    services.set_point_rule(
                        actor=request.user,
                        region=d["region"],
                        event_kind=d["event_kind"],
                        points=d["points"],
                        cap=d["cap"],
                        period=d["period"],
                    )
                except ValidationError as exc:
                    message_errors(request, exc)
                else:
                    messages.success(request, "已新增积分规则。")
                    return redirect("members:point_rules")
        else:
            message_form_errors(request, form)
    return render(request, "members/point_rule_form.html", {"form": form, "rule": None})


@require_capability("points.rules")
def point_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(
        PointRule.objects.editable_by(request.user).select_related("region"), pk=pk
    )
    form = forms.PointRuleEditForm(
        request.POST or None,
        initial={
            "points": rule.points,
            "cap": rule.cap,
            "period": rule.period,
            "active": rule.active,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_point_rule(actor=request.user, rule=rule, **form.cleaned_data)
            except ValidationError as exc:
                message_errors(request, exc)
            else:
                messages.success(request, "已保存积分规则。")
                return redirect("members:point_rules")
        else:
            message_form_errors(request, form)
    return render(request, "members/point_rule_form.html", {"form": form, "rule": rule})
