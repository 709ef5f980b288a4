"""The worker's side: raise an appeal, follow it, rate the reply."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from gigbranch.core import actors, ratelimit
from gigbranch.core.permissions import require_capability
from gigbranch.organizations.models import Workplace

from .. import forms, formtoken, queries, rules, services
from ..models import Appeal, AppealPhoto, Channel
from .common import already_submitted, error_dict, form_token


def _portal_workplaces(worker: Any) -> Any:
    if worker is None:
        return Workplace.objects.none()
    return Workplace.objects.filter(
        Q(pk=worker.workplace_id) | Q(region_id=worker.region_id)
    ).order_by("name")[:200]


@require_capability("appeals.submit")
@ratelimit.limited("appeal_intake.account", "appeal_intake.ip")
def portal_new(request: HttpRequest) -> HttpResponse:
    """A worker raises an appeal; submitting the same form again creates nothing (APL-5)."""
    state = form_token(request, Channel.PORTAL)
    if isinstance(state, HttpResponse):
        return state
    token, key, done = state
    if done is not None and request.method == "POST":
        already_submitted(request, done)
        return redirect("appeals:portal_detail", tracking_no=done.tracking_no)
    worker = request.user.worker
    workplaces = _portal_workplaces(worker)
    wp_qs = Workplace.objects.filter(pk__in=[w.pk for w in workplaces])
    if request.method == "POST":
        form = forms.PortalAppealForm(request.POST, workplaces=wp_qs)
    else:
        initial: dict[str, Any] = {}
        if worker is not None and worker.workplace_id:
            initial["workplace"] = worker.workplace_id
        form = forms.PortalAppealForm(initial=initial, workplaces=wp_qs)
    if request.method == "POST" and key is None:
        # Missing, forged or expired token: nothing was submitted; the form gets a new one.
        form.add_error(None, formtoken.EXPIRED_MESSAGE)
        token = formtoken.issue()
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = None
        if d["workplace"] is None and d["latitude"] is not None and d["longitude"] is not None:
            region = queries.nearest_township(d["latitude"], d["longitude"])
        try:
            sub = services.submit_appeal(
                actor=actors.of(request),
                category=d["category"],
                description=d["description"],
                channel=Channel.PORTAL,
                worker=worker,
                workplace=d["workplace"],
                region=region,
                anonymous=d["anonymous"],
                contact_mobile=d["contact_mobile"],
                address=d["address"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                photos=request.FILES.getlist("photos"),
                idempotency_key=key,
            )
        except ValidationError as exc:
            for field, errs in error_dict(exc).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            if not sub.created:
                already_submitted(request, sub.appeal)
            return redirect("appeals:portal_detail", tracking_no=sub.appeal.tracking_no)
    return render(
        request,
        "appeals/portal_new.html",
        {"form": form, "form_token": token, "submitted": done},
    )


@require_capability("appeals.submit")
def portal_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A worker sees the photos attached to their own appeal (anyone else: 404)."""
    worker_id = getattr(request.user, "worker_id", None)
    if worker_id is None:
        raise Http404
    item = get_object_or_404(AppealPhoto, pk=pk, appeal__worker_id=worker_id)
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


@require_capability("appeals.submit")
def portal_list(request: HttpRequest) -> HttpResponse:
    appeals = Appeal.objects.visible_to(request.user).select_related("category")[:100]
    return render(request, "appeals/portal_list.html", {"appeals": appeals})


@require_capability("appeals.submit")
def portal_detail(request: HttpRequest, tracking_no: str) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.visible_to(request.user).select_related("category"), tracking_no=tracking_no
    )
    form = forms.RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(
                actor=actors.of(request),
                appeal=appeal,
                resolved=form.cleaned_data["resolved"],
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except rules.TransitionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "感谢您的评价。")
        return redirect("appeals:portal_detail", tracking_no=appeal.tracking_no)
    timeline = [e for e in appeal.events.all() if e.public_text]
    return render(
        request,
        "appeals/portal_detail.html",
        {
            "appeal": appeal,
            "timeline": timeline,
            "form": form,
            "can_rate": appeal.status == rules.Status.REPLIED,
            "photos": appeal.photos.all(),
        },
    )
