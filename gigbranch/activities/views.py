"""Staff pages for activities: publish, edit, the sign-up roster (minimal module)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from gigbranch.accounts.roles import has_capability
from gigbranch.core.permissions import require_capability
from gigbranch.members.consent import political_status_labels

from . import services
from .forms import ActivityForm
from .models import Activity, SignUp, SignUpStatus


@require_capability("activities.view")
def activity_list(request: HttpRequest) -> HttpResponse:
    activities = (
        Activity.objects.visible_to(request.user)
        .select_related("organization")
        .annotate(
            confirmed=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED)),
            waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)),
        )
        .order_by("-starts_at")[:200]
    )
    return render(
        request,
        "activities/list.html",
        {
            "activities": activities,
            "can_manage": has_capability(request.user, "activities.manage"),
        },
    )


@require_capability("activities.view")
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("organization"), pk=pk
    )
    signups = list(
        activity.signups.live()
        .select_related("user__worker__workplace")
        .order_by("status", "queued_at", "id")
    )
    labels = political_status_labels(request.user, [s.user.worker for s in signups])
    rows = []
    for s in signups:
        worker = s.user.worker
        political = labels[worker.pk] if worker is not None else "—"
        rows.append({"signup": s, "worker": worker, "political": political})
    return render(
        request,
        "activities/detail.html",
        {
            "activity": activity,
            "rows": rows,
            "can_manage": has_capability(request.user, "activities.manage"),
        },
    )


@require_capability("activities.manage")
def activity_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    activity = get_object_or_404(Activity.objects.visible_to(request.user), pk=pk) if pk else None
    form = ActivityForm(request.POST or None, instance=activity, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_activity(
                actor=request.user, activity=activity, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, "活动已保存。")
            return redirect("activities:detail", pk=saved.pk)
    return render(request, "activities/form.html", {"form": form, "activity": activity})


@require_capability("activities.manage")
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(
        SignUp.objects.filter(activity__in=Activity.objects.visible_to(request.user)), pk=pk
    )
    try:
        services.cancel_signup(actor=request.user, signup=signup)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "已取消该报名，候补人员已按顺序递补。")
    return redirect("activities:detail", pk=signup.activity_id)
