"""Network pages: create and edit forms (organisations, workplaces, instructors, rule-sets)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import add_service_errors, is_pk, model_form_fields

from .. import forms, queries, services
from ..models import (
    Instructor,
    OrgRuleSet,
    Region,
    Workplace,
)
from ..policy import Thresholds

# --- Create and edit forms (organisations, workplaces, instructors, rule-sets) -----------


def _form_page(
    request: HttpRequest, form: Any, *, title: str, back: str, back_label: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "organizations/form.html",
        {"form": form, "title": title, "back": back, "back_label": back_label},
        status=status,
    )


def _save(request: HttpRequest, form: Any, write: Any) -> Any:
    """Run a service with the form's data; service errors go back onto the form."""
    try:
        return write()
    except ValidationError as exc:
        add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    return None


@require_capability("org.change")
def organization_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    parent_id = request.GET.get("parent", "")
    if is_pk(parent_id):
        initial["parent"] = parent_id
    form = forms.OrganizationCreateForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in forms.OrganizationForm.Meta.fields}
        org = _save(
            request,
            form,
            lambda: services.create_organization(
                actor=request.user, parent=form.cleaned_data["parent"], **data
            ),
        )
        if org is not None:
            messages.success(request, f"已新建党组织“{org.name}”。")
            return redirect("organizations:detail", pk=org.pk)
    return _form_page(
        request,
        form,
        title="新建党组织",
        back=reverse("organizations:tree"),
        back_label="组织体系",
        status=400 if form.errors else 200,
    )


@require_capability("org.change")
def workplace_create(request: HttpRequest) -> HttpResponse:
    form = forms.WorkplaceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        wp = _save(
            request,
            form,
            lambda: services.create_workplace(actor=request.user, **model_form_fields(form)),
        )
        if wp is not None:
            messages.success(request, f"已新增企业/站点“{wp.name}”。")
            return redirect("organizations:workplace", pk=wp.pk)
    return _form_page(
        request,
        form,
        title="新增企业/站点",
        back=reverse("organizations:workplaces"),
        back_label="企业与站点",
        status=400 if form.errors else 200,
    )


@require_capability("org.change")
def workplace_edit(request: HttpRequest, pk: int) -> HttpResponse:
    wp = get_object_or_404(Workplace.objects.visible_to(request.user), pk=pk)
    form = forms.WorkplaceForm(
        request.POST or None, instance=Workplace.objects.get(pk=pk), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            request,
            form,
            lambda: services.update_workplace(
                actor=request.user, workplace=wp, **model_form_fields(form)
            ),
        )
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("organizations:workplace", pk=wp.pk)
    return _form_page(
        request,
        form,
        title=f"编辑企业/站点：{wp.name}",
        back=reverse("organizations:workplace", args=[wp.pk]),
        back_label=wp.name,
        status=400 if form.errors else 200,
    )


@require_POST
@require_capability("org.change")
def workplace_assign_instructor(request: HttpRequest, pk: int) -> HttpResponse:
    wp = get_object_or_404(Workplace.objects.visible_to(request.user), pk=pk)
    form = forms.AssignInstructorForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "请选择有效的党建工作指导员。")
        return redirect("organizations:workplace", pk=wp.pk)
    try:
        services.assign_instructor(
            actor=request.user, workplace=wp, instructor=form.cleaned_data["instructor"]
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "已更新党建工作指导员。")
    return redirect("organizations:workplace", pk=wp.pk)


@require_capability("org.change")
def instructor_create(request: HttpRequest) -> HttpResponse:
    form = forms.InstructorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        inst = _save(
            request,
            form,
            lambda: services.create_instructor(actor=request.user, **model_form_fields(form)),
        )
        if inst is not None:
            messages.success(request, f"已新增党建工作指导员“{inst.name}”。")
            return redirect("organizations:instructors")
    return _form_page(
        request,
        form,
        title="新增党建工作指导员",
        back=reverse("organizations:instructors"),
        back_label="党建工作指导员",
        status=400 if form.errors else 200,
    )


@require_capability("org.change")
def instructor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inst = get_object_or_404(Instructor.objects.visible_to(request.user), pk=pk)
    form = forms.InstructorForm(
        request.POST or None, instance=Instructor.objects.get(pk=pk), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            request,
            form,
            lambda: services.update_instructor(
                actor=request.user, instructor=inst, **model_form_fields(form)
            ),
        )
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("organizations:instructors")
    return _form_page(
        request,
        form,
        title=f"编辑党建工作指导员：{inst.name}",
        back=reverse("organizations:instructors"),
        back_label="党建工作指导员",
        status=400 if form.errors else 200,
    )


@require_capability("org.rules")
def ruleset_edit(request: HttpRequest) -> HttpResponse:
    """ORG thresholds for one region (the user's own region by default); county admin only."""
    region_id = request.GET.get("region", "")
    visible = Region.objects.visible_to(request.user)
    if is_pk(region_id):
        region = get_object_or_404(visible, pk=int(region_id))
    else:
        # The top of the regions in view: a region scope's own region.
        top: Region | None = visible.order_by("path").first()
        if top is None:
            raise Http404
        region = top
    current = OrgRuleSet.objects.filter(region=region).first()
    initial = (
        None
        if current
        else {n: getattr(queries.thresholds_for(region), n) for n in Thresholds.field_names()}
    )
    form = forms.RuleSetForm(request.POST or None, instance=current, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {n: form.cleaned_data[n] for n in Thresholds.field_names()}
        saved = _save(
            request,
            form,
            lambda: services.set_ruleset(
                actor=request.user, region=region, note=form.cleaned_data["note"], **values
            ),
        )
        if saved is not None:
            messages.success(request, f"已保存{region.name}的组织设置规则参数。")
            return redirect(reverse("organizations:ruleset") + f"?region={region.pk}")
    return render(
        request,
        "organizations/ruleset.html",
        {
            "form": form,
            "region": region,
            "current": current,
            "regions": visible.order_by("path").values("pk", "name", "level"),
        },
        status=400 if form.errors else 200,
    )
