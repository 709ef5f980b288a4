"""Hotline intake: staff enter an appeal taken by phone."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gigbranch.core import actors, ratelimit
from gigbranch.core.permissions import require_capability
from gigbranch.organizations.models import Region

from .. import forms, formtoken, services
from ..models import Channel
from .common import already_submitted, error_dict, form_token


@require_capability("appeals.intake")
@ratelimit.limited("appeal_intake.account")
def intake(request: HttpRequest) -> HttpResponse:
    """Hotline staff enter an appeal taken by phone.

    Submitting the same form again (e.g. after the browser's Back button) shows the appeal
    already registered and creates nothing (APL-5).
    """
    state = form_token(request, Channel.HOTLINE)
    if isinstance(state, HttpResponse):
        return state
    token, key, done = state
    if done is not None and request.method == "POST":
        already_submitted(request, done)
        return redirect("appeals:detail", pk=done.pk)
    form = forms.IntakeForm(request.POST or None)
    form.fields["region"].queryset = (  # type: ignore[attr-defined]
        Region.objects.visible_to(request.user).filter(parent__isnull=False)
        if request.user.scope_region_id
        else Region.objects.none()
    )
    if request.method == "POST" and key is None:
        # Missing, forged or expired token: nothing was submitted; the form gets a new one.
        form.add_error(None, formtoken.EXPIRED_MESSAGE)
        token = formtoken.issue()
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sub = services.submit_appeal(
                actor=actors.of(request),
                category=d["category"],
                description=d["description"],
                channel=Channel.HOTLINE,
                region=d["region"],
                contact_name=d["contact_name"],
                contact_mobile=d["contact_mobile"],
                anonymous=d["anonymous"],
                address=d["address"],
                priority=d["priority"] or None,
                idempotency_key=key,
            )
        except ValidationError as exc:
            for field, errs in error_dict(exc).items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            if sub.created:
                messages.success(request, f"已登记，受理编号{sub.appeal.tracking_no}。")
            else:
                already_submitted(request, sub.appeal)
            return redirect("appeals:detail", pk=sub.appeal.pk)
    return render(
        request,
        "appeals/intake.html",
        {"form": form, "form_token": token, "submitted": done},
    )
