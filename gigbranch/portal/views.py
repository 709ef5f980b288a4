from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gigbranch.core.permissions import require_capability


@require_capability("portal.use")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"worker": request.user.worker})
