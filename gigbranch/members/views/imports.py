"""People pages: platform roster imports (mapping, progress, errors)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gigbranch.core.permissions import require_can
from gigbranch.core.viewhelpers import message_errors, message_form_errors

from .. import forms
from ..models import (
    ImportStatus,
    RosterImport,
)
from ..services import roster as roster_services

# --- roster import ------------------------------------------------------------------------


@require_can("members.roster_import")
def imports(request: HttpRequest) -> HttpResponse:
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > roster_services.settings.UPLOAD_MAX_BYTES:
            messages.error(request, "文件超过大小上限。")
        else:
            try:
                imp = roster_services.start_import(
                    actor=request.user,
                    platform=form.cleaned_data["platform"],
                    filename=upload.name,
                    data=upload.read(),
                )
                return redirect("members:import_mapping", pk=imp.pk)
            except ValidationError as exc:
                message_errors(request, exc)
    elif request.method == "POST":
        message_form_errors(request, form)
    recent = RosterImport.objects.visible_to(request.user).select_related("platform")[:20]
    return render(request, "members/imports.html", {"form": form, "recent": recent})


def _import_for(request: HttpRequest, pk: int) -> RosterImport:
    return get_object_or_404(
        RosterImport.objects.visible_to(request.user).select_related("platform"), pk=pk
    )


@require_can("members.roster_import")
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import_for(request, pk)
    form = forms.MappingForm(
        request.POST or None,
        headers=imp.headers,
        initial_mapping=imp.mapping,
        initial={"mark_missing_left": imp.mark_missing_left},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_imp = roster_services.set_mapping(
                actor=request.user,
                roster_import=imp,
                mapping=form.mapping(),
                mark_missing_left=form.cleaned_data["mark_missing_left"],
            )
            roster_services.start_check(actor=request.user, roster_import=services_imp)
            return redirect("members:import_detail", pk=imp.pk)
        except ValidationError as exc:
            message_errors(request, exc)
    return render(request, "members/import_mapping.html", {"imp": imp, "form": form})


IN_PROGRESS = (
    ImportStatus.CHECK_QUEUED,
    ImportStatus.CHECKING,
    ImportStatus.QUEUED,
    ImportStatus.RUNNING,
)


@require_can("members.roster_import")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import_for(request, pk)
    if request.method == "POST":
        try:
            imp = roster_services.start_run(actor=request.user, roster_import=imp)
        except ValidationError as exc:
            message_errors(request, exc)
        return redirect("members:import_detail", pk=imp.pk)
    return render(
        request,
        "members/import_detail.html",
        {
            "imp": imp,
            "errors": imp.errors[:200],
            "running": imp.status in IN_PROGRESS,
        },
    )


@require_can("members.roster_import")
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import_for(request, pk)
    resp = render(request, "members/_import_progress.html", {"imp": imp})
    if imp.status not in IN_PROGRESS:
        resp["HX-Refresh"] = "true"
    return resp


@require_can("members.roster_import")
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import_for(request, pk)
    resp = HttpResponse(
        roster_services.error_report(imp),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = f"attachment; filename=roster-errors-{imp.pk}.xlsx"
    return resp
