"""Portal activities: list, a page, sign-up and its cancellation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.activities import services as activity_services
from gigbranch.activities.models import Activity, SignUp, SignUpStatus

from .base import _error_text, _me, portal_view

# --- Activities -----------------------------------------------------------------------------


@portal_view
def activities(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    items = Activity.objects.published().filter(ends_at__gt=now).select_related("organization")[:50]
    mine = dict(
        SignUp.objects.live().filter(user=_me(request)).values_list("activity_id", "status")
    )
    return render(
        request, "portal/activities.html", {"tab": "home", "activities": items, "mine": mine}
    )


@portal_view
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Activity.objects.published().select_related("organization"), pk=pk)
    if request.method == "POST":
        try:
            signup = activity_services.sign_up(user=request.user, activity_id=obj.pk)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            if signup.status == SignUpStatus.CONFIRMED:
                messages.success(request, "报名成功！")
            else:
                pos = activity_services.waitlist_position(signup)
                messages.info(
                    request, f"名额已满，您已进入候补，当前第{pos}位；有人取消时自动递补。"
                )
        return redirect("portal:activity", pk=obj.pk)
    mine = SignUp.objects.live().filter(user=_me(request), activity=obj).first()
    confirmed = obj.signups.filter(status=SignUpStatus.CONFIRMED).count()
    return render(
        request,
        "portal/activity.html",
        {
            "tab": "home",
            "activity": obj,
            "mine": mine,
            "confirmed": confirmed,
            "left": max(obj.capacity - confirmed, 0),
            "position": activity_services.waitlist_position(mine) if mine else None,
            "closed": timezone.now() >= (obj.signup_deadline or obj.starts_at),
        },
    )


@portal_view
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(SignUp.objects.filter(user=_me(request)), pk=pk)
    try:
        activity_services.cancel_signup(actor=request.user, signup=signup)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已取消报名。")
    return redirect("portal:activity", pk=signup.activity_id)
