"""The worker's online application on the portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import add_service_errors

from .. import policy, services
from ..forms import (
    PortalApplyForm,
)
from ..models import Case, today


@require_capability("portal.use")
def portal_apply(request: HttpRequest) -> HttpResponse:
    """A worker applies to join the Party online (step 1, source portal)."""
    worker = request.user.worker
    if worker is None:
        raise PermissionDenied("您的账号未关联劳动者信息。")
    existing = Case.objects.visible_to(request.user).filter(worker=worker).open().first()
    form = PortalApplyForm(request.POST or None)
    if existing is None and request.method == "POST" and form.is_valid():
        try:
            existing = services.apply_online(
                actor=request.user,
                worker=worker,
                application_date=today(),
                statement=form.cleaned_data["statement"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "入党申请书已递交，党组织将在一个月内与您谈话。")
            return redirect(reverse("recruitment:portal_apply"))
    step = policy.STEPS[existing.next_step] if existing and existing.next_step else None
    return render(
        request, "recruitment/portal_apply.html", {"form": form, "case": existing, "next": step}
    )
